-- servq schema v16 (SQLite): an evaluation keeps its history, and a contact is evaluated once
-- per scorecard.
--
-- Every scoring of an evaluation is a revision: revision 1 is the inspector's first scoring, each
-- re-review adds the next one with its reason. The evaluation row holds the current revision;
-- the revisions are never changed. Existing evaluations get their current scoring as revision 1
-- (a re-review made before this version did not keep the original).
CREATE TABLE evaluation_revisions (
    evaluation_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    inspector TEXT NOT NULL,
    -- {"item id": level or "na"}
    answers TEXT NOT NULL,
    comments TEXT NOT NULL,
    -- score × 1 000 000; NULL when every item was N/A
    score_micro BIGINT,
    failed_critical TEXT NOT NULL,
    -- why the scoring changed (a re-review's reason); empty for the first scoring
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, revision)
);

INSERT INTO evaluation_revisions (evaluation_id, revision, inspector, answers, comments,
    score_micro, failed_critical, reason, created_at)
SELECT evaluation_id, 1, inspector, answers, comments, score_micro, failed_critical, '', created_at
FROM evaluations;

-- A contact scored twice on one scorecard counted twice in qa_score. The first evaluation stays;
-- each later one becomes a further revision of it (so nothing is lost) and is removed.
INSERT INTO evaluation_revisions (evaluation_id, revision, inspector, answers, comments,
    score_micro, failed_critical, reason, created_at)
SELECT ranked.keeper, ranked.n, ranked.inspector, ranked.answers, ranked.comments,
    ranked.score_micro, ranked.failed_critical, 'duplicate evaluation ' || ranked.evaluation_id,
    ranked.created_at
FROM (SELECT e.*,
        ROW_NUMBER() OVER (PARTITION BY contact_id, scorecard_id
                           ORDER BY created_at, evaluation_id) AS n,
        FIRST_VALUE(evaluation_id) OVER (PARTITION BY contact_id, scorecard_id
                                         ORDER BY created_at, evaluation_id) AS keeper
      FROM evaluations e) ranked
WHERE ranked.n > 1;

DELETE FROM evaluation_revisions
WHERE revision = 1 AND reason = '' AND evaluation_id IN (
    SELECT ranked.evaluation_id FROM (
        SELECT evaluation_id, ROW_NUMBER() OVER (PARTITION BY contact_id, scorecard_id
                                                 ORDER BY created_at, evaluation_id) AS n
        FROM evaluations) ranked
    WHERE ranked.n > 1);

DELETE FROM evaluations WHERE evaluation_id IN (
    SELECT ranked.evaluation_id FROM (
        SELECT evaluation_id, ROW_NUMBER() OVER (PARTITION BY contact_id, scorecard_id
                                                 ORDER BY created_at, evaluation_id) AS n
        FROM evaluations) ranked
    WHERE ranked.n > 1);

CREATE UNIQUE INDEX evaluations_contact_scorecard ON evaluations (contact_id, scorecard_id);
