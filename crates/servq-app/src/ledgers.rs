//! The front-desk ledgers' use cases (docs/ledgers.md), shared by the web app, the API, the CLI
//! and the jobs: the desk's actions (lend, return, register and claim a found item, medicine,
//! card requests, paid services), ledger files (`servq import ledger`), the retention settings and
//! the purge, the summary, the deposit reconciliation and the day at the desk.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_desk::ledger::{
    CardFacts, CardPersonal, CardRequest, DEFAULT_RETENTION_DAYS, DepositMethod, DepositTotals,
    Entry, EntryStatus, FOUND_CATEGORIES, Fen, FoundFacts, FoundPersonal, ItemType, LedgerKind,
    LoanFacts, LoanPersonal, MedicineFacts, MedicinePersonal, MedicineUse, PaidService,
    ReportFacts, ReportOutcome, ReportPersonal, ReturnCondition, ServiceFacts, ServicePersonal,
    claim_matches, id_last4_problem, yuan_at,
};
use servq_import::{Outcome, Progress, Rejection, TableReader};
use servq_store::{
    Actor, EntryWrite, FileRole, ImportSummary, LedgerFile, LendingItem, MedicineStock, Store,
    StoredEntry,
};

use crate::SettingError;

/// The setting that holds each ledger's retention (JSON [`RetentionRules`]).
pub const RETENTION_SETTING: &str = "ledgers.retention";

/// The shortest retention accepted, in days.
pub const MIN_RETENTION_DAYS: u32 = 30;

/// The largest signature or photo kept, in bytes.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// How long one ledger keeps personal data, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// Days after an entry closes (in the centre's zone) before its personal data goes.
    pub retention_days: u32,
    /// The legal basis for keeping it that long (shown on the settings page); empty: the
    /// service-desk rulebook's "ledgers are kept for one year".
    #[serde(default)]
    pub legal_basis: String,
}

impl Default for RetentionRule {
    fn default() -> Self {
        RetentionRule {
            retention_days: DEFAULT_RETENTION_DAYS,
            legal_basis: String::new(),
        }
    }
}

/// Every ledger's retention, by ledger name; a ledger not named keeps the default.
pub type RetentionRules = BTreeMap<LedgerKind, RetentionRule>;

/// The retention of every ledger (stored or default).
pub async fn retention_rules(store: &Store) -> Result<RetentionRules> {
    let mut stored: RetentionRules = match store.text_setting(RETENTION_SETTING).await? {
        Some(text) => serde_json::from_str(&text)
            .with_context(|| format!("setting {RETENTION_SETTING} no longer reads"))?,
        None => RetentionRules::new(),
    };
    for ledger in LedgerKind::ALL {
        stored.entry(ledger).or_default();
    }
    Ok(stored)
}

/// Saves the retention rules (each checked at `<ledger>.retention_days`), audited.
pub async fn save_retention_rules(
    store: &Store,
    rules: RetentionRules,
    actor: &Actor,
) -> Result<(), SettingError> {
    let problems: Vec<SettingProblem> = rules
        .iter()
        .filter(|(_, rule)| !(MIN_RETENTION_DAYS..=36_500).contains(&rule.retention_days))
        .map(|(ledger, _)| {
            SettingProblem::new(
                format!("{}.retention_days", ledger.name()),
                SettingReason::Range {
                    min: MIN_RETENTION_DAYS.to_string(),
                    max: "36500".to_owned(),
                },
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let text = serde_json::to_string(&rules).map_err(anyhow::Error::from)?;
    store
        .set_text_setting(RETENTION_SETTING, &text, actor, crate::now_ms())
        .await?;
    Ok(())
}

/// The start of `date` in `zone`, epoch ms.
fn day_start(date: Date, zone: &TimeZone) -> Result<i64> {
    Ok(date.to_zoned(zone.clone())?.timestamp().as_millisecond())
}

/// What `servq ledger purge` prints (docs/ledgers.md#purge).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PurgeReport {
    /// The day the retention is measured from.
    pub as_of: String,
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Per ledger: `retention_days`, `purged`, `kept`.
    #[schema(value_type = Object)]
    pub ledgers: BTreeMap<String, Value>,
}

/// Anonymises every entry whose closing day is more than its ledger's retention before
/// `as_of` (`dry_run`: counts only). Idempotent; one audit entry per real run.
pub async fn purge(
    store: &Store,
    as_of: Date,
    dry_run: bool,
    actor: &Actor,
) -> Result<PurgeReport> {
    let rules = retention_rules(store).await?;
    let (_, zone) = crate::centre_zone(store).await?;
    let mut cutoffs = Vec::new();
    for (ledger, rule) in &rules {
        let cutoff = servq_desk::ledger::retention_cutoff(as_of, rule.retention_days)
            .context("retention reaches before the calendar")?;
        cutoffs.push((*ledger, day_start(cutoff, &zone)?));
    }
    let counts = store
        .purge_ledgers(&cutoffs, dry_run, actor, crate::now_ms())
        .await?;
    Ok(PurgeReport {
        as_of: as_of.to_string(),
        dry_run,
        ledgers: counts
            .into_iter()
            .map(|(ledger, count)| {
                (
                    ledger.name().to_owned(),
                    json!({"retention_days": rules[&ledger].retention_days,
                        "purged": count.purged, "kept": count.kept}),
                )
            })
            .collect(),
    })
}

/// Yuan as a JSON number with at most two decimals.
pub fn yuan_number(fen: Fen) -> Value {
    json!(fen.0 as f64 / 100.0)
}

/// A yuan number of the summary's or the reconciliation's JSON as text with two decimals.
pub fn yuan_text(value: &Value) -> String {
    format!("{:.2}", value.as_f64().unwrap_or_default())
}

/// `servq ledger summary` / `GET /api/v1/ledgers/summary`: entries whose first time stamp falls
/// on `from`..=`to` (centre's zone) by type and status, and their deposit movements.
pub async fn summary(store: &Store, from: Date, to: Date) -> Result<Value> {
    let (_, zone) = crate::centre_zone(store).await?;
    let end = to.tomorrow().context("date out of range")?;
    let counts = store
        .ledger_counts(day_start(from, &zone)?, day_start(end, &zone)?)
        .await?;
    let mut ledgers = serde_json::Map::new();
    for ledger in LedgerKind::ALL {
        let mut entries = 0;
        let mut by_type: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
        for ((counted, kind, status), count) in &counts.counts {
            if *counted != ledger {
                continue;
            }
            entries += count;
            *by_type.entry(kind.clone()).or_default() += count;
            *by_status.entry(status.name().to_owned()).or_default() += count;
        }
        ledgers.insert(
            ledger.name().to_owned(),
            json!({"entries": entries, "by_type": by_type, "by_status": by_status}),
        );
    }
    Ok(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "ledgers": ledgers,
        "deposits": {
            "taken_yuan": yuan_number(counts.deposits.taken),
            "refunded_yuan": yuan_number(counts.deposits.refunded),
            "withheld_yuan": yuan_number(counts.deposits.withheld),
        },
    }))
}

/// The deposit reconciliation at the end of `day` (centre's zone): what the money ledger
/// holds against the deposits of the loans still out, and every loan that differs.
pub async fn reconciliation(store: &Store, day: Date) -> Result<Value> {
    let (_, zone) = crate::centre_zone(store).await?;
    let end = day_start(day.tomorrow().context("date out of range")?, &zone)? - 1;
    let found = store.deposit_reconciliation(end).await?;
    let held = found.totals.held();
    Ok(json!({
        "day": day.to_string(),
        "taken_yuan": yuan_number(found.totals.taken),
        "refunded_yuan": yuan_number(found.totals.refunded),
        "withheld_yuan": yuan_number(found.totals.withheld),
        "held_yuan": yuan_number(held),
        "open_loans": found.open_loans,
        "open_deposits_yuan": yuan_number(found.open_deposits),
        "difference_yuan": yuan_number(Fen(held.0 - found.open_deposits.0)),
        "balanced": held == found.open_deposits && found.differences.is_empty(),
        "differences": found.differences.iter().map(|(entry, ledger, expected)| json!({
            "entry_id": entry, "ledger_yuan": yuan_number(*ledger),
            "expected_yuan": yuan_number(*expected)})).collect::<Vec<_>>(),
    }))
}

/// Why a desk action was not done.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The request is wrong: every problem at its field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<SettingProblem>),
    /// No such entry.
    #[error("no such ledger entry")]
    NotFound,
    /// The entry is no longer where the action starts (returned already, claimed …).
    #[error("the entry has changed meanwhile (now {0})")]
    Conflict(EntryStatus),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<servq_store::StoreError> for ActionError {
    fn from(error: servq_store::StoreError) -> Self {
        ActionError::Failed(error.into())
    }
}

/// Collects a request's field problems.
#[derive(Default)]
struct Problems(Vec<SettingProblem>);

impl Problems {
    fn required(&mut self, field: &str, value: &str) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.0
                .push(SettingProblem::new(field, SettingReason::Required));
        } else if value.chars().count() > 200 {
            self.0.push(SettingProblem::new(
                field,
                SettingReason::Coded {
                    code: "ledger_text_length",
                    values: vec![("max", "200".to_owned())],
                    english: "must have 1 to 200 characters".to_owned(),
                },
            ));
        }
        value.to_owned()
    }

    fn optional(&mut self, field: &str, value: &str) -> String {
        let value = value.trim();
        if value.chars().count() > 2000 {
            self.0.push(SettingProblem::new(
                field,
                SettingReason::Coded {
                    code: "ledger_text_length",
                    values: vec![("max", "2000".to_owned())],
                    english: "must have at most 2000 characters".to_owned(),
                },
            ));
        }
        value.to_owned()
    }

    fn named<T>(
        &mut self,
        field: &str,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let found = parse(value);
        if found.is_none() {
            self.0.push(SettingProblem::new(
                field,
                SettingReason::Unknown(value.trim().to_owned()),
            ));
        }
        found
    }

    fn yuan(&mut self, field: &str, value: &str) -> Fen {
        yuan_at(field, value).unwrap_or_else(|problem| {
            self.0.push(problem);
            Fen(0)
        })
    }

    fn time(&mut self, field: &str, value: Option<&str>, zone: &TimeZone, now_ms: i64) -> i64 {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => now_ms,
            Some(text) => match servq_core::parse_timestamp(text, zone) {
                Ok(at) => at.utc_ms,
                Err(error) => {
                    self.0.push(SettingProblem::new(
                        field,
                        SettingReason::Other(error.to_string()),
                    ));
                    now_ms
                }
            },
        }
    }

    fn last4(&mut self, field: &str, value: &str) -> String {
        self.0.extend(id_last4_problem(field, value));
        value.trim().to_uppercase()
    }

    fn check(mut self, entry: &Entry) -> Result<(), ActionError> {
        self.0.extend(entry.problems());
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ActionError::Refused(self.0))
        }
    }
}

/// An image sent as a data URL (`data:image/png;base64,…`): its type and bytes.
fn image_of(field: &str, data_url: &str) -> Result<(String, Vec<u8>), SettingProblem> {
    use base64::Engine as _;
    let bad = || {
        SettingProblem::new(
            field,
            SettingReason::Coded {
                code: "ledger_image",
                values: vec![("max", (MAX_IMAGE_BYTES / 1024 / 1024).to_string())],
                english: format!(
                    "must be a PNG or JPEG image of at most {} MiB",
                    MAX_IMAGE_BYTES / 1024 / 1024
                ),
            },
        )
    };
    let (head, body) = data_url.trim().split_once(',').ok_or_else(bad)?;
    let content_type = match head {
        "data:image/png;base64" => "image/png",
        "data:image/jpeg;base64" => "image/jpeg",
        _ => return Err(bad()),
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| bad())?;
    let sniffed = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        ""
    };
    if sniffed != content_type || bytes.len() > MAX_IMAGE_BYTES || bytes.len() < 64 {
        return Err(bad());
    }
    Ok((content_type.to_owned(), bytes))
}

/// A new entry's id: the ledger's prefix, the day and a number (`LD20261203-001`), the next one
/// free on that day.
async fn new_entry_id(
    store: &Store,
    ledger: LedgerKind,
    now_ms: i64,
    zone: &TimeZone,
    attempt: i64,
) -> Result<String> {
    let prefix = match ledger {
        LedgerKind::Lending => "LD",
        LedgerKind::LostFound => "LF",
        LedgerKind::Medicine => "MD",
        LedgerKind::Membership => "MB",
        LedgerKind::PaidServices => "PS",
        LedgerKind::LostReports => "LR",
    };
    let day = Timestamp::from_millisecond(now_ms)?
        .to_zoned(zone.clone())
        .strftime("%Y%m%d")
        .to_string();
    let stem = format!("{prefix}{day}-");
    let taken = store.ledger_ids_starting(ledger, &stem).await?;
    Ok(format!("{stem}{:03}", taken + 1 + attempt))
}

/// Writes a new entry under a fresh id (another desk taking the same number meanwhile: the next
/// one). Its id.
async fn add_entry(
    store: &Store,
    entry: &Entry,
    action: &str,
    files: &[LedgerFile],
    stock_use: Option<(&str, i64)>,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let (_, zone) = crate::centre_zone(store).await?;
    for attempt in 0..5 {
        let entry_id = new_entry_id(store, entry.ledger(), now_ms, &zone, attempt).await?;
        let write = EntryWrite {
            entry_id: &entry_id,
            entry,
            expected: None,
            action,
            reason: "",
            files,
            stock_use,
        };
        if store.write_ledger_entry(write, actor, now_ms).await? {
            return Ok(entry_id);
        }
    }
    Err(ActionError::Failed(anyhow::anyhow!(
        "no free entry number after 5 tries"
    )))
}

/// Reads an entry of `ledger`.
async fn stored(
    store: &Store,
    ledger: LedgerKind,
    entry_id: &str,
) -> Result<StoredEntry, ActionError> {
    store
        .ledger_entry(ledger, entry_id)
        .await?
        .ok_or(ActionError::NotFound)
}

/// Rewrites an entry that must still be in the status `write.expected` names; another desk
/// having moved it meanwhile is a conflict.
async fn change_entry(
    store: &Store,
    write: EntryWrite<'_>,
    actor: &Actor,
    now_ms: i64,
) -> Result<(), ActionError> {
    let (ledger, entry_id) = (write.entry.ledger(), write.entry_id);
    if store.write_ledger_entry(write, actor, now_ms).await? {
        return Ok(());
    }
    let now = stored(store, ledger, entry_id).await?;
    Err(ActionError::Conflict(now.entry.status()))
}

/// A change of `entry_id` from `expected` by `action`.
fn change<'a>(
    entry_id: &'a str,
    entry: &'a Entry,
    expected: EntryStatus,
    action: &'a str,
) -> EntryWrite<'a> {
    EntryWrite {
        entry_id,
        entry,
        expected: Some(expected),
        action,
        reason: "",
        files: &[],
        stock_use: None,
    }
}

/// `POST /api/v1/ledgers/lending`: an item goes out against a deposit.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LendRequest {
    /// The item's label; a known item gives its type.
    pub item_code: String,
    /// umbrella, stroller, wheelchair, other (default: the known item's type).
    #[serde(default)]
    pub item_type: String,
    /// Borrower's name.
    pub customer_name: String,
    /// Borrower's phone.
    pub phone: String,
    /// The ID shown (resident_id, passport, …).
    #[serde(default)]
    pub id_type: String,
    /// Its last four characters only.
    #[serde(default)]
    pub id_last4: String,
    /// Deposit in yuan (`50`, `50.00`).
    pub deposit_yuan: String,
    /// cash, wechat, alipay, card, none.
    pub deposit_method: String,
    /// When it should be back (local time); empty: no date.
    #[serde(default)]
    pub expected_return_at: Option<String>,
}

/// Lends an item. The new entry's id.
pub async fn lend(
    store: &Store,
    request: &LendRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let (_, zone) = crate::centre_zone(store).await?;
    let mut problems = Problems::default();
    let item_code = problems.required("item_code", &request.item_code);
    let known = store
        .lending_items()
        .await?
        .into_iter()
        .find(|item| item.item_code == item_code);
    let item_type = match (&known, request.item_type.trim()) {
        (Some(item), "") => Some(item.item_type),
        _ => problems.named("item_type", &request.item_type, ItemType::parse),
    };
    if let Some(item) = &known
        && item.condition != servq_store::ItemCondition::Good
    {
        problems.0.push(SettingProblem::new(
            "item_code",
            SettingReason::Coded {
                code: "ledger_item_unavailable",
                values: vec![("value", item.condition.name().to_owned())],
                english: format!("the item is {} and cannot be lent", item.condition.name()),
            },
        ));
    }
    let open = store
        .ledger_entries(LedgerKind::Lending, true, 0, 10_000)
        .await?;
    if open
        .iter()
        .any(|loan| loan.entry.item_code() == Some(item_code.as_str()))
    {
        problems.0.push(SettingProblem::new(
            "item_code",
            SettingReason::Coded {
                code: "ledger_item_out",
                values: vec![("value", item_code.clone())],
                english: format!("{item_code} is lent out already"),
            },
        ));
    }
    let personal = LoanPersonal {
        customer_name: problems.required("customer_name", &request.customer_name),
        phone: problems.required("phone", &request.phone),
        id_type: problems.optional("id_type", &request.id_type),
        id_last4: problems.last4("id_last4", &request.id_last4),
    };
    let deposit = problems.yuan("deposit_yuan", &request.deposit_yuan);
    let method = problems.named(
        "deposit_method",
        &request.deposit_method,
        DepositMethod::parse,
    );
    let expected_return_at = request
        .expected_return_at
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| problems.time("expected_return_at", Some(text), &zone, now_ms));
    let (Some(item_type), Some(deposit_method)) = (item_type, method) else {
        return Err(ActionError::Refused(problems.0));
    };
    let entry = Entry::Lending(
        LoanFacts {
            item_type,
            item_code,
            lent_at: now_ms,
            deposit,
            deposit_method,
            expected_return_at,
            returned_at: None,
            return_condition: None,
            refunded: None,
            withheld_reason: String::new(),
            staff: actor.name.clone(),
            reminded_at: Vec::new(),
        },
        Some(personal),
    );
    problems.check(&entry)?;
    add_entry(store, &entry, "lend", &[], None, actor, now_ms).await
}

/// `POST /api/v1/ledgers/lending/{id}/return`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReturnRequest {
    /// ok, damaged or lost.
    pub condition: String,
    /// Deposit paid back, in yuan; default: all of it (ok, damaged) or none (lost).
    #[serde(default)]
    pub refunded_yuan: Option<String>,
    /// Why money is kept (needed when some is).
    #[serde(default)]
    pub reason: String,
}

/// Takes a loan back (or records it lost: the loan closes at the report).
pub async fn return_loan(
    store: &Store,
    entry_id: &str,
    request: &ReturnRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<Entry, ActionError> {
    let loan = stored(store, LedgerKind::Lending, entry_id).await?;
    let Entry::Lending(mut facts, personal) = loan.entry else {
        return Err(ActionError::NotFound);
    };
    if facts.returned_at.is_some() {
        return Err(ActionError::Conflict(facts.status()));
    }
    let mut problems = Problems::default();
    let condition = problems.named("condition", &request.condition, ReturnCondition::parse);
    let refunded = request
        .refunded_yuan
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| problems.yuan("refunded_yuan", text));
    let reason = problems.optional("reason", &request.reason);
    facts.returned_at = Some(now_ms.max(facts.lent_at));
    facts.return_condition = condition;
    facts.refunded = refunded;
    facts.withheld_reason = reason.clone();
    let withheld = facts.deposit_totals().withheld;
    if withheld.0 > 0 && reason.is_empty() {
        problems.0.push(SettingProblem::new(
            "reason",
            SettingReason::Coded {
                code: "ledger_withheld_reason",
                values: vec![("value", withheld.yuan())],
                english: format!("{} yuan is kept: say why", withheld.yuan()),
            },
        ));
    }
    let entry = Entry::Lending(facts, personal);
    problems.check(&entry)?;
    let write = EntryWrite {
        reason: &reason,
        ..change(entry_id, &entry, EntryStatus::Lent, "return")
    };
    change_entry(store, write, actor, now_ms).await?;
    Ok(entry)
}

/// `POST /api/v1/ledgers/lost-found`: a found item is registered.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FoundRequest {
    /// wallet, phone, keys, bag, card, clothing, jewellery, electronics, documents, toy,
    /// umbrella, other.
    pub category: String,
    /// Colour.
    #[serde(default)]
    pub colour: String,
    /// Brand.
    #[serde(default)]
    pub brand: String,
    /// What may be said about it in public.
    pub description: String,
    /// Features the desk keeps to itself (a claimant must name one).
    #[serde(default)]
    pub hidden_features: Vec<String>,
    /// Where it was found.
    pub found_place: String,
    /// When (local time); empty: now.
    #[serde(default)]
    pub found_at: Option<String>,
    /// Where it is kept.
    #[serde(default)]
    pub storage_location: String,
    /// Who found it.
    #[serde(default)]
    pub finder: String,
    /// A photo (`data:image/jpeg;base64,…`).
    #[serde(default)]
    pub photo: Option<String>,
}

/// Registers a found item. Its id.
pub async fn register_found(
    store: &Store,
    request: &FoundRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let (_, zone) = crate::centre_zone(store).await?;
    let mut problems = Problems::default();
    let hidden_features: Vec<String> = request
        .hidden_features
        .iter()
        .map(|feature| feature.trim().to_owned())
        .filter(|feature| !feature.is_empty())
        .collect();
    if hidden_features.is_empty() {
        problems.0.push(SettingProblem::new(
            "hidden_features",
            SettingReason::Coded {
                code: "ledger_hidden_features",
                values: Vec::new(),
                english: "record at least one feature only the owner would know".to_owned(),
            },
        ));
    }
    let found_at = problems.time("found_at", request.found_at.as_deref(), &zone, now_ms);
    let facts = FoundFacts {
        category: request.category.trim().to_owned(),
        colour: problems.optional("colour", &request.colour),
        brand: problems.optional("brand", &request.brand),
        description: problems.optional("description", &request.description),
        hidden_features,
        found_place: problems.optional("found_place", &request.found_place),
        found_at: found_at.min(now_ms),
        storage_location: problems.optional("storage_location", &request.storage_location),
        claimed_at: None,
        disposed_at: None,
        disposal: String::new(),
        staff: actor.name.clone(),
    };
    let mut files = Vec::new();
    if let Some(photo) = request.photo.as_deref().filter(|p| !p.trim().is_empty()) {
        match image_of("photo", photo) {
            Ok((content_type, data)) => files.push(LedgerFile {
                role: FileRole::Photo,
                content_type,
                data,
            }),
            Err(problem) => problems.0.push(problem),
        }
    }
    let entry = Entry::LostFound(
        facts,
        Some(FoundPersonal {
            finder: problems.optional("finder", &request.finder),
            ..FoundPersonal::default()
        }),
    );
    problems.check(&entry)?;
    add_entry(store, &entry, "register", &files, None, actor, now_ms).await
}

/// `POST /api/v1/ledgers/lost-found/{id}/claim`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ClaimRequest {
    /// Who claims it.
    pub claimant_name: String,
    /// Their phone.
    #[serde(default)]
    pub claimant_phone: String,
    /// The ID they show.
    pub id_type: String,
    /// Its last four characters.
    pub id_last4: String,
    /// What they say about the item without being told (checked against the hidden features).
    pub description: String,
    /// Their signature drawn on the screen (`data:image/png;base64,…`).
    pub signature: String,
}

/// Hands a found item to its owner once their description names a hidden feature and they
/// showed ID and signed.
pub async fn claim_found(
    store: &Store,
    entry_id: &str,
    request: &ClaimRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<Entry, ActionError> {
    let item = stored(store, LedgerKind::LostFound, entry_id).await?;
    let Entry::LostFound(mut facts, personal) = item.entry else {
        return Err(ActionError::NotFound);
    };
    if facts.status() != EntryStatus::Stored {
        return Err(ActionError::Conflict(facts.status()));
    }
    let mut problems = Problems::default();
    let mut personal = personal.unwrap_or_default();
    personal.claimant_name = problems.required("claimant_name", &request.claimant_name);
    personal.claimant_phone = problems.optional("claimant_phone", &request.claimant_phone);
    personal.claimant_id_type = problems.required("id_type", &request.id_type);
    personal.claimant_id_last4 = problems.last4("id_last4", &request.id_last4);
    if personal.claimant_id_last4.is_empty() {
        problems
            .0
            .push(SettingProblem::new("id_last4", SettingReason::Required));
    }
    personal.claimant_description = problems.required("description", &request.description);
    if !personal.claimant_description.is_empty()
        && !claim_matches(
            &facts.hidden_features,
            &[
                facts.category.as_str(),
                &facts.colour,
                &facts.brand,
                &facts.description,
            ]
            .join(" "),
            &personal.claimant_description,
        )
    {
        problems.0.push(SettingProblem::new(
            "description",
            SettingReason::Coded {
                code: "ledger_claim_mismatch",
                values: Vec::new(),
                english: "the description names none of the features recorded for this item: \
                          do not hand it over"
                    .to_owned(),
            },
        ));
    }
    let signature = match image_of("signature", &request.signature) {
        Ok((content_type, data)) => Some(LedgerFile {
            role: FileRole::Signature,
            content_type,
            data,
        }),
        Err(problem) => {
            problems.0.push(problem);
            None
        }
    };
    facts.claimed_at = Some(now_ms.max(facts.found_at));
    let entry = Entry::LostFound(facts, Some(personal));
    problems.check(&entry)?;
    let write = EntryWrite {
        files: signature.as_slice(),
        ..change(entry_id, &entry, EntryStatus::Stored, "claim")
    };
    change_entry(store, write, actor, now_ms).await?;
    Ok(entry)
}

/// `POST /api/v1/ledgers/lost-found/{id}/dispose`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DisposeRequest {
    /// How: handed to the police (the Civil Code: unclaimed found property goes to the state a
    /// year after public notice), returned to the finder, destroyed …
    pub disposal: String,
}

/// Records the hand-over of an unclaimed item (never a silent delete).
pub async fn dispose_found(
    store: &Store,
    entry_id: &str,
    request: &DisposeRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<Entry, ActionError> {
    let item = stored(store, LedgerKind::LostFound, entry_id).await?;
    let Entry::LostFound(mut facts, personal) = item.entry else {
        return Err(ActionError::NotFound);
    };
    if facts.status() != EntryStatus::Stored {
        return Err(ActionError::Conflict(facts.status()));
    }
    let mut problems = Problems::default();
    facts.disposal = problems.optional("disposal", &request.disposal);
    facts.disposed_at = Some(now_ms.max(facts.found_at));
    let entry = Entry::LostFound(facts, personal);
    problems.check(&entry)?;
    let write = change(entry_id, &entry, EntryStatus::Stored, "dispose");
    change_entry(store, write, actor, now_ms).await?;
    Ok(entry)
}

/// `POST /api/v1/ledgers/medicine`: emergency medicine given.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MedicineRequest {
    /// The medicine.
    pub medicine: String,
    /// How many.
    pub quantity: i64,
    /// internal (staff) or external (customer).
    #[serde(rename = "use")]
    pub use_: String,
    /// The person helped, as little as needed.
    #[serde(default)]
    pub person: String,
    /// Follow-up.
    #[serde(default)]
    pub note: String,
}

/// Records medicine given and takes it off the stock. Its id.
pub async fn record_medicine(
    store: &Store,
    request: &MedicineRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let mut problems = Problems::default();
    let use_ = problems.named("use", &request.use_, MedicineUse::parse);
    let medicine = problems.required("medicine", &request.medicine);
    let personal = MedicinePersonal {
        person: problems.optional("person", &request.person),
        note: problems.optional("note", &request.note),
    };
    let Some(use_) = use_ else {
        return Err(ActionError::Refused(problems.0));
    };
    let entry = Entry::Medicine(
        MedicineFacts {
            medicine: medicine.clone(),
            quantity: request.quantity,
            use_,
            used_at: now_ms,
            staff: actor.name.clone(),
        },
        Some(personal),
    );
    problems.check(&entry)?;
    add_entry(
        store,
        &entry,
        "use",
        &[],
        Some((&medicine, request.quantity)),
        actor,
        now_ms,
    )
    .await
}

/// `POST /api/v1/ledgers/membership`: a card request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CardRequestBody {
    /// new, lost or reissue.
    pub request: String,
    /// Card holder.
    pub customer_name: String,
    /// Their phone.
    pub phone: String,
    /// The card's number (a lost or reissued card).
    #[serde(default)]
    pub card_no: String,
}

/// Takes a card request. Its id.
pub async fn request_card(
    store: &Store,
    body: &CardRequestBody,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let mut problems = Problems::default();
    let request = problems.named("request", &body.request, CardRequest::parse);
    let personal = CardPersonal {
        customer_name: problems.required("customer_name", &body.customer_name),
        phone: problems.required("phone", &body.phone),
        card_no: problems.optional("card_no", &body.card_no),
    };
    let Some(request) = request else {
        return Err(ActionError::Refused(problems.0));
    };
    let entry = Entry::Membership(
        CardFacts {
            request,
            requested_at: now_ms,
            ready_at: None,
            done_at: None,
            staff: actor.name.clone(),
        },
        Some(personal),
    );
    problems.check(&entry)?;
    add_entry(store, &entry, "request", &[], None, actor, now_ms).await
}

/// `POST /api/v1/ledgers/membership/{id}/step`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CardStep {
    /// `ready` (the card can be collected) or `done` (handed over).
    pub step: String,
    /// The new card's number.
    #[serde(default)]
    pub card_no: String,
}

/// Moves a card request on: ready, then done (handed over).
pub async fn card_step(
    store: &Store,
    entry_id: &str,
    step: &CardStep,
    actor: &Actor,
    now_ms: i64,
) -> Result<Entry, ActionError> {
    let found = stored(store, LedgerKind::Membership, entry_id).await?;
    let Entry::Membership(mut facts, personal) = found.entry else {
        return Err(ActionError::NotFound);
    };
    let before = facts.status();
    let mut personal = personal.unwrap_or_default();
    if !step.card_no.trim().is_empty() {
        personal.card_no = step.card_no.trim().to_owned();
    }
    match (step.step.trim(), before) {
        ("ready", EntryStatus::Requested) => facts.ready_at = Some(now_ms),
        ("done", EntryStatus::Requested | EntryStatus::Ready) => facts.done_at = Some(now_ms),
        ("ready" | "done", _) => return Err(ActionError::Conflict(before)),
        (other, _) => {
            return Err(ActionError::Refused(vec![SettingProblem::new(
                "step",
                SettingReason::Unknown(other.to_owned()),
            )]));
        }
    }
    let entry = Entry::Membership(facts, Some(personal));
    Problems::default().check(&entry)?;
    let write = change(entry_id, &entry, before, "step");
    change_entry(store, write, actor, now_ms).await?;
    Ok(entry)
}

/// `POST /api/v1/ledgers/paid-services`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ServiceRequest {
    /// gift_wrap, fax, copy, other.
    pub service: String,
    /// Price in yuan.
    pub amount_yuan: String,
    /// The customer's name (optional).
    #[serde(default)]
    pub customer_name: String,
    /// Whether they asked for an invoice.
    #[serde(default)]
    pub invoice_requested: bool,
    /// The invoice's title and tax number.
    #[serde(default)]
    pub invoice_title: String,
}

/// Records a paid service. Its id (the receipt's number).
pub async fn record_service(
    store: &Store,
    request: &ServiceRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let mut problems = Problems::default();
    let service = problems.named("service", &request.service, PaidService::parse);
    let amount = problems.yuan("amount_yuan", &request.amount_yuan);
    let invoice_title = problems.optional("invoice_title", &request.invoice_title);
    if request.invoice_requested && invoice_title.is_empty() {
        problems.0.push(SettingProblem::new(
            "invoice_title",
            SettingReason::Required,
        ));
    }
    let personal = ServicePersonal {
        customer_name: problems.optional("customer_name", &request.customer_name),
        invoice_title,
    };
    let Some(service) = service else {
        return Err(ActionError::Refused(problems.0));
    };
    let entry = Entry::PaidServices(
        ServiceFacts {
            service,
            amount,
            served_at: now_ms,
            invoice_requested: request.invoice_requested,
            staff: actor.name.clone(),
        },
        Some(personal),
    );
    problems.check(&entry)?;
    add_entry(store, &entry, "serve", &[], None, actor, now_ms).await
}

/// Adds or changes a lendable item.
pub async fn save_item(
    store: &Store,
    item_code: &str,
    item_type: &str,
    condition: &str,
    note: &str,
    actor: &Actor,
) -> Result<(), ActionError> {
    let mut problems = Problems::default();
    let code = problems.required("item_code", item_code);
    let item_type = problems.named("item_type", item_type, ItemType::parse);
    let condition = problems.named("condition", condition, servq_store::ItemCondition::parse);
    let note = problems.optional("note", note);
    let (Some(item_type), Some(condition), true) = (item_type, condition, problems.0.is_empty())
    else {
        return Err(ActionError::Refused(problems.0));
    };
    let item = LendingItem {
        item_code: code,
        item_type,
        condition,
        note,
    };
    store
        .save_lending_item(&item, actor, crate::now_ms())
        .await?;
    Ok(())
}

/// Sets a medicine's stock.
pub async fn save_stock(
    store: &Store,
    stock: MedicineStock,
    actor: &Actor,
) -> Result<(), ActionError> {
    let mut problems = Problems::default();
    problems.required("medicine", &stock.medicine);
    for (field, value) in [
        ("quantity", stock.quantity),
        ("min_quantity", stock.min_quantity),
    ] {
        if !(0..=100_000).contains(&value) {
            problems.0.push(SettingProblem::new(
                field,
                SettingReason::Range {
                    min: "0".to_owned(),
                    max: "100000".to_owned(),
                },
            ));
        }
    }
    if !stock.expires_on.is_empty() && stock.expires_on.parse::<Date>().is_err() {
        problems.0.push(SettingProblem::new(
            "expires_on",
            SettingReason::Other(format!("'{}' is not a date YYYY-MM-DD", stock.expires_on)),
        ));
    }
    if !problems.0.is_empty() {
        return Err(ActionError::Refused(problems.0));
    }
    store
        .save_medicine_stock(&stock, actor, crate::now_ms())
        .await?;
    Ok(())
}

/// A medicine that needs attention: below its level, expired, or expiring within 30 days.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockWarning {
    /// The medicine.
    pub medicine: String,
    /// `low`, `expired` or `expiring`.
    pub warning: String,
    /// Left in the kit.
    pub quantity: i64,
    /// Earliest expiry.
    pub expires_on: String,
}

/// The kit's warnings on `today`.
pub fn stock_warnings(stock: &[MedicineStock], today: Date) -> Vec<StockWarning> {
    let soon = today
        .checked_add(jiff::Span::new().days(30))
        .unwrap_or(today);
    let mut warnings = Vec::new();
    for item in stock {
        let expires = item.expires_on.parse::<Date>().ok();
        let mut warn = |warning: &str| {
            warnings.push(StockWarning {
                medicine: item.medicine.clone(),
                warning: warning.to_owned(),
                quantity: item.quantity,
                expires_on: item.expires_on.clone(),
            })
        };
        if item.quantity <= item.min_quantity {
            warn("low");
        }
        match expires {
            Some(day) if day < today => warn("expired"),
            Some(day) if day <= soon => warn("expiring"),
            _ => {}
        }
    }
    warnings
}

/// The columns of each ledger's file (docs/import.md#ledger), and the required ones.
pub fn ledger_columns(ledger: LedgerKind) -> (&'static [&'static str], &'static [&'static str]) {
    match ledger {
        LedgerKind::Lending => (
            &[
                "entry_id",
                "lent_at",
                "item_type",
                "item_code",
                "customer_name",
                "phone",
                "id_last4",
                "deposit_yuan",
                "expected_return_at",
                "returned_at",
                "return_condition",
                "deposit_refunded_yuan",
                "staff",
            ],
            &[
                "entry_id",
                "lent_at",
                "item_type",
                "item_code",
                "customer_name",
                "phone",
                "deposit_yuan",
            ],
        ),
        LedgerKind::LostFound => (
            &[
                "entry_id",
                "found_at",
                "category",
                "description",
                "found_place",
                "storage_location",
                "finder",
                "claimed_at",
                "claimant_name",
                "claimant_id_last4",
                "disposed_at",
                "disposal",
            ],
            &[
                "entry_id",
                "found_at",
                "category",
                "description",
                "found_place",
            ],
        ),
        LedgerKind::Medicine => (
            &[
                "entry_id", "used_at", "medicine", "quantity", "use", "person", "staff", "note",
            ],
            &["entry_id", "used_at", "medicine", "quantity", "use"],
        ),
        LedgerKind::Membership => (
            &[
                "entry_id",
                "requested_at",
                "request",
                "customer_name",
                "phone",
                "card_no",
                "done_at",
            ],
            &[
                "entry_id",
                "requested_at",
                "request",
                "customer_name",
                "phone",
            ],
        ),
        LedgerKind::LostReports => (
            &[
                "entry_id",
                "reported_at",
                "category",
                "description",
                "lost_place",
                "lost_at",
                "reporter_name",
                "phone",
                "closed_at",
                "outcome",
            ],
            &[
                "entry_id",
                "reported_at",
                "category",
                "description",
                "reporter_name",
                "phone",
            ],
        ),
        LedgerKind::PaidServices => (
            &[
                "entry_id",
                "served_at",
                "service",
                "amount_yuan",
                "customer_name",
                "invoice_requested",
            ],
            &["entry_id", "served_at", "service", "amount_yuan"],
        ),
    }
}

/// One file row's cells by column name.
struct Cells<'a> {
    reader: &'a TableReader,
    row: &'a [String],
    columns: &'static [&'static str],
    errors: Vec<(String, String)>,
    zone: &'a TimeZone,
}

impl Cells<'_> {
    fn get(&self, name: &str) -> String {
        let index = self
            .columns
            .iter()
            .position(|c| *c == name)
            .expect("a ledger column");
        self.reader.columns.get(self.row, index).trim().to_owned()
    }

    fn column(&self, name: &str) -> String {
        self.reader.columns.display_name(self.columns, name)
    }

    fn fail(&mut self, name: &str, reason: impl Into<String>) {
        let column = self.column(name);
        self.errors.push((column, reason.into()));
    }

    fn time(&mut self, name: &str) -> Option<i64> {
        let text = self.get(name);
        if text.is_empty() {
            return None;
        }
        match servq_core::parse_timestamp(&text, self.zone) {
            Ok(at) => Some(at.utc_ms),
            Err(error) => {
                self.fail(name, error.to_string());
                None
            }
        }
    }

    fn required_time(&mut self, name: &str) -> i64 {
        let at = self.time(name);
        if at.is_none() && self.get(name).is_empty() {
            self.fail(name, "is required");
        }
        at.unwrap_or(0)
    }

    fn yuan(&mut self, name: &str) -> Option<Fen> {
        let text = self.get(name);
        if text.is_empty() {
            return None;
        }
        Fen::parse_yuan(&text)
            .map_err(|reason| self.fail(name, reason))
            .ok()
    }

    fn named<T>(
        &mut self,
        name: &str,
        names: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = self.get(name);
        let found = parse(&text);
        if found.is_none() {
            self.fail(name, format!("'{text}' is not one of {}", names.join(", ")));
        }
        found
    }

    fn text(&mut self, name: &str, required: bool) -> String {
        let text = self.get(name);
        if required && text.is_empty() {
            self.fail(name, "is required");
        }
        if text.chars().count() > 2000 {
            self.fail(name, "has more than 2000 characters");
        }
        text
    }

    fn last4(&mut self, name: &str) -> String {
        let text = self.get(name);
        if let Some(problem) = id_last4_problem(name, &text) {
            self.fail(name, problem.reason.to_string());
        }
        text.to_uppercase()
    }
}

/// One row as an entry of `ledger`, or its problems as (column, reason).
fn entry_of_row(cells: &mut Cells<'_>, ledger: LedgerKind) -> Entry {
    let entry = match ledger {
        LedgerKind::Lending => {
            let item_type = cells.named("item_type", ItemType::NAMES, ItemType::parse);
            let return_condition = match cells.get("return_condition") {
                text if text.is_empty() => None,
                _ => cells.named(
                    "return_condition",
                    ReturnCondition::NAMES,
                    ReturnCondition::parse,
                ),
            };
            let deposit = cells.yuan("deposit_yuan");
            if deposit.is_none() && cells.get("deposit_yuan").is_empty() {
                cells.fail("deposit_yuan", "is required");
            }
            let deposit = deposit.unwrap_or_default();
            let returned_at = cells.time("returned_at");
            let personal = LoanPersonal {
                customer_name: cells.text("customer_name", true),
                phone: cells.text("phone", true),
                id_type: String::new(),
                id_last4: cells.last4("id_last4"),
            };
            Entry::Lending(
                LoanFacts {
                    item_type: item_type.unwrap_or(ItemType::Other),
                    item_code: cells.text("item_code", true),
                    lent_at: cells.required_time("lent_at"),
                    deposit,
                    // files from paper ledgers do not say; cash is what desks take
                    deposit_method: if deposit.0 > 0 {
                        DepositMethod::Cash
                    } else {
                        DepositMethod::None
                    },
                    expected_return_at: cells.time("expected_return_at"),
                    returned_at,
                    return_condition: return_condition.or(returned_at.map(|_| ReturnCondition::Ok)),
                    refunded: cells.yuan("deposit_refunded_yuan"),
                    withheld_reason: String::new(),
                    staff: cells.text("staff", false),
                    reminded_at: Vec::new(),
                },
                Some(personal),
            )
        }
        LedgerKind::LostFound => {
            let category = cells.get("category").to_lowercase();
            if !FOUND_CATEGORIES.contains(&category.as_str()) {
                cells.fail(
                    "category",
                    format!("'{category}' is not one of {}", FOUND_CATEGORIES.join(", ")),
                );
            }
            let personal = FoundPersonal {
                finder: cells.text("finder", false),
                claimant_name: cells.text("claimant_name", false),
                claimant_id_last4: cells.last4("claimant_id_last4"),
                ..FoundPersonal::default()
            };
            Entry::LostFound(
                FoundFacts {
                    category,
                    colour: String::new(),
                    brand: String::new(),
                    description: cells.text("description", true),
                    hidden_features: Vec::new(),
                    found_place: cells.text("found_place", true),
                    found_at: cells.required_time("found_at"),
                    storage_location: cells.text("storage_location", false),
                    claimed_at: cells.time("claimed_at"),
                    disposed_at: cells.time("disposed_at"),
                    disposal: cells.text("disposal", false),
                    staff: String::new(),
                },
                Some(personal),
            )
        }
        LedgerKind::Medicine => {
            let use_ = cells.named("use", MedicineUse::NAMES, MedicineUse::parse);
            let quantity_text = cells.get("quantity");
            let quantity = quantity_text.parse::<i64>().unwrap_or_else(|_| {
                cells.fail(
                    "quantity",
                    format!("'{quantity_text}' is not a whole number"),
                );
                1
            });
            Entry::Medicine(
                MedicineFacts {
                    medicine: cells.text("medicine", true),
                    quantity,
                    use_: use_.unwrap_or(MedicineUse::External),
                    used_at: cells.required_time("used_at"),
                    staff: cells.text("staff", false),
                },
                Some(MedicinePersonal {
                    person: cells.text("person", false),
                    note: cells.text("note", false),
                }),
            )
        }
        LedgerKind::Membership => {
            let request = cells.named("request", CardRequest::NAMES, CardRequest::parse);
            Entry::Membership(
                CardFacts {
                    request: request.unwrap_or(CardRequest::New),
                    requested_at: cells.required_time("requested_at"),
                    ready_at: None,
                    done_at: cells.time("done_at"),
                    staff: String::new(),
                },
                Some(CardPersonal {
                    customer_name: cells.text("customer_name", true),
                    phone: cells.text("phone", true),
                    card_no: cells.text("card_no", false),
                }),
            )
        }
        LedgerKind::LostReports => {
            let category = cells.get("category").to_lowercase();
            let outcome = match cells.get("outcome") {
                text if text.is_empty() => None,
                _ => cells.named("outcome", ReportOutcome::NAMES, ReportOutcome::parse),
            };
            let reported_at = cells.required_time("reported_at");
            Entry::LostReports(
                ReportFacts {
                    category,
                    colour: String::new(),
                    brand: String::new(),
                    description: cells.text("description", true),
                    lost_place: cells.text("lost_place", false),
                    lost_at: cells.time("lost_at").unwrap_or(reported_at),
                    reported_at,
                    closed_at: cells.time("closed_at"),
                    outcome,
                    found_entry: String::new(),
                    staff: String::new(),
                },
                Some(ReportPersonal {
                    reporter_name: cells.text("reporter_name", true),
                    phone: cells.text("phone", true),
                    note: String::new(),
                }),
            )
        }
        LedgerKind::PaidServices => {
            let service = cells.named("service", PaidService::NAMES, PaidService::parse);
            let amount = cells.yuan("amount_yuan");
            if amount.is_none() && cells.get("amount_yuan").is_empty() {
                cells.fail("amount_yuan", "is required");
            }
            let invoice = cells.get("invoice_requested").to_lowercase();
            let invoice_requested = match invoice.as_str() {
                "" | "0" | "no" | "false" | "否" => false,
                "1" | "yes" | "true" | "是" => true,
                _ => {
                    cells.fail(
                        "invoice_requested",
                        format!("'{invoice}' is not yes/no (1/0, true/false, 是/否)"),
                    );
                    false
                }
            };
            Entry::PaidServices(
                ServiceFacts {
                    service: service.unwrap_or(PaidService::Other),
                    amount: amount.unwrap_or_default(),
                    served_at: cells.required_time("served_at"),
                    invoice_requested,
                    staff: String::new(),
                },
                Some(ServicePersonal {
                    customer_name: cells.text("customer_name", false),
                    invoice_title: String::new(),
                }),
            )
        }
    };
    for problem in entry.problems() {
        // the pure checks name the file's columns; one message per column is enough
        let column = if cells.columns.contains(&problem.field.as_str()) {
            cells.column(&problem.field)
        } else {
            "row".to_owned()
        };
        // a refund measured against a deposit that did not read says nothing
        let deposit_unread = cells.errors.iter().any(|(known, _)| {
            *known == cells.column("deposit_yuan") && problem.field == "deposit_refunded_yuan"
        });
        if !deposit_unread && !cells.errors.iter().any(|(known, _)| *known == column) {
            cells.errors.push((column, problem.reason.to_string()));
        }
    }
    entry
}

/// Reads a ledger file and stores it if every row is good (all or nothing; ids already stored
/// are updated when they changed). `progress` hears how far the reading got.
pub async fn import_ledger_table(
    store: &Store,
    mut reader: TableReader,
    ledger: LedgerKind,
    zone: &TimeZone,
    max_errors: usize,
    actor: &Actor,
    mut progress: impl FnMut(Progress),
) -> Result<Outcome> {
    let (columns, _) = ledger_columns(ledger);
    let mut rejection = Rejection::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut entries = Vec::new();
    let mut row = Vec::new();
    let mut rows: u64 = 0;
    while let Some(line) = reader.next_row(&mut row)? {
        rows += 1;
        if let Some(now) = Progress::every_few_rows(&reader, rows) {
            progress(now);
        }
        if let Some(reason) = reader.shape_error(&row) {
            rejection.add_row(line, vec![("row".to_owned(), reason)], max_errors);
            continue;
        }
        let mut cells = Cells {
            reader: &reader,
            row: &row,
            columns,
            errors: Vec::new(),
            zone,
        };
        let id = cells.get("entry_id");
        if id.is_empty() || id.chars().count() > 64 {
            cells.fail("entry_id", "must have 1 to 64 characters");
        } else if let Some(first) = seen.get(&id) {
            cells.fail(
                "entry_id",
                format!("'{id}' appears again (first on line {first})"),
            );
        } else {
            seen.insert(id.clone(), line);
        }
        let entry = entry_of_row(&mut cells, ledger);
        match entry {
            entry if cells.errors.is_empty() => entries.push((id, entry)),
            _ => {
                let errors = std::mem::take(&mut cells.errors);
                rejection.add_row(line, errors, max_errors);
            }
        }
    }
    if rejection.error_count > 0 {
        return Ok(Outcome::Rejected(rejection));
    }
    progress(Progress::merging(&reader, rows));
    let (inserted, updated, unchanged) = store
        .import_ledger_entries(ledger, &entries, reader.path(), actor, crate::now_ms())
        .await?;
    Ok(Outcome::Imported(ImportSummary {
        rows: rows as i64,
        inserted,
        updated,
        unchanged,
    }))
}

/// An entry as the API and the CLI show it: facts, personal data (masked phone unless
/// `whole`), times in RFC 3339 with the centre's offset.
pub fn entry_json(stored: &StoredEntry, zone: &TimeZone, now_ms: i64, whole: bool) -> Value {
    let time = |ms: Option<i64>| -> Value {
        ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
            .map(|at| {
                json!(
                    at.to_zoned(zone.clone())
                        .strftime("%Y-%m-%dT%H:%M:%S%:z")
                        .to_string()
                )
            })
            .unwrap_or(Value::Null)
    };
    let phone = |phone: &str| {
        if whole {
            phone.to_owned()
        } else {
            servq_desk::ledger::mask_phone(phone)
        }
    };
    let entry = &stored.entry;
    let mut value = json!({
        "entry_id": stored.entry_id,
        "ledger": entry.ledger().name(),
        "type": entry.kind(),
        "status": entry.status().name(),
        "opened_at": time(Some(entry.opened_at())),
        "closed_at": time(entry.closed_at()),
        "anonymised": stored.anonymised_at.is_some(),
        "created_by": stored.created_by,
    });
    let extra = match entry {
        Entry::Lending(facts, personal) => {
            let totals: DepositTotals = facts.deposit_totals();
            json!({
                "item_code": facts.item_code,
                "deposit_yuan": facts.deposit.yuan(),
                "deposit_method": facts.deposit_method.name(),
                "expected_return_at": time(facts.expected_return_at),
                "overdue": facts.overdue(now_ms),
                "return_condition": facts.return_condition.map(ReturnCondition::name),
                "refunded_yuan": facts.returned_at.map(|_| totals.refunded.yuan()),
                "withheld_yuan": facts.returned_at.map(|_| totals.withheld.yuan()),
                "withheld_reason": facts.withheld_reason,
                "staff": facts.staff,
                "customer_name": personal.as_ref().map(|p| p.customer_name.clone()),
                "phone": personal.as_ref().map(|p| phone(&p.phone)),
                "id_type": personal.as_ref().map(|p| p.id_type.clone()),
                "id_last4": personal.as_ref().map(|p| p.id_last4.clone()),
            })
        }
        Entry::LostFound(facts, personal) => json!({
            "category": facts.category,
            "colour": facts.colour,
            "brand": facts.brand,
            "description": facts.description,
            "hidden_features": facts.hidden_features.len(),
            "found_place": facts.found_place,
            "storage_location": facts.storage_location,
            "disposal": facts.disposal,
            "staff": facts.staff,
            "finder": personal.as_ref().map(|p| p.finder.clone()),
            "claimant_name": personal.as_ref().map(|p| p.claimant_name.clone()),
            "claimant_phone": personal.as_ref().map(|p| phone(&p.claimant_phone)),
            "claimant_id_type": personal.as_ref().map(|p| p.claimant_id_type.clone()),
            "claimant_id_last4": personal.as_ref().map(|p| p.claimant_id_last4.clone()),
        }),
        Entry::Medicine(facts, personal) => json!({
            "medicine": facts.medicine,
            "quantity": facts.quantity,
            "use": facts.use_.name(),
            "staff": facts.staff,
            "person": personal.as_ref().map(|p| p.person.clone()),
            "note": personal.as_ref().map(|p| p.note.clone()),
        }),
        Entry::Membership(facts, personal) => json!({
            "request": facts.request.name(),
            "ready_at": time(facts.ready_at),
            "staff": facts.staff,
            "customer_name": personal.as_ref().map(|p| p.customer_name.clone()),
            "phone": personal.as_ref().map(|p| phone(&p.phone)),
            "card_no": personal.as_ref().map(|p| p.card_no.clone()),
        }),
        Entry::LostReports(facts, personal) => json!({
            "category": facts.category,
            "colour": facts.colour,
            "brand": facts.brand,
            "description": facts.description,
            "lost_place": facts.lost_place,
            "lost_at": time(Some(facts.lost_at)),
            "outcome": facts.outcome.map(ReportOutcome::name),
            "found_entry": facts.found_entry,
            "staff": facts.staff,
            "reporter_name": personal.as_ref().map(|p| p.reporter_name.clone()),
            "phone": personal.as_ref().map(|p| phone(&p.phone)),
            "note": personal.as_ref().map(|p| p.note.clone()),
        }),
        Entry::PaidServices(facts, personal) => json!({
            "service": facts.service.name(),
            "amount_yuan": facts.amount.yuan(),
            "invoice_requested": facts.invoice_requested,
            "staff": facts.staff,
            "customer_name": personal.as_ref().map(|p| p.customer_name.clone()),
            "invoice_title": personal.as_ref().map(|p| p.invoice_title.clone()),
        }),
    };
    if let (Value::Object(value), Value::Object(extra)) = (&mut value, extra) {
        value.extend(extra);
    }
    value
}

/// The scheduled purge (job `ledger-purge`): the retention measured from `as_of`.
pub async fn purge_job(store: &Store, as_of: Date) -> Result<String> {
    let actor = Actor {
        user_id: None,
        name: "job ledger-purge".to_owned(),
    };
    let report = purge(store, as_of, false, &actor).await?;
    let purged: i64 = report
        .ledgers
        .values()
        .filter_map(|v| v["purged"].as_i64())
        .sum();
    Ok(format!("{purged} ledger entries anonymised"))
}

/// `POST /api/v1/ledgers/lost-reports`: a customer reports something lost.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LostReportRequest {
    /// One of the found-item categories.
    pub category: String,
    /// Colour.
    #[serde(default)]
    pub colour: String,
    /// Brand.
    #[serde(default)]
    pub brand: String,
    /// What it looks like.
    pub description: String,
    /// Where it may have been lost.
    #[serde(default)]
    pub lost_place: String,
    /// About when (local time); empty: now.
    #[serde(default)]
    pub lost_at: Option<String>,
    /// Who reports it.
    pub reporter_name: String,
    /// Their phone, to call when it turns up.
    pub phone: String,
    /// Anything else.
    #[serde(default)]
    pub note: String,
}

/// Takes a lost report. Its id.
pub async fn report_lost(
    store: &Store,
    request: &LostReportRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, ActionError> {
    let (_, zone) = crate::centre_zone(store).await?;
    let mut problems = Problems::default();
    let lost_at = problems.time("lost_at", request.lost_at.as_deref(), &zone, now_ms);
    let entry = Entry::LostReports(
        ReportFacts {
            category: request.category.trim().to_owned(),
            colour: problems.optional("colour", &request.colour),
            brand: problems.optional("brand", &request.brand),
            description: problems.optional("description", &request.description),
            lost_place: problems.optional("lost_place", &request.lost_place),
            lost_at: lost_at.min(now_ms),
            reported_at: now_ms,
            closed_at: None,
            outcome: None,
            found_entry: String::new(),
            staff: actor.name.clone(),
        },
        Some(ReportPersonal {
            reporter_name: problems.required("reporter_name", &request.reporter_name),
            phone: problems.required("phone", &request.phone),
            note: problems.optional("note", &request.note),
        }),
    );
    problems.check(&entry)?;
    add_entry(store, &entry, "report", &[], None, actor, now_ms).await
}

/// `POST /api/v1/ledgers/lost-reports/{id}/close`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CloseReport {
    /// `recovered` (they got it back) or `withdrawn`.
    pub outcome: String,
    /// The found item it was (its entry id), when the desk had it.
    #[serde(default)]
    pub found_entry: String,
}

/// Ends a lost report.
pub async fn close_report(
    store: &Store,
    entry_id: &str,
    request: &CloseReport,
    actor: &Actor,
    now_ms: i64,
) -> Result<Entry, ActionError> {
    let report = stored(store, LedgerKind::LostReports, entry_id).await?;
    let Entry::LostReports(mut facts, personal) = report.entry else {
        return Err(ActionError::NotFound);
    };
    if facts.outcome.is_some() {
        return Err(ActionError::Conflict(facts.status()));
    }
    let mut problems = Problems::default();
    facts.outcome = problems.named("outcome", &request.outcome, ReportOutcome::parse);
    facts.closed_at = Some(now_ms.max(facts.reported_at));
    let found_entry = request.found_entry.trim();
    if !found_entry.is_empty() {
        if store
            .ledger_entry(LedgerKind::LostFound, found_entry)
            .await?
            .is_none()
        {
            problems.0.push(SettingProblem::new(
                "found_entry",
                SettingReason::Unknown(found_entry.to_owned()),
            ));
        }
        facts.found_entry = found_entry.to_owned();
    }
    let entry = Entry::LostReports(facts, personal);
    problems.check(&entry)?;
    let write = change(entry_id, &entry, EntryStatus::Reported, "close");
    change_entry(store, write, actor, now_ms).await?;
    Ok(entry)
}

/// Records that the desk reminded the borrower of an overdue loan (a call, a message).
pub async fn remind_loan(
    store: &Store,
    entry_id: &str,
    actor: &Actor,
    now_ms: i64,
) -> Result<Entry, ActionError> {
    let loan = stored(store, LedgerKind::Lending, entry_id).await?;
    let Entry::Lending(mut facts, personal) = loan.entry else {
        return Err(ActionError::NotFound);
    };
    if facts.returned_at.is_some() {
        return Err(ActionError::Conflict(facts.status()));
    }
    facts.reminded_at.push(now_ms);
    let entry = Entry::Lending(facts, personal);
    let write = change(entry_id, &entry, EntryStatus::Lent, "remind");
    change_entry(store, write, actor, now_ms).await?;
    Ok(entry)
}

/// A suggested match between a found item and a lost report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// The found item.
    pub found_entry: String,
    /// The lost report.
    pub report_entry: String,
    /// 0–100.
    pub score: u32,
}

/// The words of a text for matching: the knowledge base's tokens (jieba words with the centre's
/// terms, every CJK character, English stems), folded.
fn words_of(tokenizer: &servq_kb::Tokenizer, text: &str) -> std::collections::BTreeSet<String> {
    tokenizer
        .tokens(text)
        .into_iter()
        .map(|token| token.text)
        .collect()
}

/// Every suggested match between the stored found items and the open lost reports, best
/// first (at least [`servq_desk::ledger::MATCH_THRESHOLD`]): the found item, the report and the
/// score, as read for the comparison (pages show both sides without reading them again).
pub async fn suggested_pairs(store: &Store) -> Result<Vec<(StoredEntry, StoredEntry, u32)>> {
    let found = store
        .ledger_entries(LedgerKind::LostFound, true, 0, 10_000)
        .await?;
    let reports = store
        .ledger_entries(LedgerKind::LostReports, true, 0, 10_000)
        .await?;
    if found.is_empty() || reports.is_empty() {
        return Ok(Vec::new());
    }
    let tokenizer = crate::kb::tokenizer(store).await?;
    let item_words: Vec<_> = found
        .iter()
        .filter_map(|item| match &item.entry {
            Entry::LostFound(facts, _) => Some((
                item,
                facts,
                words_of(
                    &tokenizer,
                    &format!("{} {} {}", facts.colour, facts.brand, facts.description),
                ),
                words_of(&tokenizer, &facts.found_place),
            )),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for report in &reports {
        let Entry::LostReports(facts, _) = &report.entry else {
            continue;
        };
        let said = words_of(
            &tokenizer,
            &format!("{} {} {}", facts.colour, facts.brand, facts.description),
        );
        let place = words_of(&tokenizer, &facts.lost_place);
        for (item, item_facts, words, item_place) in &item_words {
            if let Some(score) =
                servq_desk::ledger::match_score(item_facts, words, item_place, facts, &said, &place)
                && score >= servq_desk::ledger::MATCH_THRESHOLD
            {
                out.push(((*item).clone(), report.clone(), score));
            }
        }
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.entry_id.cmp(&b.1.entry_id)));
    Ok(out)
}

/// [`suggested_pairs`] by entry id, for the API.
pub async fn suggestions(store: &Store) -> Result<Vec<Suggestion>> {
    Ok(suggested_pairs(store)
        .await?
        .into_iter()
        .map(|(found, report, score)| Suggestion {
            found_entry: found.entry_id,
            report_entry: report.entry_id,
            score,
        })
        .collect())
}
