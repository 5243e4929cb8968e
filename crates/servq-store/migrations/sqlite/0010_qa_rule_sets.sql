-- servq schema v10 (SQLite): the centre's automated-QA rule set (TOML), kept in versions; the
-- newest one scans imported transcripts (the shipped defaults until one is saved).
CREATE TABLE qa_rule_sets (
    version BIGINT PRIMARY KEY,
    rules TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
