-- servq schema v32: a problem's root-cause analysis — the 5-Why chain with its root marked and
-- the fishbone (editable branches, causes with likelihood and evidence) — kept as one JSON
-- document (servq_core::RootCauseAnalysis, checked before it is stored) per problem.
CREATE TABLE problem_analyses (
    problem_id BIGINT PRIMARY KEY,
    analysis TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
