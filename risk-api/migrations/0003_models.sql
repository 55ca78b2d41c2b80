-- Model versions published by an admin (from `risk calibrate`, or reviewed by hand). The newest
-- publication is in force for new assessments; a stored assessment keeps the version it was priced
-- with (its model_version and model_hash select the row here, or the built-in model).
CREATE TABLE models (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    body         TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL
);
