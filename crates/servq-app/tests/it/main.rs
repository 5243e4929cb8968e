//! servq-app integration tests, one binary: each module runs its use cases for real on SQLite
//! and PostgreSQL (and real SMTP/IMAP servers where mail is involved). One binary instead of one
//! per file: each links the whole stack, and nine of them filled CI's disk.
#![allow(missing_docs)]

mod backup;
mod briefing;
mod email;
mod improvement;
mod ledgers;
mod monthly_report;
mod outbox;
mod problems;
mod support;
mod targets;
mod tasks;
