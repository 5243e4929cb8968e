-- servq schema v27: coaching sessions. A coach (supervisor) meets an agent about a topic — the
-- scorecard items or QA rules the agent failed, or a measure — records notes and agreed actions,
-- and sets a follow-up date; after it the agent's card shows the measure before against after.
CREATE TABLE coaching_sessions (
    id BIGSERIAL PRIMARY KEY,
    agent_id TEXT NOT NULL,
    coach TEXT NOT NULL,
    topic TEXT NOT NULL,
    -- the problems discussed: item:ID or rule:NAME, comma-separated
    problems TEXT NOT NULL,
    -- the measure whose change is followed ('' for the composite)
    metric TEXT NOT NULL,
    -- YYYY-MM-DD
    session_date TEXT NOT NULL,
    follow_up TEXT NOT NULL,
    notes TEXT NOT NULL,
    actions TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX coaching_sessions_agent ON coaching_sessions (agent_id, session_date);
