-- ORD result tables of a finished portfolio job (JSON object: table name -> CSV text), served by
-- GET /v1/portfolios/{id}/ord/{table}.csv.
ALTER TABLE portfolio_jobs ADD COLUMN ord TEXT;
