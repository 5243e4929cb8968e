-- servq schema v46: files taken from a watched import folder (`servq import watch`), by name and
-- SHA-256 of their content, so that a telephony system's nightly export is imported once even
-- when it is dropped again or the watcher stopped between the import and moving the file.
CREATE TABLE watched_files (
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- imported | rejected | unreadable
    outcome TEXT NOT NULL,
    rows BIGINT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (name, sha256)
);
