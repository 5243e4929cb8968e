-- servq schema v14 (PostgreSQL): ticket KPIs read from a day cube instead of every ticket.
-- Per local day of the centre's zone and per group (dim '' = all tickets; team, category,
-- priority, type, assignee, channel): the counters of the tickets created that day, and how many
-- tickets left the backlog (were resolved) that day, so the backlog at a day's start is
-- created before it minus resolved before it. Writes only log the instants they touched
-- (ticket_cube_dirty, append-only: concurrent writers never wait on each other); a report first
-- re-sums the days those instants fall on.
CREATE TABLE ticket_day_cube (
    day_start BIGINT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    created BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    first_response_ms BIGINT NOT NULL,
    resolution_ms BIGINT NOT NULL,
    complaints BIGINT NOT NULL,
    complaints_in_24h BIGINT NOT NULL,
    sla_met BIGINT NOT NULL,
    sla_breached BIGINT NOT NULL,
    left_backlog BIGINT NOT NULL,
    PRIMARY KEY (dim, day_start, key)
);
CREATE TABLE ticket_cube_dirty (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL
);
CREATE INDEX tickets_resolved ON tickets (resolved_at);
-- a reopened ticket is back in the backlog: closing now always follows a resolution, and
-- reopening clears both
UPDATE tickets SET closed_at = NULL WHERE resolved_at IS NULL;
INSERT INTO ticket_cube_dirty (at)
    SELECT DISTINCT created_at - created_at % 900000 FROM tickets
    UNION SELECT DISTINCT resolved_at - resolved_at % 900000 FROM tickets WHERE resolved_at IS NOT NULL;
-- an agent's open tickets (least-loaded assignment, team load) without reading every ticket
CREATE INDEX tickets_assignee ON tickets (assignee, status);
-- the team's latest assignee (round-robin)
CREATE INDEX tickets_team ON tickets (team, created_at);
-- round-robin: the agent who got each team's latest ticket (written under the team's lock when
-- a ticket is created; tickets of one millisecond keep their order)
CREATE TABLE team_assignments (
    team TEXT PRIMARY KEY,
    last_assignee TEXT NOT NULL
);
