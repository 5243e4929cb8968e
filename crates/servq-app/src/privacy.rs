//! Personal data over time (PIPL, docs/privacy.md): the centre's retention periods and their
//! nightly pass (job `data-retention`), and a customer's requests — everything stored about them
//! (JSON and a readable HTML page) and their erasure. Counts and KPIs stay as they were: contacts
//! keep a pseudonym in place of the customer id (see `servq_store::Store::erase_customer`).

use std::collections::HashMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_store::{Actor, Erased, Store};

use crate::SettingError;

/// The setting that holds the retention periods (JSON [`Retention`]); absent: keep everything.
pub const RETENTION_SETTING: &str = "privacy.retention";

/// The shortest period accepted, in days: a typing slip must not empty a month of history.
pub const MIN_RETENTION_DAYS: u32 = 30;

/// How long personal data is kept, in days; `None` keeps it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Contacts older than this lose their customer id (a pseudonym takes its place) and their
    /// recording address.
    #[serde(default)]
    pub contacts_days: Option<u32>,
    /// Transcripts of contacts older than this lose their words (timing, speakers and QA hits
    /// stay).
    #[serde(default)]
    pub transcripts_days: Option<u32>,
    /// Profiles of customers who left (closed_at) longer ago than this lose name, phone,
    /// e-mail and own fields.
    #[serde(default)]
    pub closed_profiles_days: Option<u32>,
}

impl Retention {
    /// Every period out of range, at its field.
    pub fn problems(&self) -> Vec<SettingProblem> {
        [
            ("contacts_days", self.contacts_days),
            ("transcripts_days", self.transcripts_days),
            ("closed_profiles_days", self.closed_profiles_days),
        ]
        .into_iter()
        .filter_map(|(field, days)| {
            let days = days?;
            (!(MIN_RETENTION_DAYS..=36_500).contains(&days)).then(|| {
                SettingProblem::new(
                    field,
                    SettingReason::Coded {
                        code: "retention_days",
                        values: vec![("min", MIN_RETENTION_DAYS.to_string())],
                        english: format!(
                            "keep at least {MIN_RETENTION_DAYS} days (and at most 36 500), or leave it empty to keep everything"
                        ),
                    },
                )
            })
        })
        .collect()
    }
}

/// The centre's retention periods.
pub async fn retention(store: &Store) -> Result<Retention> {
    Ok(match store.text_setting(RETENTION_SETTING).await? {
        Some(text) => serde_json::from_str(&text).map_err(|error| {
            anyhow::anyhow!("setting {RETENTION_SETTING} no longer reads: {error}")
        })?,
        None => Retention::default(),
    })
}

/// Saves the retention periods (refused with every problem at its field), audited.
pub async fn save_retention(
    store: &Store,
    retention: Retention,
    actor: &Actor,
) -> std::result::Result<(), SettingError> {
    let problems = retention.problems();
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let text = serde_json::to_string(&retention).map_err(anyhow::Error::from)?;
    store
        .set_text_setting(RETENTION_SETTING, &text, actor, crate::now_ms())
        .await?;
    Ok(())
}

/// A pseudonym for a customer id: `anon-` and 16 random hex digits (nothing recomputes it from
/// the id).
fn new_pseudonym() -> String {
    format!("anon-{}", &crate::users::new_token()[..16])
}

/// The retention pass at `now_ms` under the centre's periods (idempotent: what was removed is
/// not touched again).
pub async fn run_retention(store: &Store, now_ms: i64) -> Result<Erased> {
    let periods = retention(store).await?;
    let day_ms = 86_400_000_i64;
    let before = |days: Option<u32>| days.map(|days| now_ms - i64::from(days) * day_ms);
    let (_, zone) = crate::centre_zone(store).await?;
    let profiles_before = match periods.closed_profiles_days {
        Some(days) => Some(
            jiff::Timestamp::from_millisecond(now_ms)?
                .to_zoned(zone)
                .date()
                .checked_sub(jiff::Span::new().days(i64::from(days)))?
                .to_string(),
        ),
        None => None,
    };
    let mut pseudonyms: HashMap<String, String> = HashMap::new();
    let mut pseudonym = move |id: &str| -> String {
        pseudonyms
            .entry(id.to_owned())
            .or_insert_with(new_pseudonym)
            .clone()
    };
    Ok(store
        .apply_retention(
            before(periods.contacts_days),
            before(periods.transcripts_days),
            profiles_before.as_deref(),
            &mut pseudonym,
            &crate::system_actor(),
            now_ms,
        )
        .await?)
}

/// Erases customer `customer_id` on their request (audited); `None` when nothing names them.
pub async fn erase(store: &Store, customer_id: &str, actor: &Actor) -> Result<Option<Erased>> {
    let customer_id = customer_id.trim();
    let known = store.customer(customer_id).await?.is_some()
        || !store
            .customer_history(customer_id, Some(1))
            .await?
            .is_empty();
    if customer_id.is_empty() || !known {
        return Ok(None);
    }
    Ok(Some(
        store
            .erase_customer(customer_id, &new_pseudonym(), actor, crate::now_ms())
            .await?,
    ))
}

/// Everything stored about customer `customer_id` (their access request), as JSON: the profile,
/// every contact (with its transcript), ticket (with its history, e-mails and attachments'
/// names), survey answer and return visit; `None` when nothing names them. Audited.
pub async fn export(store: &Store, customer_id: &str, actor: &Actor) -> Result<Option<Value>> {
    let customer_id = customer_id.trim();
    let profile = store.customer(customer_id).await?;
    let history = store.customer_history(customer_id, None).await?;
    if profile.is_none() && history.is_empty() {
        return Ok(None);
    }
    let (_, zone) = crate::centre_zone(store).await?;
    let at = |ms: i64| crate::rfc3339_in(ms, &zone);
    let mut contacts = Vec::new();
    for contact in &history.contacts {
        let transcript = match store.transcript_turns(&contact.contact_id).await? {
            Some(turns) => serde_json::from_str::<Value>(&turns).unwrap_or(Value::Null),
            None => Value::Null,
        };
        contacts.push(json!({
            "contact_id": contact.contact_id, "offered_at": at(contact.offered_ms),
            "answered": contact.answered, "channel": contact.channel, "queue": contact.queue,
            "category": contact.category, "agent_id": contact.agent_id, "transcript": transcript,
        }));
    }
    let mut tickets = Vec::new();
    for line in &history.tickets {
        let Some(ticket) = store.ticket(&line.ticket_id).await? else {
            continue;
        };
        let events: Vec<Value> = store
            .ticket_events(&line.ticket_id)
            .await?
            .into_iter()
            .filter(|event| event.public)
            .map(|event| json!({"at": at(event.at_ms), "by": event.actor, "kind": event.kind, "detail": event.detail}))
            .collect();
        let emails: Vec<Value> = store
            .ticket_emails(&line.ticket_id)
            .await?
            .into_iter()
            .map(|email| {
                json!({"at": at(email.at_ms), "inbound": email.inbound,
                "from": email.from_address, "to": email.to_address, "subject": email.subject})
            })
            .collect();
        let attachments: Vec<Value> = store
            .attachments(&line.ticket_id)
            .await?
            .into_iter()
            .map(|file| json!({"file_name": file.file_name, "size_bytes": file.size_bytes}))
            .collect();
        tickets.push(json!({
            "ticket_id": ticket.ticket_id, "created_at": at(ticket.created_ms),
            "type": ticket.ticket_type.name(), "category": ticket.category,
            "subject": ticket.subject, "description": ticket.description,
            "channel": ticket.channel, "status": ticket.status.name(),
            "history": events, "emails": emails, "attachments": attachments,
        }));
    }
    let surveys: Vec<Value> = history
        .surveys
        .iter()
        .map(|survey| json!({"response_id": survey.response_id, "responded_at": at(survey.responded_ms),
            "contact_id": survey.contact_id, "csat": survey.csat, "nps": survey.nps, "comment": survey.comment}))
        .collect();
    let visits: Vec<Value> = history
        .visits
        .iter()
        .map(|visit| {
            json!({"ticket_id": visit.ticket_id, "visited_at": at(visit.visited_ms),
            "outcome": visit.outcome})
        })
        .collect();
    let profile = profile.map(|customer| {
        let record = customer.record;
        json!({"name": record.name, "phone": record.phone, "email": record.email,
            "language": record.language, "segment": record.segment, "tags": record.tags,
            "since": record.since.map(|d| d.to_string()), "closed_at": record.closed_at.map(|d| d.to_string()),
            "attributes": record.attributes})
    });
    let exported = json!({
        "customer_id": customer_id,
        "exported_at": at(crate::now_ms()),
        "profile": profile,
        "contacts": contacts,
        "tickets": tickets,
        "survey_answers": surveys,
        "return_visits": visits,
    });
    store
        .audit(
            actor,
            crate::now_ms(),
            "export",
            "customer",
            customer_id,
            "{}",
        )
        .await?;
    Ok(Some(exported))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push('—'),
        Value::String(text) => out.push_str(&escape(text)),
        Value::Object(map) => {
            out.push_str("<table>");
            for (key, inner) in map {
                out.push_str(&format!("<tr><th>{}</th><td>", escape(key)));
                html_value(inner, out);
                out.push_str("</td></tr>");
            }
            out.push_str("</table>");
        }
        Value::Array(list) if list.is_empty() => out.push('—'),
        Value::Array(list) => {
            out.push_str("<ol>");
            for inner in list {
                out.push_str("<li>");
                html_value(inner, out);
                out.push_str("</li>");
            }
            out.push_str("</ol>");
        }
        other => out.push_str(&escape(&other.to_string())),
    }
}

/// The export as a self-contained page a person reads (every value escaped; section titles in
/// `locale`).
pub fn export_html(exported: &Value, locale: crate::i18n::Locale) -> String {
    use crate::i18n::t;
    let id = exported["customer_id"].as_str().unwrap_or("");
    let mut out = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} {}</title>\
         <style>body{{font-family:sans-serif;margin:2rem;max-width:70rem}}table{{border-collapse:collapse}}\
         th,td{{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}}</style>\
         </head><body><h1>{} {}</h1><p>{} {}</p>",
        locale.tag(),
        escape(&t(locale, "privacy.export_title")),
        escape(id),
        escape(&t(locale, "privacy.export_title")),
        escape(id),
        escape(&t(locale, "privacy.exported_at")),
        escape(exported["exported_at"].as_str().unwrap_or("")),
    );
    for section in [
        "profile",
        "contacts",
        "tickets",
        "survey_answers",
        "return_visits",
    ] {
        out.push_str(&format!(
            "<h2>{}</h2>",
            escape(&t(locale, &format!("privacy.section_{section}")))
        ));
        html_value(&exported[section], &mut out);
    }
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_periods_are_checked() {
        assert!(Retention::default().problems().is_empty());
        let fields: Vec<String> = Retention {
            contacts_days: Some(7),
            transcripts_days: Some(365),
            closed_profiles_days: Some(100_000),
        }
        .problems()
        .into_iter()
        .map(|p| p.field)
        .collect();
        assert_eq!(fields, ["contacts_days", "closed_profiles_days"]);
    }

    #[test]
    fn the_page_escapes_what_customers_wrote() {
        let page = export_html(
            &json!({"customer_id": "C<1>", "exported_at": "2026-12-03T10:00:00+08:00",
                "profile": {"name": "<script>alert(1)</script>"}, "contacts": [], "tickets": [],
                "survey_answers": [], "return_visits": []}),
            crate::i18n::Locale::ZhCn,
        );
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("C&lt;1&gt;"));
    }
}
