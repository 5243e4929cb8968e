-- servq schema v42: personal data over time (docs/privacy.md). A transcript whose words were
-- removed (retention or a customer's erasure) keeps its timing, speakers and QA hits, and the
-- moment it lost its words; the nightly retention pass skips it then.
ALTER TABLE transcripts ADD COLUMN erased_at BIGINT;
