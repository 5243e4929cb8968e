//! Workforce management: Erlang B/C/A and staffing; filled in by the workforce issue.
