-- servq schema v4 (SQLite): a counter that every change to what reports read (imports, the
-- roster, KPI thresholds, the centre's zone) increments in its own transaction, so that report
-- results can be cached until the data changes, in every servq instance.
CREATE TABLE data_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
