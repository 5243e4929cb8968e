-- servq schema v15 (PostgreSQL): one row per scheduled job and period. Claiming a period is inserting
-- its row, so each period runs once however many servers start the scheduler; a period missed
-- beyond the job's catch-up cap is recorded as skipped.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job, period)
);
CREATE INDEX job_runs_latest ON job_runs (job, scheduled_at);
