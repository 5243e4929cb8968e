-- servq schema v33: a suggestion becomes one problem even when two managers accept it at the
-- same moment — the register refuses a second row with the same suggestion key (manual
-- problems have none).
DROP INDEX problems_source;
CREATE UNIQUE INDEX problems_source_once ON problems (source_key) WHERE source_key <> '';
