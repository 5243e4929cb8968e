//! The global search: a customer by id, phone, e-mail or name, a contact by its id or its
//! customer's id, a ticket by id, customer or words of its subject, an agent by id or name —
//! each list short, newest first.

use servq_desk::TicketStatus;
use sqlx::Row;

use crate::{AgentRecord, Result, Store, tickets::parsed};

/// A contact found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactHit {
    /// The contact.
    pub contact_id: String,
    /// Offered, UTC ms.
    pub offered_ms: i64,
    /// Its agent; empty when nobody answered.
    pub agent_id: String,
    /// Its queue.
    pub queue: String,
    /// Its customer.
    pub customer_id: String,
}

/// A ticket found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketHit {
    /// The ticket.
    pub ticket_id: String,
    /// Its subject.
    pub subject: String,
    /// Where it stands.
    pub status: TicketStatus,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// Its customer.
    pub customer_id: String,
}

/// A customer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerHit {
    /// The customer.
    pub customer_id: String,
    /// Their name ('' without a profile).
    pub name: String,
    /// Their segment.
    pub segment: String,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchHits {
    /// Customers with this id, phone or e-mail, or a name containing the text (those who work
    /// tickets only).
    pub customers: Vec<CustomerHit>,
    /// Contacts with this id or of this customer.
    pub contacts: Vec<ContactHit>,
    /// Tickets with this id, of this customer, or with every word in the subject.
    pub tickets: Vec<TicketHit>,
    /// Agents with this id or a name containing the text.
    pub agents: Vec<AgentRecord>,
}

/// What to search and where.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    /// The text as typed (trimmed by the caller).
    pub text: &'a str,
    /// Only this agent's contacts (an agent searching); `None` for all.
    pub agent: Option<&'a str>,
    /// Whether tickets and customers are searched (the user serves customers).
    pub tickets: bool,
    /// At most this many of each.
    pub limit: i64,
}

/// `word` as a LIKE pattern matching it anywhere (`%` and `_` taken literally).
fn contains_pattern(word: &str) -> String {
    let escaped = word
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Searches contacts, tickets and agents for `query`.
    pub async fn search(&self, query: &SearchQuery<'_>) -> Result<SearchHits> {
        let text = query.text.trim();
        if text.is_empty() {
            return Ok(SearchHits::default());
        }
        let contacts = sqlx::query(
            "SELECT contact_id, offered_at, agent_id, queue, COALESCE(customer_id, '') FROM contacts \
             WHERE (contact_id = $1 OR customer_id = $1) AND ($2 = '' OR agent_id = $2) \
             ORDER BY offered_at DESC LIMIT $3",
        )
        .bind(text)
        .bind(query.agent.unwrap_or(""))
        .bind(query.limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ContactHit {
                contact_id: row.try_get(0)?,
                offered_ms: row.try_get(1)?,
                agent_id: row.try_get(2)?,
                queue: row.try_get(3)?,
                customer_id: row.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let tickets = if query.tickets {
            // every word of the text in the subject (at most five words), or the id or customer
            let words: Vec<String> = text
                .split_whitespace()
                .take(5)
                .map(contains_pattern)
                .collect();
            let mut sql = String::from(
                "SELECT ticket_id, subject, status, created_at, customer_id FROM tickets \
                 WHERE ticket_id = $1 OR customer_id = $1 OR (",
            );
            for (index, _) in words.iter().enumerate() {
                if index > 0 {
                    sql.push_str(" AND ");
                }
                sql.push_str(&format!("LOWER(subject) LIKE ${} ESCAPE '\\'", index + 3));
            }
            sql.push_str(") ORDER BY created_at DESC LIMIT $2");
            let mut select = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(text)
                .bind(query.limit);
            for word in &words {
                select = select.bind(word.as_str());
            }
            select
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| {
                    Ok(TicketHit {
                        ticket_id: row.try_get(0)?,
                        subject: row.try_get(1)?,
                        status: parsed(row, "tickets.status", 2, TicketStatus::parse)?,
                        created_ms: row.try_get(3)?,
                        customer_id: row.try_get(4)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let mut customers = Vec::new();
        if query.tickets {
            customers = sqlx::query_as::<_, (String, String, String)>(
                "SELECT customer_id, name, segment FROM customers WHERE customer_id = $1 \
                 OR phone = $1 OR email = $4 OR LOWER(name) LIKE $2 ESCAPE '\\' \
                 ORDER BY customer_id LIMIT $3",
            )
            .bind(text)
            .bind(contains_pattern(text))
            .bind(query.limit)
            .bind(text.to_lowercase())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(customer_id, name, segment)| CustomerHit {
                customer_id,
                name,
                segment,
            })
            .collect();
            // a customer known from their history only
            let in_history = contacts.iter().any(|c| c.customer_id == text)
                || tickets.iter().any(|t| t.customer_id == text);
            if in_history && !customers.iter().any(|c| c.customer_id == text) {
                customers.insert(
                    0,
                    CustomerHit {
                        customer_id: text.to_owned(),
                        name: String::new(),
                        segment: String::new(),
                    },
                );
            }
        }
        let agents = if query.agent.is_some() {
            Vec::new()
        } else {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT agent_id, name, team FROM agents WHERE agent_id = $1 \
                 OR LOWER(name) LIKE $2 ESCAPE '\\' ORDER BY agent_id LIMIT $3",
            )
            .bind(text)
            .bind(contains_pattern(text))
            .bind(query.limit)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(agent_id, name, team)| AgentRecord {
                queues: None,
                agent_id,
                name,
                team,
            })
            .collect()
        };
        Ok(SearchHits {
            customers,
            contacts,
            tickets,
            agents,
        })
    }
}
