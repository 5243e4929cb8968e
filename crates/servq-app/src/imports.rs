//! Importing a file of any kind — the one entry `servq import` and the web app's background
//! imports share: the kinds a person can upload, their columns, and the import itself (tables
//! through the `servq-import` pipeline, tickets through the desk's checks, transcripts scanned
//! by the automated-QA rules).

use std::path::Path;

use anyhow::Result;
use jiff::tz::TimeZone;
use servq_desk::ledger::LedgerKind;
use servq_import::{
    ColumnMap, ImportKind, OpenOptions, Outcome, Progress, TableReader, TextEncoding,
};
use servq_store::{Actor, Store};

use crate::desk_import;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A table the import pipeline reads (contacts, agent states, the roster, survey results).
    Table(ImportKind),
    /// Tickets from another help desk (`docs/desk.md#import`).
    Tickets,
    /// Transcripts (JSONL, one contact per line).
    Transcripts,
    /// A front-desk ledger kept on paper or in a spreadsheet (`docs/import.md#ledger`).
    Ledger(LedgerKind),
}

impl FileKind {
    /// Every kind, in the order the import page and `servq import --help` offer them.
    pub const ALL: [FileKind; 14] = [
        FileKind::Table(ImportKind::Contacts),
        FileKind::Table(ImportKind::AgentStates),
        FileKind::Table(ImportKind::Agents),
        FileKind::Table(ImportKind::SurveyResults),
        FileKind::Table(ImportKind::Ratings),
        FileKind::Table(ImportKind::Customers),
        FileKind::Tickets,
        FileKind::Transcripts,
        FileKind::Ledger(LedgerKind::Lending),
        FileKind::Ledger(LedgerKind::LostFound),
        FileKind::Ledger(LedgerKind::Medicine),
        FileKind::Ledger(LedgerKind::Membership),
        FileKind::Ledger(LedgerKind::PaidServices),
        FileKind::Ledger(LedgerKind::LostReports),
    ];

    /// The name in the API, the CLI and the import log.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Table(kind) => kind.name(),
            FileKind::Tickets => "tickets",
            FileKind::Transcripts => "transcripts",
            FileKind::Ledger(LedgerKind::Lending) => "ledger_lending",
            FileKind::Ledger(LedgerKind::LostFound) => "ledger_lost_found",
            FileKind::Ledger(LedgerKind::Medicine) => "ledger_medicine",
            FileKind::Ledger(LedgerKind::Membership) => "ledger_membership",
            FileKind::Ledger(LedgerKind::PaidServices) => "ledger_paid_services",
            FileKind::Ledger(LedgerKind::LostReports) => "ledger_lost_reports",
        }
    }

    /// Whether the kind holds what customer tag rules look at (contacts, complaints, survey
    /// answers, segments).
    pub fn feeds_rule_tags(self) -> bool {
        matches!(
            self,
            FileKind::Table(
                ImportKind::Contacts | ImportKind::SurveyResults | ImportKind::Customers
            ) | FileKind::Tickets
        )
    }

    /// A kind by name (`agent-states` is read as `agent_states`).
    pub fn parse(name: &str) -> Option<FileKind> {
        let name = name.trim().replace('-', "_");
        FileKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// What the kind holds, for help texts.
    pub fn about(self) -> &'static str {
        match self {
            FileKind::Table(ImportKind::Contacts) => {
                "contacts (calls, chats, e-mails, …), keyed by contact_id"
            }
            FileKind::Table(ImportKind::AgentStates) => {
                "agent-state intervals, keyed by (agent_id, start_at)"
            }
            FileKind::Table(ImportKind::Agents) => {
                "the agent roster (agent_id, name, team, queues `;`-separated), keyed by agent_id"
            }
            FileKind::Table(ImportKind::SurveyResults) => {
                "survey results from another system, keyed by response_id"
            }
            FileKind::Table(ImportKind::Ratings) => {
                "360° ratings of agents (supervisor, peer, self; 1–5 per dimension), keyed by rating_id"
            }
            FileKind::Table(ImportKind::Customers) => {
                "customer profiles (name, phone, email, language, segment, tags `;`-separated, \
                 since, closed_at; other columns kept as attributes), keyed by customer_id"
            }
            FileKind::Tickets => {
                "tickets from another help desk with their history, keyed by ticket_id"
            }
            FileKind::Transcripts => "transcripts (JSONL), scanned by the automated-QA rules",
            FileKind::Ledger(LedgerKind::Lending) => {
                "the lending ledger (umbrellas, strollers; deposits in yuan), keyed by entry_id"
            }
            FileKind::Ledger(LedgerKind::LostFound) => {
                "the lost-and-found ledger (found items, claims, hand-overs), keyed by entry_id"
            }
            FileKind::Ledger(LedgerKind::Medicine) => {
                "the emergency medicine log (internal / external use), keyed by entry_id"
            }
            FileKind::Ledger(LedgerKind::Membership) => {
                "membership / points card requests (new, lost, reissue), keyed by entry_id"
            }
            FileKind::Ledger(LedgerKind::PaidServices) => {
                "paid services (gift wrapping, fax, copying), keyed by entry_id"
            }
            FileKind::Ledger(LedgerKind::LostReports) => {
                "customers' lost reports, matched against found items, keyed by entry_id"
            }
        }
    }

    /// The columns of a table kind and the required ones; `None` for transcripts.
    pub fn columns(self) -> Option<(&'static [&'static str], &'static [&'static str])> {
        match self {
            FileKind::Table(kind) => Some((kind.columns(), kind.required())),
            FileKind::Tickets => Some((desk_import::TICKET_COLUMNS, desk_import::TICKET_REQUIRED)),
            FileKind::Transcripts => None,
            FileKind::Ledger(ledger) => Some(crate::ledgers::ledger_columns(ledger)),
        }
    }
}

/// How to read a table file.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// Canonical column → the file's column.
    pub map: ColumnMap,
    /// Text encoding of a CSV file.
    pub encoding: TextEncoding,
    /// Sheet of a spreadsheet (default: the first).
    pub sheet: Option<String>,
}

/// A file to import.
pub struct FileImport<'a> {
    /// What it holds.
    pub kind: FileKind,
    /// Where it is.
    pub path: &'a Path,
    /// Its name in messages (an upload is kept under a temporary path).
    pub name: &'a str,
    /// How to read a table.
    pub table: TableOptions,
    /// The zone of times written without an offset.
    pub zone: &'a TimeZone,
    /// Most row errors kept (all are counted).
    pub max_errors: usize,
    /// Who imports (tickets record it in their history).
    pub actor: &'a Actor,
    /// Transcripts: the rule set to scan with; `None`: the centre's saved one, else the
    /// shipped rules.
    pub rules: Option<servq_qa::RuleSet>,
}

/// Imports a file all or nothing: `Imported` with its counts, or `Rejected` with every row
/// error (nothing stored). `progress` hears how far a table import got.
pub async fn import_file(
    store: &Store,
    file: FileImport<'_>,
    progress: impl FnMut(Progress),
) -> Result<Outcome> {
    let Some((columns, required)) = file.kind.columns() else {
        let rules = match file.rules {
            Some(rules) => rules,
            None => servq_import::centre_rules(store).await?.1,
        };
        let scanner = servq_qa::Scanner::new(rules)?;
        return Ok(servq_import::import_transcripts(
            store,
            file.path,
            file.name,
            &scanner,
            file.max_errors,
            crate::now_ms(),
        )
        .await?);
    };
    let options = OpenOptions {
        columns,
        required,
        map: file.table.map,
        encoding: file.table.encoding,
        sheet: file.table.sheet,
        limits: servq_import::SheetLimits::from_env(),
    };
    let reader = TableReader::open_named(file.path, file.name, &options)?;
    let outcome = match file.kind {
        FileKind::Table(kind) => Ok(servq_import::import_table(
            store,
            reader,
            kind,
            file.zone,
            file.max_errors,
            progress,
        )
        .await?),
        FileKind::Ledger(ledger) => {
            crate::ledgers::import_ledger_table(
                store,
                reader,
                ledger,
                file.zone,
                file.max_errors,
                file.actor,
                progress,
            )
            .await
        }
        _ => {
            desk_import::import_ticket_table(
                store,
                reader,
                file.zone,
                file.max_errors,
                file.actor,
                progress,
            )
            .await
        }
    }?;
    // what the tag rules look at may have changed for many customers: everyone's, once
    if matches!(outcome, Outcome::Imported(_)) && file.kind.feeds_rule_tags() {
        crate::customers::refresh_rule_tags(store, None, crate::now_ms()).await?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_by_name() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(
            FileKind::parse("agent-states"),
            Some(FileKind::Table(ImportKind::AgentStates))
        );
        assert_eq!(FileKind::parse("calls"), None);
        assert!(FileKind::Transcripts.columns().is_none());
    }
}
