-- servq schema v3 (PostgreSQL): imports started from the web app, their progress and row errors, so
-- that any servq instance behind a load balancer can report on an import another one runs.
CREATE TABLE import_jobs (
    job_id TEXT PRIMARY KEY,
    user_id TEXT,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- reading | merging | imported | rejected | failed
    status TEXT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    rows_read BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    inserted BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    bad_rows BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_jobs_started ON import_jobs (started_at);

-- the first errors of a rejected import (all are counted in import_jobs.error_count)
CREATE TABLE import_job_errors (
    job_id TEXT NOT NULL REFERENCES import_jobs (job_id),
    seq BIGINT NOT NULL,
    line BIGINT NOT NULL,
    column_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
