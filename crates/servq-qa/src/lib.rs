//! Quality inspection: scorecards and automated transcript rules; filled in by the QA issue.
