-- servq schema v31: action-plan tasks of the improvement loop, each under a problem or a goal,
-- with an owner (a username) and a due date. Assigning a task and each morning it is overdue
-- leave an audit entry the notification pass turns into a message for the owner.
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    problem_id BIGINT,
    goal_id BIGINT,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- YYYY-MM-DD
    due TEXT NOT NULL,
    -- open, done, cancelled
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tasks_owner ON tasks (owner, status);
