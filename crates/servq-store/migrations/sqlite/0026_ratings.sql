-- servq schema v26: 360° ratings. A supervisor, a peer or the agent (self) rates an agent for a
-- period on the five dimensions of the service-quality standard, 1–5 each (NULL: not answered).
-- A rating counts on its period's last day: counted_at is the start of that day in the centre's
-- zone (UTC ms), where KPI queries place it.
CREATE TABLE ratings (
    rating_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    -- a username (the form) or the file's rater
    rater TEXT NOT NULL,
    -- supervisor | peer | self
    source TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    counted_at BIGINT NOT NULL,
    response_speed BIGINT,
    problem_solving BIGINT,
    professionalism BIGINT,
    process BIGINT,
    satisfaction BIGINT,
    comment TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ratings_counted ON ratings (counted_at, agent_id);
