-- Information sharing (contract §13): hubs' advisories, and the threat-level history as a
-- versioned, audited record of every change to the table in force. Plain TEXT and BIGINT so the
-- same SQL runs on SQLite and PostgreSQL.

-- Advisories as published: the checked fields (industries and multipliers as JSON text, times as
-- RFC 3339 UTC), the document as sent (`format` json or stix), who published it and when, and
-- when and by whom it was withdrawn (NULL while it stands). Never deleted: the history refers to
-- them by id.
CREATE TABLE advisories (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    industries   TEXT NOT NULL,
    multipliers  TEXT NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_until  TEXT NOT NULL,
    source       TEXT NOT NULL,
    tlp          TEXT NOT NULL,
    format       TEXT NOT NULL,
    document     TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by TEXT
);
CREATE INDEX advisories_listing ON advisories (published_at, id);

-- Every change of the threat table gives a new row of `threat_levels` (its `seq` is the table's
-- version). Rows from before this migration are whole-row publications of one industry's levels
-- (`kind` NULL): the table at version n is each industry's newest such row with seq <= n. Rows
-- from now on say what changed (`kind`: publish, withdraw, expire, start, override; `detail`:
-- JSON of the advisory or levels concerned), keep the admin's base levels after the change
-- (`base`, JSON {industry: {peril: m}}) and the whole table then in force (`snapshot`, JSON
-- {industry: {peril: {multiplier, advisories}}}), so a version is read from its own row. For
-- them `industry` lists the industries whose multipliers moved (comma-separated), `levels` the
-- levels an override set (JSON, else {}), `source` the advisory id or the override's source.
ALTER TABLE threat_levels ADD COLUMN kind TEXT;
ALTER TABLE threat_levels ADD COLUMN detail TEXT;
ALTER TABLE threat_levels ADD COLUMN base TEXT;
ALTER TABLE threat_levels ADD COLUMN snapshot TEXT;

-- Portfolio jobs run with the threat table in force when they were accepted (its version).
ALTER TABLE portfolio_jobs ADD COLUMN threat_seq BIGINT;
