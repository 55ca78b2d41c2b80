-- Two more roles (contract §11, §13): `certifier` (a certification body) and `hub` (an
-- information-sharing operator). The role check of 0001 is a table constraint, which SQLite
-- cannot alter, so the table is rebuilt with the same columns, rows and indexes (plain SQL that
-- runs on SQLite and PostgreSQL alike).
CREATE TABLE api_keys_v7 (
    key_hash   TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'insurer', 'firm', 'certifier', 'hub')),
    subject    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    id         TEXT,
    expires_at TEXT,
    revoked_at TEXT
);
INSERT INTO api_keys_v7 (key_hash, role, subject, created_at, id, expires_at, revoked_at)
    SELECT key_hash, role, subject, created_at, id, expires_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v7 RENAME TO api_keys;
CREATE UNIQUE INDEX api_keys_id ON api_keys (id);
CREATE INDEX api_keys_subject ON api_keys (subject);

-- The events feed (contract §11 `GET /v1/events`): what changed for a stored assessment after it
-- was made (a certificate's status, the threat table), in the order it happened. Append-only;
-- `seq` is the feed's cursor. Who may read an event is decided when it is read: the assessment's
-- owner, and insurers it is shared with at that time. `body` is the event's JSON object (premiums
-- before and after, and what caused the change).
CREATE TABLE events (
    seq           BIGINT PRIMARY KEY,
    kind          TEXT NOT NULL,
    at            TEXT NOT NULL,
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    body          TEXT NOT NULL
);
CREATE INDEX events_assessment ON events (assessment_id, seq);
