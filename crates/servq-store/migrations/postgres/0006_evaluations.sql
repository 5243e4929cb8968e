-- servq schema v6 (PostgreSQL): versioned scorecards and evaluations with their workflow
-- (submitted → acknowledged, or disputed → rereviewed → acknowledged).
CREATE TABLE scorecards (
    scorecard_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- the scorecard (sections, items, weights, scales, critical flags) as JSON
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scorecard_id, version)
);

CREATE TABLE evaluations (
    evaluation_id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    scorecard_id TEXT NOT NULL,
    scorecard_version BIGINT NOT NULL,
    inspector TEXT NOT NULL,
    status TEXT NOT NULL,
    -- {"item id": level or "na"}
    answers TEXT NOT NULL,
    comments TEXT NOT NULL,
    -- score × 1 000 000; NULL when every item was N/A
    score_micro BIGINT,
    -- ids of critical items below 50 %, comma-separated
    failed_critical TEXT NOT NULL,
    dispute_reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX evaluations_contact ON evaluations (contact_id);
CREATE INDEX evaluations_agent ON evaluations (agent_id, created_at);
