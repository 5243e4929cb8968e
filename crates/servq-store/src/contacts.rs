//! The contacts behind a KPI (the dashboard's drill-down): raw contact rows of a period and
//! filters, newest first, kept when they belong to a [`ContactSubset`]. Membership is decided by
//! `servq-kpi` from each contact's own counters, so the rows listed for a tile are exactly those
//! the tile's formula counted.

use futures::TryStreamExt;
use servq_kpi::{ContactFacts, ContactSubset, counters_of};
use sqlx::Row;

use std::sync::Arc;

use crate::kpi_query::DimensionColumns;
use crate::{Dimension, Result, Store, cache::Cached, settings};

/// Which contacts to list.
#[derive(Debug, Clone)]
pub struct ContactListQuery {
    /// Start of the range (offered_at), UTC ms, inclusive.
    pub from_ms: Option<i64>,
    /// End of the range, UTC ms, exclusive.
    pub to_ms: Option<i64>,
    /// Keep only contacts whose dimension equals one of the values.
    pub filters: Vec<(Dimension, Vec<String>)>,
    /// The subset of the KPI definitions to keep.
    pub subset: ContactSubset,
    /// Matching rows to skip (paging).
    pub offset: usize,
    /// Most rows to return.
    pub limit: usize,
}

/// One stored contact as the drill-down shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    /// External id.
    pub contact_id: String,
    /// Channel name.
    pub channel: String,
    /// inbound or outbound.
    pub direction: String,
    /// Queue or skill group.
    pub queue: String,
    /// Customer, when known.
    pub customer_id: Option<String>,
    /// Agent id ('' when nobody answered and none was assigned).
    pub agent_id: String,
    /// Team from the roster ('' when unknown).
    pub team: String,
    /// Offered time, UTC ms.
    pub offered_ms: i64,
    /// The source's UTC offset at offered time, seconds.
    pub utc_offset_secs: i64,
    /// Whether an agent answered.
    pub answered: bool,
    /// Wait, ms.
    pub wait_ms: i64,
    /// Talk, ms.
    pub talk_ms: i64,
    /// Hold, ms.
    pub hold_ms: i64,
    /// After-contact work, ms.
    pub wrap_ms: i64,
    /// Transferred.
    pub transferred: bool,
    /// Business category.
    pub category: String,
    /// Agent-marked resolution.
    pub resolved: Option<bool>,
    /// Which subsets this contact belongs to (so a page can mark misses).
    pub subsets: Vec<ContactSubset>,
}

/// One page of a drill-down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPage {
    /// Every contact of the period and filters in the subset (not just this page).
    pub total: i64,
    /// The page, newest first.
    pub rows: Vec<ContactRow>,
}

/// The columns `contact_row_of` reads, for queries naming the contacts table `r`.
const CONTACT_SELECT: &str = "SELECT r.contact_id, r.channel, r.direction, r.queue, \
     r.customer_id, r.agent_id, COALESCE(a.team, ''), r.offered_at, r.utc_offset_secs, \
     r.answered_at, r.wait_ms, r.talk_ms, r.hold_ms, r.wrap_ms, r.transferred, r.category, \
     r.resolved, r.next_same_issue_at FROM contacts r LEFT JOIN agents a ON a.agent_id = r.agent_id";

/// A contact row of [`CONTACT_SELECT`] and its own KPI counters (which decide its subsets).
fn contact_row_of(
    row: &sqlx::any::AnyRow,
    kpi_settings: &servq_kpi::KpiSettings,
) -> Result<(ContactRow, servq_kpi::ContactCounters)> {
    let offered_ms: i64 = row.try_get(7)?;
    let transferred = row.try_get::<i64, _>(14)? != 0;
    let customer_id: Option<String> = row.try_get(4)?;
    let resolved = row.try_get::<Option<i64>, _>(16)?.map(|flag| flag != 0);
    let facts = ContactFacts {
        offered_ms,
        answered: row.try_get::<Option<i64>, _>(9)?.is_some(),
        wait_ms: row.try_get(10)?,
        talk_ms: row.try_get(11)?,
        hold_ms: row.try_get(12)?,
        wrap_ms: row.try_get(13)?,
        transferred,
        has_customer: customer_id.is_some(),
        next_same_issue_offered_ms: row.try_get(17)?,
        resolved,
    };
    let one = counters_of(&facts, kpi_settings);
    let contact = ContactRow {
        contact_id: row.try_get(0)?,
        channel: row.try_get(1)?,
        direction: row.try_get(2)?,
        queue: row.try_get(3)?,
        customer_id,
        agent_id: row.try_get(5)?,
        team: row.try_get(6)?,
        offered_ms,
        utc_offset_secs: row.try_get(8)?,
        answered: facts.answered,
        wait_ms: facts.wait_ms,
        talk_ms: facts.talk_ms,
        hold_ms: facts.hold_ms,
        wrap_ms: facts.wrap_ms,
        transferred,
        category: row.try_get(15)?,
        resolved,
        subsets: ContactSubset::ALL
            .into_iter()
            .filter(|subset| subset.contains(&one))
            .collect(),
    };
    Ok((contact, one))
}

/// One contact with what surrounds it: the repeat that made it not first-contact-resolved and
/// the earlier contact it repeats (same customer and category, within the FCR window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetail {
    /// The contact as the drill-down shows it.
    pub contact: ContactRow,
    /// The customer's next contact on the same issue, when it came within the FCR window.
    pub repeated_by: Option<String>,
    /// The customer's earlier contact on the same issue this one repeats.
    pub repeats: Option<String>,
    /// Where its call recording is (empty: none).
    pub recording_url: String,
}

impl Store {
    /// One contact with its repeat links; `None` for an unknown id.
    pub async fn contact_detail(&self, contact_id: &str) -> Result<Option<ContactDetail>> {
        let mut connection = self.pool.acquire().await?;
        let kpi_settings = settings::kpi_settings(&mut connection).await?;
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CONTACT_SELECT} WHERE r.contact_id = $1"
        )))
        .bind(contact_id)
        .fetch_optional(&mut *connection)
        .await?
        else {
            return Ok(None);
        };
        let next_ms: Option<i64> = row.try_get(17)?;
        let (contact, one) = contact_row_of(&row, &kpi_settings)?;
        // the repeat only counts against FCR within the window; the counters decide that
        let repeated_by = match (&contact.customer_id, next_ms) {
            (Some(customer), Some(next)) if ContactSubset::Repeated.contains(&one) => {
                sqlx::query_scalar(
                    "SELECT contact_id FROM contacts WHERE customer_id = $1 AND category = $2 \
                 AND offered_at = $3 ORDER BY contact_id LIMIT 1",
                )
                .bind(customer.as_str())
                .bind(contact.category.as_str())
                .bind(next)
                .fetch_optional(&mut *connection)
                .await?
            }
            _ => None,
        };
        let repeats = match &contact.customer_id {
            Some(customer) => {
                sqlx::query_scalar(
                    "SELECT contact_id FROM contacts WHERE customer_id = $1 AND category = $2 \
                 AND next_same_issue_at = $3 ORDER BY offered_at DESC LIMIT 1",
                )
                .bind(customer.as_str())
                .bind(contact.category.as_str())
                .bind(contact.offered_ms)
                .fetch_optional(&mut *connection)
                .await?
            }
            None => None,
        };
        let recording_url: String =
            sqlx::query_scalar("SELECT recording_url FROM contacts WHERE contact_id = $1")
                .bind(contact_id)
                .fetch_one(&mut *connection)
                .await?;
        Ok(Some(ContactDetail {
            contact,
            repeated_by,
            repeats,
            recording_url,
        }))
    }

    /// Lists the contacts of `query`'s subset. The period is scanned in full (through the
    /// `offered_at` index) to count the total; pages are cut from that scan. Results are cached
    /// until the data changes.
    pub async fn contacts(&self, query: &ContactListQuery) -> Result<ContactPage> {
        let version = self.data_version().await?;
        let key = format!("contacts {query:?}");
        if let Some(Cached::Contacts(page)) = self.cache.get(&key, version) {
            return Ok(page.as_ref().clone());
        }
        let page = self.contacts_uncached(query).await?;
        self.cache
            .put(key, version, Cached::Contacts(Arc::new(page.clone())));
        Ok(page)
    }

    async fn contacts_uncached(&self, query: &ContactListQuery) -> Result<ContactPage> {
        let mut connection = self.pool.acquire().await?;
        let kpi_settings = settings::kpi_settings(&mut connection).await?;
        let mut conditions = vec![
            "r.offered_at >= $1".to_owned(),
            "r.offered_at < $2".to_owned(),
        ];
        let binds = crate::kpi_query::filter_conditions(
            &query.filters,
            Dimension::contact_column,
            &mut conditions,
        );
        // column expressions come from the closed `Dimension` enum; values are bound
        let sql = format!(
            "{CONTACT_SELECT} WHERE {} ORDER BY r.offered_at DESC, r.contact_id DESC",
            conditions.join(" AND ")
        );
        let statement = binds.into_iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(query.from_ms.unwrap_or(i64::MIN))
                .bind(query.to_ms.unwrap_or(i64::MAX)),
            |statement, value| statement.bind(value),
        );
        let mut rows = statement.fetch(&mut *connection);
        let mut page = ContactPage {
            total: 0,
            rows: Vec::new(),
        };
        while let Some(row) = rows.try_next().await? {
            let (contact, one) = contact_row_of(&row, &kpi_settings)?;
            if !query.subset.contains(&one) {
                continue;
            }
            page.total += 1;
            if page.total as usize <= query.offset || page.rows.len() >= query.limit {
                continue;
            }
            page.rows.push(contact);
        }
        Ok(page)
    }
}
