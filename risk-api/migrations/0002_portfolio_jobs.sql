-- Portfolio runs are jobs: accepted (202) once the row is committed, run in the background, and
-- read back by their owner. `report` is the PortfolioReport JSON once done; `error` a message
-- when failed. A job left `running` by a stopped server is marked `failed` at the next start.
CREATE TABLE portfolio_jobs (
    id            TEXT PRIMARY KEY,
    owner_subject TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    policies      BIGINT NOT NULL,
    trials        BIGINT NOT NULL,
    seed          TEXT NOT NULL,
    report        TEXT,
    error         TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX portfolio_jobs_owner ON portfolio_jobs (owner_subject);
