-- servq schema v28: generated reports. Each row keeps the data snapshot the report was rendered
-- from (JSON, `servq_report::MonthlyReport`), so the PDF, XLSX and HTML re-render identically
-- later, whatever was imported or corrected since. A scheduled report is made once per period:
-- the partial unique index refuses a second one even if two servers race.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    -- 'monthly'
    kind TEXT NOT NULL,
    -- YYYY-MM
    period TEXT NOT NULL,
    -- 'manual' or 'scheduled'
    origin TEXT NOT NULL,
    -- who asked for it (username; 'system' for the schedule)
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX reports_period ON reports (kind, period, created_at);
CREATE UNIQUE INDEX reports_scheduled_once ON reports (kind, period) WHERE origin = 'scheduled';
