-- servq schema v29: SMART goals bound to a KPI. The baseline is computed when the goal is set
-- (the metric over the baseline period with the goal's scope) and kept; a relative goal
-- ("complaints -30 %") keeps its relative change beside the absolute target it was turned into.
-- Values are the metric's JSON numbers written as text (Rust's shortest round-trip form), so a
-- baseline reads back exactly as `servq kpi` computed it.
CREATE TABLE goals (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    -- centre, queue, team or agent, and the queue/team/agent id ('' for the centre)
    scope TEXT NOT NULL,
    scope_value TEXT NOT NULL,
    -- YYYY-MM-DD, inclusive
    baseline_from TEXT NOT NULL,
    baseline_to TEXT NOT NULL,
    -- NULL: the baseline period had no value
    baseline TEXT,
    target TEXT NOT NULL,
    -- the relative change asked for (-0.3 = -30 %); NULL for an absolute goal
    relative TEXT,
    deadline TEXT NOT NULL,
    -- the day the goal was set (YYYY-MM-DD, centre zone): where the straight line starts
    created_day TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX goals_scope ON goals (scope, scope_value);
