-- Schema of the risk service: the same file runs on SQLite and PostgreSQL, so it sticks to
-- TEXT and BIGINT columns (times are RFC 3339 UTC text, documents are JSON text).

-- API keys: only the SHA-256 of a key is kept, never the key.
CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'insurer', 'firm')),
    subject    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Assessments with everything needed to re-run them: the profile as sent, model version and
-- hash, threat-table version, seed (decimal text: a u64 may not fit a signed BIGINT), trials and
-- valuation date; `result` is the full (insurer-view) Assessment JSON.
CREATE TABLE assessments (
    id             TEXT PRIMARY KEY,
    owner_role     TEXT NOT NULL,
    owner_subject  TEXT NOT NULL,
    profile        TEXT NOT NULL,
    model_version  TEXT NOT NULL,
    model_hash     TEXT NOT NULL,
    threat_version TEXT NOT NULL,
    threat_seq     BIGINT NOT NULL,
    seed           TEXT NOT NULL,
    trials         BIGINT NOT NULL,
    as_of          TEXT NOT NULL,
    result         TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX assessments_owner ON assessments (owner_role, owner_subject);

-- Consent: the owning firm lets an insurer read one assessment.
CREATE TABLE shares (
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    insurer       TEXT NOT NULL,
    granted_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (assessment_id, insurer)
);

-- Sector threat levels, append-only: each publication is a new row with the next `seq`; the
-- table in force at seq n is, per industry, the newest row with seq <= n.
CREATE TABLE threat_levels (
    seq          BIGINT PRIMARY KEY,
    industry     TEXT NOT NULL,
    levels       TEXT NOT NULL,
    source       TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
);
