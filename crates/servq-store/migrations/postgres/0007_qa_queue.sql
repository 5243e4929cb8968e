-- servq schema v7 (PostgreSQL): the evaluation queue that sampling plans fill; an item is done when
-- its contact is evaluated.
CREATE TABLE qa_queue (
    contact_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    -- the plan that picked it, e.g. "random 3/agent 2026-11-16..2026-11-22"
    plan TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX qa_queue_open ON qa_queue (done_at, agent_id);
