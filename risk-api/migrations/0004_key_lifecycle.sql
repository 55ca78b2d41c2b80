-- Key lifecycle (contract §15): an id to name a key by (the first 16 hex digits of its hash, which
-- reveal nothing of the key), an optional expiry date (YYYY-MM-DD: the key stops working at the
-- start of that day, UTC) and the time it was revoked. A revoked or expired key is answered 401.
-- Added columns only: the same SQL runs on SQLite and PostgreSQL.
ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
UPDATE api_keys SET id = substr(key_hash, 1, 16);
CREATE UNIQUE INDEX api_keys_id ON api_keys (id);
CREATE INDEX api_keys_subject ON api_keys (subject);
