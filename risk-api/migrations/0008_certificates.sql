-- Certificate registry (contract §11). A certification body registers the certificates it issues
-- (`certificates`, one row each, unique by scheme and number) and changes their status; every
-- state a certificate has been in is a row of `certificate_history`, append-only and numbered by
-- one global `seq`, so the registry as it stood at position n is each certificate's newest row
-- with seq <= n. An assessment records the position it was priced at (`registry_seq`, 0: before
-- any registration) and the certificates it relied on (`assessment_certificates`), so it re-runs
-- bit for bit and a status change finds the assessments to re-price. `scope_share` is decimal
-- text (the same SQL serves SQLite and PostgreSQL); dates are YYYY-MM-DD, times RFC 3339 UTC.
CREATE TABLE certificates (
    id             TEXT PRIMARY KEY,
    scheme         TEXT NOT NULL,
    certificate_id TEXT NOT NULL,
    certifier      TEXT NOT NULL,
    holder         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (scheme, certificate_id)
);
CREATE INDEX certificates_certifier ON certificates (certifier, created_at);
CREATE INDEX certificates_holder ON certificates (holder, created_at);

CREATE TABLE certificate_history (
    seq            BIGINT PRIMARY KEY,
    certificate    TEXT NOT NULL REFERENCES certificates (id),
    change         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    effective      TEXT NOT NULL,
    issued         TEXT NOT NULL,
    expires        TEXT NOT NULL,
    scope_share    TEXT NOT NULL,
    security_level BIGINT,
    changed_by     TEXT NOT NULL,
    changed_at     TEXT NOT NULL
);
CREATE INDEX certificate_history_certificate ON certificate_history (certificate, seq);

CREATE TABLE assessment_certificates (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    certificate   TEXT NOT NULL REFERENCES certificates (id),
    PRIMARY KEY (assessment_id, certificate)
);
CREATE INDEX assessment_certificates_certificate ON assessment_certificates (certificate);

ALTER TABLE assessments ADD COLUMN registry_seq BIGINT NOT NULL DEFAULT 0;
