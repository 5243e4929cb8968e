-- servq schema v1 (SQLite). Times are UTC epoch milliseconds; flags are 0/1 integers so that the
-- same queries and value types work on SQLite and PostgreSQL through one code path.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE agents (
    agent_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    team TEXT NOT NULL DEFAULT ''
);

CREATE TABLE contacts (
    contact_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    queue TEXT NOT NULL,
    customer_id TEXT,
    agent_id TEXT NOT NULL,
    offered_at BIGINT NOT NULL,
    utc_offset_secs BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT,
    -- (answered_at or ended_at) - offered_at, computed once at import by servq-core
    wait_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    category TEXT NOT NULL,
    resolved BIGINT,
    -- offered_at of the next contact by the same customer in the same category, maintained at import
    next_same_issue_at BIGINT
);
CREATE INDEX contacts_by_offered_at ON contacts (offered_at);
CREATE INDEX contacts_by_issue ON contacts (customer_id, category, offered_at);

CREATE TABLE agent_states (
    agent_id TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    utc_offset_secs BIGINT NOT NULL,
    PRIMARY KEY (agent_id, start_at)
);
CREATE INDEX agent_states_by_start ON agent_states (start_at);

CREATE TABLE contact_rollup (
    bucket BIGINT NOT NULL,
    queue TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    direction TEXT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    short_abandoned BIGINT NOT NULL,
    answered_within_sl BIGINT NOT NULL,
    wait_answered_ms BIGINT NOT NULL,
    wait_counted_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    fcr_eligible BIGINT NOT NULL,
    fcr_resolved BIGINT NOT NULL,
    resolution_known BIGINT NOT NULL,
    resolution_resolved BIGINT NOT NULL,
    PRIMARY KEY (bucket, queue, agent_id, channel, category, direction)
);

CREATE TABLE state_rollup (
    bucket BIGINT NOT NULL,
    agent_id TEXT NOT NULL,
    available_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    not_ready_ms BIGINT NOT NULL,
    PRIMARY KEY (bucket, agent_id)
);

-- Day cubes: the same counters summed per day of the centre's time zone (period = UTC ms of
-- local midnight) over fewer dimensions, so that dashboards over months read thousands of rows.
CREATE TABLE contact_day (
    period BIGINT NOT NULL,
    queue TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    direction TEXT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    short_abandoned BIGINT NOT NULL,
    answered_within_sl BIGINT NOT NULL,
    wait_answered_ms BIGINT NOT NULL,
    wait_counted_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    fcr_eligible BIGINT NOT NULL,
    fcr_resolved BIGINT NOT NULL,
    resolution_known BIGINT NOT NULL,
    resolution_resolved BIGINT NOT NULL,
    PRIMARY KEY (period, queue, agent_id, channel, category, direction)
);

CREATE TABLE contact_day_queue (
    period BIGINT NOT NULL,
    queue TEXT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    short_abandoned BIGINT NOT NULL,
    answered_within_sl BIGINT NOT NULL,
    wait_answered_ms BIGINT NOT NULL,
    wait_counted_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    fcr_eligible BIGINT NOT NULL,
    fcr_resolved BIGINT NOT NULL,
    resolution_known BIGINT NOT NULL,
    resolution_resolved BIGINT NOT NULL,
    PRIMARY KEY (period, queue, channel, direction)
);

CREATE TABLE contact_day_agent (
    period BIGINT NOT NULL,
    queue TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    short_abandoned BIGINT NOT NULL,
    answered_within_sl BIGINT NOT NULL,
    wait_answered_ms BIGINT NOT NULL,
    wait_counted_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    fcr_eligible BIGINT NOT NULL,
    fcr_resolved BIGINT NOT NULL,
    resolution_known BIGINT NOT NULL,
    resolution_resolved BIGINT NOT NULL,
    PRIMARY KEY (period, queue, agent_id)
);

CREATE TABLE state_day (
    period BIGINT NOT NULL,
    agent_id TEXT NOT NULL,
    available_ms BIGINT NOT NULL,
    talk_ms BIGINT NOT NULL,
    hold_ms BIGINT NOT NULL,
    wrap_ms BIGINT NOT NULL,
    not_ready_ms BIGINT NOT NULL,
    PRIMARY KEY (period, agent_id)
);

CREATE TABLE import_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    finished_at BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
