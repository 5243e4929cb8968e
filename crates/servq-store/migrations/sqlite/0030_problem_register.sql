-- servq schema v30: the problem register of the improvement loop. A problem is recorded by hand
-- or accepted from a suggestion (its key kept, so a suggestion becomes one problem however often
-- it is accepted); dismissed suggestions are remembered so they are not offered again. Status
-- changes are audited (audit_log), so the register's history is the audit trail.
CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    -- response_efficiency, problem_solving, attitude, process_design
    class TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- manual, review_reason, qa, ticket_category, kpi_alert
    source TEXT NOT NULL,
    -- the suggestion's key ('' for a manual problem)
    source_key TEXT NOT NULL,
    -- open, analysing, acting, verifying, closed, reopened
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX problems_source ON problems (source_key);
CREATE TABLE problem_dismissals (
    source_key TEXT PRIMARY KEY,
    dismissed_by TEXT NOT NULL,
    dismissed_at BIGINT NOT NULL
);
