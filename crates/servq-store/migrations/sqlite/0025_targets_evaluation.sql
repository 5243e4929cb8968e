-- servq schema v25: KPI targets, the trend alerts they raise, and the evaluation model.
--
-- A target is versioned: each row states the target of one metric for one scope (the centre,
-- a queue, a team or an agent) from a day on; the row with the latest effective_from on or
-- before a day is in effect that day. A row without a value (target_micro NULL) ends the target.
-- Values are micro-units of the metric's `servq kpi` JSON unit (0.8 → 800000; 300 s → 300000000).
CREATE TABLE kpi_targets (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    -- centre | queue | team | agent
    scope TEXT NOT NULL,
    -- the queue, team or agent id; '' for the centre
    scope_value TEXT NOT NULL,
    -- higher | lower (which way the target is met)
    direction TEXT NOT NULL,
    target_micro BIGINT,
    -- the far edge of the warning band, on the worse side of the target
    warn_micro BIGINT,
    -- YYYY-MM-DD in the centre's zone
    effective_from TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX kpi_targets_version ON kpi_targets (metric, scope, scope_value, effective_from);

-- One row per alert episode: a measure that missed its target N days running, or whose daily
-- value moved beyond its XmR control limits. An episode stays open while the condition holds
-- (last_day moves on) and is closed on the first day it does not; a new row (and so a new
-- notification) only starts a new episode.
CREATE TABLE kpi_alerts (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_value TEXT NOT NULL,
    -- missed_target | out_of_control
    rule TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    -- the day the condition no longer held; NULL while open
    ended_day TEXT,
    -- the values behind it as JSON (value, target, limits, days)
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX kpi_alerts_open ON kpi_alerts (metric, scope, scope_value, rule, ended_day);

-- The evaluation model (five dimensions of weighted measures, grades), versioned: saving stores
-- version n+1; a period is graded with the version in effect on its last day.
CREATE TABLE evaluation_models (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    -- the model file as JSON (docs/evaluation.md)
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
