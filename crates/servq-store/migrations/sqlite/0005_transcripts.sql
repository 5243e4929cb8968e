-- servq schema v5 (SQLite): interaction transcripts and the automated-QA hits found in them,
-- each hit linked to its turn.
CREATE TABLE transcripts (
    contact_id TEXT PRIMARY KEY,
    -- JSON array of {"speaker","start","end","text"} as imported
    turns TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE qa_hits (
    contact_id TEXT NOT NULL REFERENCES transcripts (contact_id),
    seq BIGINT NOT NULL,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- index of the turn; NULL for whole-interaction hits (over-talk)
    turn BIGINT,
    at_ms BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (contact_id, seq)
);
