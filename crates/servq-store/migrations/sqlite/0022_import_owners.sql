-- servq schema v22: which server process runs an import, and when it last said so. A running
-- import whose owner stopped beating (killed, crashed; several servers may share PostgreSQL) is
-- ended as failed by whichever server notices, instead of showing "reading" forever.
ALTER TABLE import_jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
