//! The front-desk ledgers (docs/ledgers.md): entries of every ledger in `ledger_entries` (facts
//! and personal data as JSON, parsed back into `servq_desk::ledger::Entry`), the append-only
//! deposit ledger, signatures and photos, the lending items and the medicine stock. Every
//! change leaves an audit entry; retention anonymises in one statement per ledger.

use std::collections::{BTreeMap, HashMap};

use servq_desk::ledger::{
    DepositMovement, DepositTotals, Entry, EntryStatus, Fen, ItemType, LedgerKind,
};
use sqlx::{Row, any::AnyRow};

use crate::{Actor, Result, Store, StoreError, users::audit};

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Its id in its ledger.
    pub entry_id: String,
    /// Facts and (until retention) personal data.
    pub entry: Entry,
    /// When retention removed the personal data.
    pub anonymised_at: Option<i64>,
    /// Who wrote it first.
    pub created_by: String,
    /// Last change (epoch ms).
    pub updated_at: i64,
}

/// An image kept with an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerFile {
    /// `signature` (personal: goes with retention) or `photo`.
    pub role: FileRole,
    /// `image/png`, `image/jpeg`, …
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// What an image of an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// A claimant's or borrower's signature.
    Signature,
    /// A photo of a found item.
    Photo,
}

impl FileRole {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            FileRole::Signature => "signature",
            FileRole::Photo => "photo",
        }
    }
}

/// A change to one entry, written with its audit entry and, for a loan, the deposit movements
/// that bring the money ledger to what the loan now says.
#[derive(Debug, Clone)]
pub struct EntryWrite<'a> {
    /// The entry's id.
    pub entry_id: &'a str,
    /// What it is now.
    pub entry: &'a Entry,
    /// `None`: a new entry (refused when the id exists); `Some(status)`: the status it must
    /// still have (another desk may have changed it meanwhile).
    pub expected: Option<EntryStatus>,
    /// The audit action (`lend`, `return`, `claim`, …).
    pub action: &'a str,
    /// Why money was withheld, for the deposit movements.
    pub reason: &'a str,
    /// Images to keep with it.
    pub files: &'a [LedgerFile],
    /// Medicine given: taken off the stock in the same transaction.
    pub stock_use: Option<(&'a str, i64)>,
}

/// Counts of a summary: entries by ledger, type and status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerCounts {
    /// (ledger, type, status) → entries.
    pub counts: BTreeMap<(LedgerKind, String, EntryStatus), i64>,
    /// The deposit movements of the loans counted.
    pub deposits: DepositTotals,
}

/// The deposit ledger against the open loans at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Every movement up to the instant.
    pub totals: DepositTotals,
    /// The deposits of the loans still out at the instant.
    pub open_deposits: Fen,
    /// How many loans were out.
    pub open_loans: i64,
    /// Loans whose movements do not match what they say: (entry, held by the ledger, expected).
    pub differences: Vec<(String, Fen, Fen)>,
}

/// What a retention run did (or would do) to one ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCount {
    /// Entries anonymised by this run.
    pub purged: i64,
    /// Entries still holding personal data after it.
    pub kept: i64,
}

/// A lendable item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LendingItem {
    /// Its label.
    pub item_code: String,
    /// What it is.
    pub item_type: ItemType,
    /// `good`, `damaged`, `retired`.
    pub condition: ItemCondition,
    /// Notes.
    pub note: String,
}

/// The state of a lendable item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemCondition {
    /// Can be lent.
    Good,
    /// Needs repair before it is lent again.
    Damaged,
    /// Lost or thrown away.
    Retired,
}

impl ItemCondition {
    /// Every condition.
    pub const ALL: [ItemCondition; 3] = [
        ItemCondition::Good,
        ItemCondition::Damaged,
        ItemCondition::Retired,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            ItemCondition::Good => "good",
            ItemCondition::Damaged => "damaged",
            ItemCondition::Retired => "retired",
        }
    }

    /// The condition called `name`.
    pub fn parse(name: &str) -> Option<ItemCondition> {
        ItemCondition::ALL
            .into_iter()
            .find(|c| c.name() == name.trim())
    }
}

/// A medicine in the kit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicineStock {
    /// Its name.
    pub medicine: String,
    /// How many are left.
    pub quantity: i64,
    /// Warn at or below this.
    pub min_quantity: i64,
    /// Earliest expiry (YYYY-MM-DD), '' when unknown.
    pub expires_on: String,
}

const ENTRY_COLUMNS: &str =
    "ledger, entry_id, facts, personal, anonymised_at, created_by, updated_at";

fn corrupt(column: &'static str, value: impl Into<String>) -> StoreError {
    StoreError::CorruptValue {
        column,
        value: value.into(),
    }
}

fn ledger_of(text: &str) -> Result<LedgerKind> {
    LedgerKind::parse(text).ok_or_else(|| corrupt("ledger_entries.ledger", text))
}

fn entry_of(row: &AnyRow) -> Result<StoredEntry> {
    let ledger: String = row.try_get("ledger")?;
    let facts: String = row.try_get("facts")?;
    let personal: Option<String> = row.try_get("personal")?;
    let entry = Entry::from_json(ledger_of(&ledger)?, &facts, personal.as_deref())
        .map_err(|_| corrupt("ledger_entries.facts", facts.clone()))?;
    Ok(StoredEntry {
        entry_id: row.try_get("entry_id")?,
        entry,
        anonymised_at: row.try_get("anonymised_at")?,
        created_by: row.try_get("created_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The deposit totals per loan, from the movements up to `until_ms`.
async fn deposit_totals(
    connection: &mut sqlx::AnyConnection,
    entry_id: Option<&str>,
    until_ms: i64,
) -> Result<HashMap<String, DepositTotals>> {
    let rows = sqlx::query(
        "SELECT entry_id, movement, CAST(SUM(amount_fen) AS BIGINT) FROM ledger_deposits \
         WHERE at <= $1 AND ($2 IS NULL OR entry_id = $2) GROUP BY entry_id, movement",
    )
    .bind(until_ms)
    .bind(entry_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut totals: HashMap<String, DepositTotals> = HashMap::new();
    for row in rows {
        let entry: String = row.try_get(0)?;
        let movement: String = row.try_get(1)?;
        let movement = DepositMovement::parse(&movement)
            .ok_or_else(|| corrupt("ledger_deposits.movement", movement))?;
        totals
            .entry(entry)
            .or_default()
            .add(movement, Fen(row.try_get(2)?));
    }
    Ok(totals)
}

/// Appends the movements that take a loan's deposit ledger to what the loan says.
async fn settle_deposit(
    connection: &mut sqlx::AnyConnection,
    entry_id: &str,
    entry: &Entry,
    reason: &str,
    actor: &Actor,
    now_ms: i64,
) -> Result<()> {
    let Entry::Lending(facts, _) = entry else {
        return Ok(());
    };
    let held = deposit_totals(&mut *connection, Some(entry_id), i64::MAX)
        .await?
        .remove(entry_id)
        .unwrap_or_default();
    for (movement, amount) in held.movements_to(facts.deposit_totals()) {
        // the money moved when the item went out or came back, not when it was written down
        let at = match movement {
            DepositMovement::Taken => facts.lent_at,
            _ => facts.returned_at.unwrap_or(now_ms),
        };
        sqlx::query(
            "INSERT INTO ledger_deposits (entry_id, movement, amount_fen, method, reason, at, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry_id)
        .bind(movement.name())
        .bind(amount.0)
        .bind(facts.deposit_method.name())
        .bind(if movement == DepositMovement::Withheld {
            if reason.is_empty() {
                facts.withheld_reason.as_str()
            } else {
                reason
            }
        } else {
            ""
        })
        .bind(at)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

async fn insert_entry(
    connection: &mut sqlx::AnyConnection,
    entry_id: &str,
    entry: &Entry,
    actor: &Actor,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ledger_entries (ledger, entry_id, kind, status, opened_at, closed_at, \
         amount_fen, item_code, facts, personal, anonymised_at, created_by, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $12)",
    )
    .bind(entry.ledger().name())
    .bind(entry_id)
    .bind(entry.kind())
    .bind(entry.status().name())
    .bind(entry.opened_at())
    .bind(entry.closed_at())
    .bind(entry.amount().map(|fen| fen.0))
    .bind(entry.item_code())
    .bind(entry.facts_json())
    .bind(entry.personal_json())
    .bind(actor.name.as_str())
    .bind(now_ms)
    .execute(connection)
    .await?;
    Ok(())
}

/// Rewrites an entry; `Some(status)` guards against a change made meanwhile. Whether it was
/// written.
async fn update_entry(
    connection: &mut sqlx::AnyConnection,
    entry_id: &str,
    entry: &Entry,
    expected: Option<EntryStatus>,
    now_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE ledger_entries SET kind = $3, status = $4, opened_at = $5, closed_at = $6, \
         amount_fen = $7, item_code = $8, facts = $9, \
         personal = CASE WHEN anonymised_at IS NULL THEN $10 ELSE NULL END, updated_at = $11 \
         WHERE ledger = $1 AND entry_id = $2 AND ($12 IS NULL OR status = $12)",
    )
    .bind(entry.ledger().name())
    .bind(entry_id)
    .bind(entry.kind())
    .bind(entry.status().name())
    .bind(entry.opened_at())
    .bind(entry.closed_at())
    .bind(entry.amount().map(|fen| fen.0))
    .bind(entry.item_code())
    .bind(entry.facts_json())
    .bind(entry.personal_json())
    .bind(now_ms)
    .bind(expected.map(EntryStatus::name))
    .execute(connection)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Stores a ledger file's entries in one transaction: new ids are added, changed ones
    /// rewritten (an anonymised entry never gets its personal data back), unchanged ones left;
    /// loans' deposit movements follow. (new, updated, unchanged).
    pub async fn import_ledger_entries(
        &self,
        ledger: LedgerKind,
        entries: &[(String, Entry)],
        file: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<(i64, i64, i64)> {
        let mut transaction = self.begin_write().await?;
        let stored: HashMap<String, StoredEntry> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE ledger = $1"
        )))
        .bind(ledger.name())
        .fetch_all(&mut *transaction)
        .await?
        .iter()
        .map(|row| entry_of(row).map(|stored| (stored.entry_id.clone(), stored)))
        .collect::<Result<_>>()?;
        let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
        for (entry_id, entry) in entries {
            match stored.get(entry_id) {
                None => {
                    insert_entry(&mut transaction, entry_id, entry, actor, now_ms).await?;
                    inserted += 1;
                }
                Some(old) => {
                    let same = if old.anonymised_at.is_some() {
                        old.entry == entry.anonymised()
                    } else {
                        old.entry == *entry
                    };
                    if same {
                        unchanged += 1;
                        continue;
                    }
                    update_entry(&mut transaction, entry_id, entry, None, now_ms).await?;
                    updated += 1;
                }
            }
            settle_deposit(&mut transaction, entry_id, entry, "", actor, now_ms).await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "import",
            "ledger",
            ledger.name(),
            &serde_json::json!({"file": file, "new": inserted, "updated": updated,
                "unchanged": unchanged})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok((inserted, updated, unchanged))
    }

    /// Writes one entry (a desk action) with its deposit movements, images, stock use and audit
    /// entry. `false` when it was refused: a new id that exists, or an entry no longer in the
    /// expected status.
    pub async fn write_ledger_entry(
        &self,
        write: EntryWrite<'_>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let ledger = write.entry.ledger();
        match write.expected {
            None => {
                let exists: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM ledger_entries WHERE ledger = $1 AND entry_id = $2",
                )
                .bind(ledger.name())
                .bind(write.entry_id)
                .fetch_optional(&mut *transaction)
                .await?;
                if exists.is_some() {
                    return Ok(false);
                }
                insert_entry(&mut transaction, write.entry_id, write.entry, actor, now_ms).await?;
            }
            Some(status) => {
                if !update_entry(
                    &mut transaction,
                    write.entry_id,
                    write.entry,
                    Some(status),
                    now_ms,
                )
                .await?
                {
                    return Ok(false);
                }
            }
        }
        settle_deposit(
            &mut transaction,
            write.entry_id,
            write.entry,
            write.reason,
            actor,
            now_ms,
        )
        .await?;
        for file in write.files {
            sqlx::query(
                "DELETE FROM ledger_files WHERE ledger = $1 AND entry_id = $2 AND role = $3",
            )
            .bind(ledger.name())
            .bind(write.entry_id)
            .bind(file.role.name())
            .execute(&mut *transaction)
            .await?;
            sqlx::query(
                "INSERT INTO ledger_files (ledger, entry_id, role, content_type, data, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(ledger.name())
            .bind(write.entry_id)
            .bind(file.role.name())
            .bind(file.content_type.as_str())
            .bind(file.data.as_slice())
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
        }
        if let Some((medicine, quantity)) = write.stock_use {
            sqlx::query(
                "UPDATE medicine_stock SET quantity = quantity - $2, updated_at = $3 \
                 WHERE medicine = $1",
            )
            .bind(medicine)
            .bind(quantity)
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
        }
        if let Entry::Lending(facts, _) = write.entry
            && facts.returned_at.is_some()
        {
            // the item's own state follows how it came back
            let condition = match facts.return_condition {
                Some(servq_desk::ledger::ReturnCondition::Damaged) => ItemCondition::Damaged,
                Some(servq_desk::ledger::ReturnCondition::Lost) => ItemCondition::Retired,
                _ => ItemCondition::Good,
            };
            sqlx::query(
                "UPDATE lending_items SET item_condition = $2, updated_at = $3 \
                 WHERE item_code = $1",
            )
            .bind(facts.item_code.as_str())
            .bind(condition.name())
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            write.action,
            &format!("ledger.{}", ledger.name()),
            write.entry_id,
            &serde_json::json!({"status": write.entry.status().name(), "kind": write.entry.kind()})
                .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// One entry.
    pub async fn ledger_entry(
        &self,
        ledger: LedgerKind,
        entry_id: &str,
    ) -> Result<Option<StoredEntry>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE ledger = $1 AND entry_id = $2"
        )))
        .bind(ledger.name())
        .bind(entry_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(entry_of)
        .transpose()
    }

    /// A ledger's entries, newest first: the open ones (`open`) or those opened since
    /// `since_ms`, at most `limit`.
    pub async fn ledger_entries(
        &self,
        ledger: LedgerKind,
        open: bool,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<StoredEntry>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE ledger = $1 \
             AND (($2 = 1 AND closed_at IS NULL) OR ($2 = 0 AND opened_at >= $3)) \
             ORDER BY opened_at DESC, entry_id LIMIT $4"
        )))
        .bind(ledger.name())
        .bind(i64::from(open))
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(entry_of)
        .collect()
    }

    /// How many entries of `ledger` have an id starting with `stem` (the day's numbering).
    pub async fn ledger_ids_starting(&self, ledger: LedgerKind, stem: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger_entries WHERE ledger = $1 AND entry_id LIKE $2",
        )
        .bind(ledger.name())
        .bind(format!("{stem}%"))
        .fetch_one(&self.pool)
        .await?)
    }

    /// An image of an entry.
    pub async fn ledger_file(
        &self,
        ledger: LedgerKind,
        entry_id: &str,
        role: FileRole,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT content_type, data FROM ledger_files WHERE ledger = $1 AND entry_id = $2 \
             AND role = $3",
        )
        .bind(ledger.name())
        .bind(entry_id)
        .bind(role.name())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .transpose()
    }

    /// Entries opened in `[from_ms, to_ms)` by ledger, type and status, and the deposit
    /// movements of the loans among them.
    pub async fn ledger_counts(&self, from_ms: i64, to_ms: i64) -> Result<LedgerCounts> {
        let mut counts = LedgerCounts::default();
        let rows = sqlx::query(
            "SELECT ledger, kind, status, COUNT(*) FROM ledger_entries \
             WHERE opened_at >= $1 AND opened_at < $2 GROUP BY ledger, kind, status",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let ledger: String = row.try_get(0)?;
            let status: String = row.try_get(2)?;
            let status = EntryStatus::parse(&status)
                .ok_or_else(|| corrupt("ledger_entries.status", status))?;
            counts.counts.insert(
                (ledger_of(&ledger)?, row.try_get(1)?, status),
                row.try_get(3)?,
            );
        }
        let rows = sqlx::query(
            "SELECT d.movement, CAST(SUM(d.amount_fen) AS BIGINT) FROM ledger_deposits d \
             JOIN ledger_entries e ON e.ledger = 'lending' AND e.entry_id = d.entry_id \
             WHERE e.opened_at >= $1 AND e.opened_at < $2 GROUP BY d.movement",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let movement: String = row.try_get(0)?;
            let movement = DepositMovement::parse(&movement)
                .ok_or_else(|| corrupt("ledger_deposits.movement", movement))?;
            counts.deposits.add(movement, Fen(row.try_get(1)?));
        }
        Ok(counts)
    }

    /// The deposit ledger against the loans out at `at_ms`.
    pub async fn deposit_reconciliation(&self, at_ms: i64) -> Result<Reconciliation> {
        let mut connection = self.pool.acquire().await?;
        let held = deposit_totals(&mut connection, None, at_ms).await?;
        let loans = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE ledger = 'lending' \
             AND opened_at <= $1"
        )))
        .bind(at_ms)
        .fetch_all(&mut *connection)
        .await?;
        let mut reconciliation = Reconciliation::default();
        for totals in held.values() {
            reconciliation.totals.merge(*totals);
        }
        for row in &loans {
            let loan = entry_of(row)?;
            let Entry::Lending(facts, _) = &loan.entry else {
                continue;
            };
            let out = facts.returned_at.is_none_or(|back| back > at_ms);
            let expected = if out {
                reconciliation.open_loans += 1;
                reconciliation.open_deposits.0 += facts.deposit.0;
                facts.deposit
            } else {
                facts.deposit_totals().held()
            };
            let ledger = held
                .get(&loan.entry_id)
                .map(|totals| totals.held())
                .unwrap_or_default();
            if ledger != expected {
                reconciliation
                    .differences
                    .push((loan.entry_id.clone(), ledger, expected));
            }
        }
        Ok(reconciliation)
    }

    /// Anonymises the entries of each ledger closed before its cutoff (epoch ms) that still
    /// hold personal data, their signatures included (nothing changes with `dry_run`); one
    /// audit entry for a real run. Per ledger: purged and kept.
    pub async fn purge_ledgers(
        &self,
        cutoffs: &[(LedgerKind, i64)],
        dry_run: bool,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<Vec<(LedgerKind, PurgeCount)>> {
        let mut transaction = self.begin_write().await?;
        let mut counts = Vec::new();
        for (ledger, cutoff) in cutoffs {
            let due = "ledger = $1 AND personal IS NOT NULL AND closed_at IS NOT NULL \
                       AND closed_at < $2";
            let purged = if dry_run {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM ledger_entries WHERE {due}"
                )))
                .bind(ledger.name())
                .bind(cutoff)
                .fetch_one(&mut *transaction)
                .await?
            } else {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM ledger_files WHERE role = 'signature' AND ledger = $1 AND \
                     entry_id IN (SELECT entry_id FROM ledger_entries WHERE {due})"
                )))
                .bind(ledger.name())
                .bind(cutoff)
                .execute(&mut *transaction)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE ledger_entries SET personal = NULL, anonymised_at = $3, \
                     updated_at = $3 WHERE {due}"
                )))
                .bind(ledger.name())
                .bind(cutoff)
                .bind(now_ms)
                .execute(&mut *transaction)
                .await?
                .rows_affected() as i64
            };
            let holding: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ledger_entries WHERE ledger = $1 AND personal IS NOT NULL",
            )
            .bind(ledger.name())
            .fetch_one(&mut *transaction)
            .await?;
            let kept = if dry_run { holding - purged } else { holding };
            counts.push((*ledger, PurgeCount { purged, kept }));
        }
        if dry_run {
            transaction.rollback().await?;
            return Ok(counts);
        }
        let detail: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(ledger, count)| {
                (
                    ledger.name().to_owned(),
                    serde_json::json!({"purged": count.purged, "kept": count.kept}),
                )
            })
            .collect();
        audit(
            &mut transaction,
            actor,
            now_ms,
            "purge",
            "ledger",
            "retention",
            &serde_json::Value::Object(detail).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(counts)
    }

    /// Adds or changes a lendable item, audited.
    pub async fn save_lending_item(
        &self,
        item: &LendingItem,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO lending_items (item_code, item_type, item_condition, note, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (item_code) DO UPDATE SET \
             item_type = excluded.item_type, item_condition = excluded.item_condition, \
             note = excluded.note, updated_at = excluded.updated_at",
        )
        .bind(item.item_code.as_str())
        .bind(item.item_type.name())
        .bind(item.condition.name())
        .bind(item.note.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "save",
            "ledger.lending_item",
            &item.item_code,
            &serde_json::json!({"type": item.item_type.name(), "condition": item.condition.name()})
                .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Every lendable item, by code.
    pub async fn lending_items(&self) -> Result<Vec<LendingItem>> {
        sqlx::query(
            "SELECT item_code, item_type, item_condition, note FROM lending_items \
             ORDER BY item_code",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let item_type: String = row.try_get(1)?;
            let condition: String = row.try_get(2)?;
            Ok(LendingItem {
                item_code: row.try_get(0)?,
                item_type: ItemType::parse(&item_type)
                    .ok_or_else(|| corrupt("lending_items.item_type", item_type))?,
                condition: ItemCondition::parse(&condition)
                    .ok_or_else(|| corrupt("lending_items.item_condition", condition))?,
                note: row.try_get(3)?,
            })
        })
        .collect()
    }

    /// Sets a medicine's stock, audited.
    pub async fn save_medicine_stock(
        &self,
        stock: &MedicineStock,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO medicine_stock (medicine, quantity, min_quantity, expires_on, \
             updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (medicine) DO UPDATE SET \
             quantity = excluded.quantity, min_quantity = excluded.min_quantity, \
             expires_on = excluded.expires_on, updated_at = excluded.updated_at",
        )
        .bind(stock.medicine.as_str())
        .bind(stock.quantity)
        .bind(stock.min_quantity)
        .bind(stock.expires_on.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "save",
            "ledger.medicine_stock",
            &stock.medicine,
            &serde_json::json!({"quantity": stock.quantity, "min_quantity": stock.min_quantity,
                "expires_on": stock.expires_on})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The medicine kit, by name.
    pub async fn medicine_stock(&self) -> Result<Vec<MedicineStock>> {
        sqlx::query(
            "SELECT medicine, quantity, min_quantity, expires_on FROM medicine_stock \
             ORDER BY medicine",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(MedicineStock {
                medicine: row.try_get(0)?,
                quantity: row.try_get(1)?,
                min_quantity: row.try_get(2)?,
                expires_on: row.try_get(3)?,
            })
        })
        .collect()
    }
}
