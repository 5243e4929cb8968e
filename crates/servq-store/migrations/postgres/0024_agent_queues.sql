-- servq schema v24: the queues (skill groups) each agent of the roster serves, in the order the
-- roster lists them. Agent-state time is split evenly across them for occupancy per queue; the
-- first queue takes the whole-millisecond remainder (docs/kpi.md#occupancy-per-queue).
CREATE TABLE agent_queues (
    agent_id TEXT NOT NULL,
    queue TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (agent_id, queue)
);
