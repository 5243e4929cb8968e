-- servq schema v34: the rest of the improvement loop.
-- * A problem may name the goal that measures its fix (problems.goal_id).
-- * Linked evidence: contacts, tickets, review tasks, QA evaluations and KPI series that show a
--   problem, each once per problem, with who linked it and a note.
-- * Comments on action-plan tasks, oldest first.
-- * Effectiveness checks: when a problem with a goal is closed, its goal's KPI is re-measured 30,
--   60 and 90 days later; a check that finds the target no longer met reopens the problem and
--   cancels the checks still pending. Values are JSON numbers written as text, as in goals.
ALTER TABLE problems ADD COLUMN goal_id BIGINT;
CREATE TABLE problem_evidence (
    id INTEGER PRIMARY KEY,
    problem_id BIGINT NOT NULL,
    -- contact, ticket, review_task, evaluation, kpi
    kind TEXT NOT NULL,
    -- the contact/ticket/response/evaluation id, or for kpi the metric (metric|queue=…)
    reference TEXT NOT NULL,
    note TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    UNIQUE (problem_id, kind, reference)
);
CREATE TABLE task_comments (
    id INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX task_comments_task ON task_comments (task_id, id);
CREATE TABLE effectiveness_checks (
    id INTEGER PRIMARY KEY,
    problem_id BIGINT NOT NULL,
    goal_id BIGINT NOT NULL,
    -- the day the problem was closed (YYYY-MM-DD, centre zone) and how many days later to check
    closed_on TEXT NOT NULL,
    after_days INTEGER NOT NULL,
    due TEXT NOT NULL,
    -- pending, held, slipped, no_data, cancelled
    status TEXT NOT NULL,
    -- the KPI over the 28 days before the due day, and the goal's target then
    value TEXT,
    target TEXT NOT NULL,
    checked_at BIGINT,
    UNIQUE (problem_id, closed_on, after_days)
);
CREATE INDEX effectiveness_checks_due ON effectiveness_checks (status, due);
