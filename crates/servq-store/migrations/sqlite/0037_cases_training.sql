-- servq schema v37: the case library and training. A case is a dialogue tree (its nodes: the
-- customer's request, follow-up questions, the resolution and the closing, each with the
-- wording recommended to the agent and the wording to avoid); every walk a trainee takes
-- through it is kept (the path, and the nodes where the avoided wording was chosen) for the
-- path statistics. Courses bundle articles and cases with an exam; assignments, attempts,
-- certificates (a passed attempt) and the trainees' feedback.
CREATE TABLE kb_cases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    -- standard, good, bad
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- the contact it was made from, '' for none
    source_contact TEXT NOT NULL,
    -- JSON array of nodes {id, parent, kind, customer, agent, avoid}
    nodes TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE kb_case_walks (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    username TEXT NOT NULL,
    -- node ids from the root to a leaf, comma-separated
    path TEXT NOT NULL,
    -- node ids where the avoided wording was chosen, comma-separated
    missed TEXT NOT NULL,
    walked_at BIGINT NOT NULL
);
CREATE INDEX kb_case_walks_case ON kb_case_walks (case_id);
CREATE TABLE courses (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- JSON array of {"kind": "article"|"case", "id"}
    items TEXT NOT NULL,
    -- JSON array of questions (servq_kb::training::Question)
    questions TEXT NOT NULL,
    -- percent of the points
    pass_mark BIGINT NOT NULL,
    -- 0 for no limit
    max_attempts BIGINT NOT NULL,
    -- JSON array of QA scorecard item ids the course should improve
    qa_items TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE course_assignments (
    course_id TEXT NOT NULL,
    username TEXT NOT NULL,
    -- YYYY-MM-DD, '' for none
    due_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    -- when an attempt passed
    completed_at BIGINT,
    PRIMARY KEY (course_id, username)
);
CREATE INDEX course_assignments_user ON course_assignments (username);
CREATE TABLE exam_attempts (
    id INTEGER PRIMARY KEY,
    course_id TEXT NOT NULL,
    username TEXT NOT NULL,
    -- JSON array, one answer per question
    answers TEXT NOT NULL,
    auto_points BIGINT NOT NULL,
    -- JSON object {"question index": points} given by the grader
    graded_points TEXT NOT NULL,
    max_points BIGINT NOT NULL,
    -- awaiting_grading, passed, failed
    status TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    graded_by TEXT NOT NULL,
    graded_at BIGINT
);
CREATE INDEX exam_attempts_course ON exam_attempts (course_id, username);
CREATE TABLE course_feedback (
    course_id TEXT NOT NULL,
    username TEXT NOT NULL,
    -- 1 to 5
    rating BIGINT NOT NULL,
    comment TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (course_id, username)
);
