-- servq schema v12 (PostgreSQL): the return visit (回访) every complaint needs before it closes, with
-- its outcome and the complaint's root-cause tag; public ticket events for the status page.
CREATE TABLE return_visits (
    ticket_id TEXT PRIMARY KEY,
    visited_at BIGINT NOT NULL,
    -- satisfied | unsatisfied | unreachable
    outcome TEXT NOT NULL,
    root_cause TEXT NOT NULL,
    note TEXT NOT NULL,
    visited_by TEXT NOT NULL
);
ALTER TABLE ticket_events ADD COLUMN public BIGINT NOT NULL DEFAULT 0;
