-- servq schema v44: the risk register, emergency plans and drills (docs/risks.md).
CREATE TABLE risks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    -- technical_failure, information_security, staff_capability, network_outage, other
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    -- 1-5 each; the score is their product
    likelihood BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    -- a username
    owner TEXT NOT NULL,
    -- mitigate, accept, transfer, avoid
    treatment TEXT NOT NULL,
    controls TEXT NOT NULL,
    -- YYYY-MM-DD, the next review
    review_on TEXT NOT NULL,
    -- open, closed
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX risks_review ON risks (status, review_on);

-- Each review of a risk: the rating it left and the next date.
CREATE TABLE risk_reviews (
    id INTEGER PRIMARY KEY,
    risk_id BIGINT NOT NULL REFERENCES risks (id),
    reviewed_by TEXT NOT NULL,
    reviewed_at BIGINT NOT NULL,
    likelihood BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    note TEXT NOT NULL,
    next_review_on TEXT NOT NULL
);
CREATE INDEX risk_reviews_risk ON risk_reviews (risk_id, reviewed_at);

CREATE TABLE emergency_plans (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    scenario TEXT NOT NULL,
    trigger_text TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- the recovery target
    recovery_hours BIGINT NOT NULL,
    -- JSON: [{phase, role, action, target_minutes}], in order
    steps TEXT NOT NULL,
    -- JSON: ["name role phone", ...]
    contacts TEXT NOT NULL,
    -- JSON: [risk id, ...]
    risk_ids TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE drills (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES emergency_plans (id),
    -- YYYY-MM-DD
    scheduled_on TEXT NOT NULL,
    -- planned, done, cancelled
    status TEXT NOT NULL,
    -- YYYY-MM-DD once run
    ran_on TEXT,
    -- JSON: ["name", ...]
    participants TEXT NOT NULL,
    -- JSON: the minutes each plan step took, by the plan's step order (null: not timed)
    step_minutes TEXT NOT NULL,
    -- JSON: the plan's steps as they were when the drill ran
    steps TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX drills_plan ON drills (plan_id, scheduled_on);
CREATE INDEX drills_status ON drills (status, scheduled_on);

CREATE TABLE drill_findings (
    id INTEGER PRIMARY KEY,
    drill_id BIGINT NOT NULL REFERENCES drills (id),
    -- order within the drill
    position BIGINT NOT NULL,
    finding TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- the improvement-register problem and task it became
    problem_id BIGINT,
    task_id BIGINT
);
CREATE INDEX drill_findings_drill ON drill_findings (drill_id, position);
