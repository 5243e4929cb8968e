//! Canned replies and the check of a reply before it is sent (docs/desk.md#canned-replies):
//! the centre's templates (a setting; the rulebook's standard phrases until it saves its own),
//! rendered for one ticket in its customer's language, and the forbidden phrases a reply holds.

use jiff::tz::TimeZone;
use servq_desk::{CannedReply, ReplyValues, TicketStatus};
use servq_store::{Store, Ticket};

use anyhow::Result;

use crate::{SettingError, i18n::Locale, training::ForbiddenPhrases};

/// The setting that holds the canned replies (JSON list of [`CannedReply`]); absent:
/// [`servq_desk::default_canned_replies`].
pub const CANNED_REPLIES_SETTING: &str = "desk.canned_replies";

/// The centre's canned replies.
pub async fn canned_replies(store: &Store) -> Result<Vec<CannedReply>> {
    Ok(match store.text_setting(CANNED_REPLIES_SETTING).await? {
        Some(text) => serde_json::from_str(&text).map_err(|error| {
            anyhow::anyhow!("setting {CANNED_REPLIES_SETTING} no longer reads: {error}")
        })?,
        None => servq_desk::default_canned_replies(),
    })
}

/// Saves the whole list (refused with every problem at `replies.{n}.{field}`), audited.
pub async fn save_canned_replies(
    store: &Store,
    replies: Vec<CannedReply>,
    actor: &servq_store::Actor,
) -> std::result::Result<(), SettingError> {
    let replies: Vec<CannedReply> = replies
        .into_iter()
        .map(|reply| CannedReply {
            id: reply.id.trim().to_owned(),
            title: reply.title.trim().to_owned(),
            language: reply.language.trim().to_owned(),
            category: reply.category.trim().to_owned(),
            body: reply.body.trim().to_owned(),
        })
        .collect();
    let tree = crate::desk::categories(store).await?;
    let problems = servq_desk::check_canned_replies(&replies, &tree);
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let text = serde_json::to_string(&replies).map_err(anyhow::Error::from)?;
    store
        .set_text_setting(CANNED_REPLIES_SETTING, &text, actor, crate::now_ms())
        .await?;
    Ok(())
}

/// A canned reply filled in for one ticket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FilledReply {
    /// The template's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The text with the ticket's values.
    pub text: String,
}

/// The values a ticket fills a template with: the customer's name, the id, and when the
/// next answer is due (the earliest running clock, in the centre's zone).
pub async fn reply_values(store: &Store, ticket: &Ticket, zone: &TimeZone) -> Result<ReplyValues> {
    let customer_name = store
        .customer(&ticket.customer_id)
        .await?
        .map(|customer| customer.record.name)
        .unwrap_or_default();
    let due_ms = if ticket.status == TicketStatus::Closed {
        None
    } else {
        store
            .ticket_clocks(&ticket.ticket_id)
            .await?
            .iter()
            .filter_map(|clock| clock.due_ms)
            .min()
    };
    let due_at = due_ms
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|at| {
            at.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    Ok(ReplyValues {
        customer_name,
        ticket_id: ticket.ticket_id.clone(),
        due_at,
    })
}

/// The canned replies that suit `ticket` (its category), in its customer's language, filled in.
/// A reply without a name reads "Hello," and "您好，" rather than leaving a gap.
pub async fn for_ticket(store: &Store, ticket: &Ticket) -> Result<(Locale, Vec<FilledReply>)> {
    let locale = crate::customers::locale_of(store, &ticket.customer_id).await?;
    let (_, zone) = crate::centre_zone(store).await?;
    let values = reply_values(store, ticket, &zone).await?;
    let tree = crate::desk::categories(store).await?;
    let replies = canned_replies(store)
        .await?
        .into_iter()
        .filter(|reply| reply.language == locale.tag())
        .filter(|reply| servq_desk::canned_suits(reply, &ticket.category, &tree))
        .map(|reply| FilledReply {
            text: servq_desk::render_canned(&reply.body, &values).replace(" ,", ","),
            id: reply.id,
            title: reply.title,
        })
        .collect();
    Ok((locale, replies))
}

/// The forbidden phrases `text` holds (the centre's automated-QA rules), to warn before a reply
/// is sent.
pub async fn forbidden_in(store: &Store, text: &str) -> Result<Vec<String>> {
    let phrases = ForbiddenPhrases::load(store).await?;
    Ok(phrases
        .found_in(text)
        .into_iter()
        .map(str::to_owned)
        .collect())
}
