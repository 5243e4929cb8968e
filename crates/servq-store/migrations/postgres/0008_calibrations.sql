-- servq schema v8 (PostgreSQL): calibration sessions — several inspectors score one interaction
-- blind, and once the session is closed each one's deviation from the reference is shown.
CREATE TABLE calibrations (
    calibration_id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL,
    scorecard_id TEXT NOT NULL,
    scorecard_version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    -- '' while open; 'mean' or an inspector's user name once closed
    reference TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);

CREATE TABLE calibration_scores (
    calibration_id TEXT NOT NULL REFERENCES calibrations (calibration_id),
    inspector TEXT NOT NULL,
    answers TEXT NOT NULL,
    score_micro BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (calibration_id, inspector)
);
