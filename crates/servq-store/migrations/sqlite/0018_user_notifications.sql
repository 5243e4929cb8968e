-- servq schema v18 (SQLite): notifications for people — a new evaluation for the agent, a
-- dispute for the inspector, a ticket assigned to me, SLA warnings and breaches for the
-- assignee and supervisors — with per-user preferences (in the app, by e-mail).
--
-- Each row comes from one source event (an audit entry, a ticket event or an escalation) and is
-- made once per user: the unique key lets any number of passes run without doubles.
CREATE TABLE user_notifications (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    -- evaluation_new | evaluation_disputed | evaluation_rereviewed | ticket_assigned |
    -- sla_warning | sla_breach
    kind TEXT NOT NULL,
    -- audit | ticket_event | escalation
    source TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    -- the evaluation or ticket it is about
    subject_id TEXT NOT NULL,
    -- the text's values as JSON (written in the reader's language when shown)
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE UNIQUE INDEX user_notifications_once ON user_notifications (user_id, source, source_id);
CREATE INDEX user_notifications_user ON user_notifications (user_id, created_at);

-- a kind without a row: in the app yes, by e-mail no
CREATE TABLE notification_prefs (
    user_id TEXT NOT NULL REFERENCES users (user_id),
    kind TEXT NOT NULL,
    in_app BIGINT NOT NULL,
    email BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- where e-mail notifications go ('' = none)
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- the escalation's level (warning, breach) and clock, as the notification pass reads them
ALTER TABLE notifications ADD COLUMN level TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN metric TEXT NOT NULL DEFAULT '';
