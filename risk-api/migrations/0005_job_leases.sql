-- Replica-safe portfolio jobs: any replica's worker claims a queued job (or one whose lease
-- expired) from the database and holds it under a lease it renews while it runs. The job keeps its
-- input so any replica can run it: the file as sent (hex text, so the same SQL serves SQLite and
-- PostgreSQL), its kind (`csv` or `parquet`), the model version and hash it was validated with,
-- and the day it was accepted. `lease_owner` names the worker holding it; `lease_until` is when
-- the lease lapses (milliseconds since 1970, UTC); `attempts` counts claims, so a job that kills
-- every worker that takes it is failed rather than retried for ever. Status only moves forward
-- (queued -> running -> done | failed; a released lease puts a running job back to queued) and
-- done and failed are final: every update names the status it expects.
ALTER TABLE portfolio_jobs ADD COLUMN input TEXT;
ALTER TABLE portfolio_jobs ADD COLUMN input_kind TEXT;
ALTER TABLE portfolio_jobs ADD COLUMN model_version TEXT;
ALTER TABLE portfolio_jobs ADD COLUMN model_hash TEXT;
ALTER TABLE portfolio_jobs ADD COLUMN accepted_on TEXT;
ALTER TABLE portfolio_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE portfolio_jobs ADD COLUMN lease_until BIGINT;
ALTER TABLE portfolio_jobs ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
CREATE INDEX portfolio_jobs_status ON portfolio_jobs (status, created_at);
-- Jobs accepted before this migration kept no input and cannot be run again by anyone.
UPDATE portfolio_jobs SET status = 'failed', error = 'interrupted by a server restart'
    WHERE status IN ('queued', 'running');
