-- servq schema v45: a restore or store copy in progress. `servq restore` and `servq store copy`
-- load a backup in batches, each committed; this row names the backup being loaded so that an
-- interrupted load resumes from the same file (the rows already in each table are the file's
-- first rows of that table) and so that no server starts on a half-loaded store. Deleted when
-- the load is complete. Never copied itself.
CREATE TABLE store_restore (
    backup_id TEXT PRIMARY KEY,
    backup_file TEXT NOT NULL,
    started_at BIGINT NOT NULL
);
