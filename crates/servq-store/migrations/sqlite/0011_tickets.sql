-- servq schema v11 (SQLite): tickets with their history, SLA clocks (business-time deadlines
-- computed by servq-desk) and their events, escalations (one per ticket, metric and level: the
-- key makes each fire once however many servers run), in-app notifications and the outbox of
-- e-mails and webhooks.
CREATE TABLE tickets (
    ticket_id TEXT PRIMARY KEY,
    ticket_type TEXT NOT NULL,
    category TEXT NOT NULL,
    priority TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    segment TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact_id TEXT,
    team TEXT NOT NULL,
    assignee TEXT NOT NULL,
    stage TEXT NOT NULL,
    -- open | waiting_customer | resolved | closed
    status TEXT NOT NULL,
    status_token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_status ON tickets (status, created_at);
CREATE INDEX tickets_customer ON tickets (customer_id, created_at);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    -- created | note | response | status | stage | assign | transfer
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);

CREATE TABLE sla_clocks (
    ticket_id TEXT NOT NULL,
    -- first_response | next_response | resolution
    metric TEXT NOT NULL,
    rule TEXT NOT NULL,
    target_ms BIGINT NOT NULL,
    used_ms BIGINT NOT NULL,
    running_since BIGINT,
    -- while running: the deadline and the warning time, UTC ms
    due_at BIGINT,
    warn_at BIGINT,
    -- running | paused | met | breached
    state TEXT NOT NULL,
    breached BIGINT NOT NULL,
    warned BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, metric)
);
CREATE INDEX sla_clocks_due ON sla_clocks (state, due_at);

CREATE TABLE sla_events (
    id INTEGER PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    -- start | pause | resume | met | breached
    kind TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sla_events_ticket ON sla_events (ticket_id, at);

CREATE TABLE escalations (
    ticket_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    -- warning (before the breach) | breach
    level TEXT NOT NULL,
    fired_at BIGINT NOT NULL,
    -- when the notification is sent: the next business or duty moment
    notify_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, metric, level)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    -- a role name or a user name
    audience TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_audience ON notifications (audience, created_at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    -- email | webhook
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    send_after BIGINT NOT NULL,
    sent_at BIGINT,
    attempts BIGINT NOT NULL,
    last_error TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (sent_at, send_after);
