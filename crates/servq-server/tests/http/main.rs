//! The web app over real HTTP on both databases, one module per area; `support` has the
//! [`support::TestApp`] every test starts from.
#![allow(missing_docs)]

mod access;
mod admin;
mod contact;
mod customers;
mod desk;
mod email;
mod exports;
mod imports;
mod improvement;
mod kb;
mod ledgers;
mod notifications;
mod performance;
mod qa;
mod readiness;
mod reports;
mod risks;
mod search;
mod sign_in;
mod status_page;
mod support;
mod surveys;
mod targets;
mod training;
