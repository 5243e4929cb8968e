//! The e-mail channel of tickets (`docs/email.md`). A message read from a mailbox (IMAP
//! polling, [`poll`]) or pushed to `POST /api/v1/inbound/email` ([`receive`]) opens a ticket for
//! the customer found (or created) by its address, or is threaded onto the ticket it answers
//! (`In-Reply-To`/`References`, else the ticket id in the subject); its attachments are kept;
//! the sender gets an acknowledgement with the status link. Automatic mail (auto-replies,
//! bounces, `Auto-Submitted`, the centre's own addresses) is recorded and ignored, so two
//! robots never answer each other. Replies written on the ticket page go out through the outbox
//! with the threading headers ([`reply_email`]), in the customer's language.
//!
//! Each message is claimed by inserting its Message-ID before it is imported (the store's
//! `claim_email`), so several servers polling one mailbox import it once.

use jiff::Timestamp;
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use servq_desk::TicketStatus;
use servq_store::{EmailOutcome, InboundClaim, OutgoingEmail, Store, TicketEmail};

use crate::{
    desk::{self, OpenRefused, TicketRequest},
    i18n::{Locale, t},
};

/// The longest text kept from one message, in characters (the rest is cut with a mark).
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Acknowledgements one address receives within an hour at most: a robot that slips past the
/// loop checks gets three, not one per message.
pub const ACKS_PER_HOUR: i64 = 3;

/// How long an unfinished claim holds a message before another server may import it.
const CLAIM_LEASE_MS: i64 = 10 * 60_000;

/// The mailbox name of messages pushed to the inbound endpoint.
pub const UPLOAD_MAILBOX: &str = "upload";

/// The history name of what a customer's e-mail does to a ticket.
pub const EMAIL_ACTOR: &str = "customer (e-mail)";

/// Why a message was recorded and not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// `Auto-Submitted` other than `no` (RFC 3834): auto-replies, auto-generated mail.
    AutoSubmitted,
    /// An out-of-office or robot reply (`X-Autoreply`, `X-Autorespond`, `Precedence: bulk`,
    /// `junk`, `list` or `auto_reply`).
    AutoReply,
    /// A delivery report: `multipart/report`, or from MAILER-DAEMON / postmaster, or with an
    /// empty return path.
    Bounce,
    /// Sent from one of the centre's own addresses (a loop through another mailbox).
    OwnAddress,
    /// No sender address to answer.
    NoSender,
}

impl Ignored {
    /// Stored and printed name.
    pub fn name(self) -> &'static str {
        match self {
            Ignored::AutoSubmitted => "auto_submitted",
            Ignored::AutoReply => "auto_reply",
            Ignored::Bounce => "bounce",
            Ignored::OwnAddress => "own_address",
            Ignored::NoSender => "no_sender",
        }
    }
}

/// One inbound message, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Message-ID without angle brackets, or `sha256:` and the raw message's hash.
    pub message_id: String,
    /// `In-Reply-To` and `References`, newest first.
    pub answers: Vec<String>,
    /// Sender address, lower-cased ('' for none).
    pub from_address: String,
    /// Sender's display name.
    pub from_name: String,
    /// The first recipient address, lower-cased.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// The new text: plain text (or the HTML's text), quoted history cut off.
    pub text: String,
    /// The language the message declares or is written in.
    pub language: Option<&'static str>,
    /// Attachments: name and bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
    /// Why it is automatic mail, if it is.
    pub automatic: Option<Ignored>,
}

fn header_text(message: &mail_parser::Message<'_>, name: &str) -> String {
    message
        .header_raw(name)
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn message_ids(value: &HeaderValue<'_>) -> Vec<String> {
    value
        .as_text_list()
        .map(|ids| ids.iter().map(|id| id.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// Why `message` is automatic mail (RFC 3834 and the headers mail systems use in practice).
fn automatic(message: &mail_parser::Message<'_>, from: &str) -> Option<Ignored> {
    let auto_submitted = header_text(message, "Auto-Submitted");
    if !auto_submitted.is_empty() && auto_submitted != "no" {
        return Some(Ignored::AutoSubmitted);
    }
    let content_type = message
        .content_type()
        .map(|ct| {
            format!(
                "{}/{}",
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase()
            )
        })
        .unwrap_or_default();
    let local = from.split('@').next().unwrap_or("");
    let empty_return_path = message
        .header_raw("Return-Path")
        .is_some_and(|path| path.trim() == "<>");
    if content_type == "multipart/report"
        || local == "mailer-daemon"
        || local == "postmaster"
        || empty_return_path
    {
        return Some(Ignored::Bounce);
    }
    let precedence = header_text(message, "Precedence");
    if ["bulk", "junk", "list", "auto_reply"].contains(&precedence.as_str())
        || message.header_raw("X-Autoreply").is_some()
        || message.header_raw("X-Autorespond").is_some()
        || header_text(message, "X-Auto-Response-Suppress")
            .split(',')
            .any(|value| ["all", "oof", "autoreply"].contains(&value.trim()))
    {
        return Some(Ignored::AutoReply);
    }
    None
}

/// The lines that start the quoted history of a reply, as mail programs write them.
fn quote_start(line: &str) -> bool {
    let line = line.trim();
    let wrote = (line.starts_with("On ") && line.ends_with("wrote:"))
        || (line.starts_with('在') && (line.ends_with("写道：") || line.ends_with("寫道：")))
        || line.ends_with("写道:")
        || line.ends_with("寫道:");
    wrote
        || line.starts_with("-----Original Message-----")
        || line.starts_with("-----原始邮件-----")
        || line.starts_with("-----原始郵件-----")
        || line.starts_with("________________________________")
}

/// `text` without the quoted history of earlier messages (from the first quote header, and
/// every line starting with `>`), trimmed, at most [`MAX_TEXT_CHARS`] characters.
pub fn new_text(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        if quote_start(line) {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    let joined = kept.join("\n");
    let trimmed = joined.trim();
    if trimmed.chars().count() > MAX_TEXT_CHARS {
        let cut: String = trimmed.chars().take(MAX_TEXT_CHARS).collect();
        format!("{cut}\n[…]")
    } else {
        trimmed.to_owned()
    }
}

/// The language of a message: its `Content-Language`, else zh-TW for Big5 text, zh-CN for other
/// Chinese text, en for Latin text; `None` when nothing tells.
fn language(message: &mail_parser::Message<'_>, text: &str) -> Option<&'static str> {
    if let Some(declared) = message
        .header_raw("Content-Language")
        .and_then(|tag| tag.split(',').find_map(servq_core::parse_language))
    {
        return Some(declared);
    }
    let charset = message
        .text_part(0)
        .and_then(|part| part.content_type())
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or("")
        .to_ascii_lowercase();
    let han = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if han && charset.starts_with("big5") {
        Some("zh-TW")
    } else if han {
        Some("zh-CN")
    } else if text.chars().any(|c| c.is_ascii_alphabetic()) {
        Some("en")
    } else {
        None
    }
}

/// Reads raw message `raw` (RFC 5322, any charset mail-parser decodes: GBK, GB18030, Big5 …).
pub fn read(raw: &[u8]) -> Inbound {
    use sha2::Digest;
    let hash = || format!("sha256:{}", hex::encode(sha2::Sha256::digest(raw)));
    let Some(message) = MessageParser::default().parse(raw) else {
        return Inbound {
            message_id: hash(),
            answers: Vec::new(),
            from_address: String::new(),
            from_name: String::new(),
            to_address: String::new(),
            subject: String::new(),
            text: String::new(),
            language: None,
            attachments: Vec::new(),
            automatic: Some(Ignored::NoSender),
        };
    };
    let message_id = message
        .message_id()
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(hash);
    let mut answers = message_ids(message.in_reply_to());
    let mut references = message_ids(message.references());
    references.reverse();
    answers.extend(references);
    answers.dedup();
    // a Reply-To names where answers go; From is who wrote
    let sender = message
        .reply_to()
        .and_then(|a| a.first())
        .filter(|a| a.address.is_some())
        .or_else(|| message.from().and_then(|a| a.first()));
    let from_address = sender
        .and_then(|a| a.address.as_deref())
        .map(|a| a.trim().to_lowercase())
        .unwrap_or_default();
    let from_name = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.name.as_deref())
        .map(|name| name.trim().to_owned())
        .unwrap_or_default();
    let to_address = message
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_deref())
        .map(|a| a.trim().to_lowercase())
        .unwrap_or_default();
    let body = message
        .body_text(0)
        .map(|text| text.into_owned())
        .unwrap_or_default();
    let text = new_text(&body.replace("\r\n", "\n"));
    let language = language(&message, &text);
    let attachments = message
        .attachments()
        .filter(|part| !part.contents().is_empty())
        .enumerate()
        .map(|(index, part)| {
            let name = desk::clean_file_name(
                part.attachment_name().unwrap_or(""),
                &format!("attachment-{}", index + 1),
            );
            (name, part.contents().to_vec())
        })
        .collect();
    let automatic = match from_address.as_str() {
        "" => Some(Ignored::NoSender),
        from => automatic(&message, from),
    };
    Inbound {
        message_id,
        answers,
        from_address,
        from_name,
        to_address,
        subject: message
            .subject()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
        text,
        language,
        attachments,
        automatic,
    }
}

/// The ticket id at the start of `text` when it is one: `T`, 8 digits, `-`, 12 hex digits.
fn ticket_id_at(text: &str) -> Option<&str> {
    let id = text.get(..22)?;
    let bytes = id.as_bytes();
    let fits = bytes[0] == b'T'
        && bytes[1..9].iter().all(u8::is_ascii_digit)
        && bytes[9] == b'-'
        && bytes[10..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    fits.then_some(id)
}

/// The ticket marks `[T20261203-0123456789ab]` in `subject`: (byte range, id).
fn ticket_marks(subject: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    subject
        .match_indices('[')
        .filter_map(|(at, _)| {
            let id = ticket_id_at(&subject[at + 1..])?;
            let end = at + 1 + id.len();
            (subject.as_bytes().get(end) == Some(&b']')).then_some((at..end + 1, id))
        })
        .collect()
}

/// The ticket id written in a subject as `[T20261203-0123456789ab]` (servq's mails carry it).
pub fn subject_ticket(subject: &str) -> Option<&str> {
    ticket_marks(subject).first().map(|(_, id)| *id)
}

/// The subject without answer prefixes (Re:, Fwd:, 回复：, 答复: …) and the ticket mark.
pub fn bare_subject(subject: &str) -> String {
    let mut without_mark = subject.to_owned();
    for (range, _) in ticket_marks(subject).into_iter().rev() {
        without_mark.replace_range(range, "");
    }
    let mut rest = without_mark.trim();
    loop {
        let lower = rest.to_lowercase();
        let prefix = [
            "re:",
            "fw:",
            "fwd:",
            "aw:",
            "回复:",
            "回复：",
            "答复:",
            "答复：",
            "转发:",
            "转发：",
            "回覆：",
            "回覆:",
        ]
        .into_iter()
        .find(|prefix| lower.starts_with(prefix));
        match prefix {
            Some(prefix) => rest = rest[prefix.len()..].trim_start(),
            None => break,
        }
    }
    rest.to_owned()
}

/// Where inbound mail lands and how the centre answers.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// The mailbox name (`upload` for the endpoint).
    pub mailbox: String,
    /// The team its tickets are routed to ('' lets the routing rules decide).
    pub team: String,
    /// The category new tickets get ('' : `consult`, the agent re-files).
    pub category: String,
    /// The centre's own addresses (never imported: loop protection).
    pub own_addresses: Vec<String>,
    /// The status page's base URL for the acknowledgement.
    pub public_url: String,
    /// The sender of acknowledgements when the customer wrote to no address of ours.
    pub from_address: String,
}

/// The desk refuses the ticket the mailbox's settings make (an unknown team or category): the
/// message stays unclaimed until they are fixed. Found with `downcast_ref` on [`receive`]'s
/// error.
#[derive(Debug, thiserror::Error)]
#[error("the mailbox's ticket settings are refused: {0}")]
pub struct SettingsRefused(pub String);

impl Inbox {
    /// Whether `address` is one of the centre's own (never an empty one).
    pub fn is_own(&self, address: &str) -> bool {
        !address.is_empty()
            && self
                .own_addresses
                .iter()
                .any(|own| own.eq_ignore_ascii_case(address))
    }
}

/// What became of one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// It opened this ticket.
    Opened(String),
    /// It was added to this ticket.
    Threaded(String),
    /// Recorded, not imported.
    Ignored(Ignored),
    /// Another server (or an earlier pass) already took it.
    Duplicate,
}

impl Received {
    /// `opened`, `threaded`, `ignored` or `duplicate`.
    pub fn name(&self) -> &'static str {
        match self {
            Received::Opened(_) => "opened",
            Received::Threaded(_) => "threaded",
            Received::Ignored(_) => "ignored",
            Received::Duplicate => "duplicate",
        }
    }

    /// Why it was ignored (`auto_submitted`, `bounce`, …).
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Received::Ignored(why) => Some(why.name()),
            _ => None,
        }
    }

    /// The ticket it opened or joined.
    pub fn ticket_id(&self) -> Option<&str> {
        match self {
            Received::Opened(id) | Received::Threaded(id) => Some(id),
            _ => None,
        }
    }
}

/// The id a customer first known by `address` gets: stable, so servers creating the same
/// customer at once write one profile.
pub fn customer_id_for(address: &str) -> String {
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(
        address.trim().to_lowercase().as_bytes(),
    ));
    format!("E-{}", &hash[..12])
}

/// The customer who wrote `inbound`: the profile with its address, else a new one (name,
/// address and language from the message).
async fn customer_for(store: &Store, inbound: &Inbound, now_ms: i64) -> anyhow::Result<String> {
    if let Some(id) = store.customer_id_by_email(&inbound.from_address).await? {
        return Ok(id);
    }
    let customer_id = customer_id_for(&inbound.from_address);
    if store.customer(&customer_id).await?.is_none() {
        let record = servq_core::CustomerRecord {
            customer_id: customer_id.clone(),
            name: inbound.from_name.chars().take(100).collect(),
            email: inbound.from_address.clone(),
            language: inbound.language.unwrap_or("").to_owned(),
            ..Default::default()
        };
        store
            .save_customer(&record, &crate::system_actor(), now_ms)
            .await?;
    }
    Ok(customer_id)
}

/// A Message-ID for a mail the centre sends from `from` about `ticket_id`.
fn new_message_id(ticket_id: &str, from: &str) -> String {
    let domain = from
        .rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty() && !d.contains(' '))
        .unwrap_or("servq.invalid");
    format!("{ticket_id}.{}@{domain}", &crate::users::new_token()[..16])
}

/// The threading headers of an outgoing mail, as the outbox reads them.
fn headers_json(
    from: &str,
    message_id: &str,
    answers: &[String],
    language: Locale,
    automatic: bool,
) -> String {
    serde_json::json!({
        "from": from,
        "message_id": message_id,
        "in_reply_to": answers.last(),
        "references": answers,
        "language": language.tag(),
        "auto_submitted": automatic,
    })
    .to_string()
}

/// Imports raw message `raw` arrived in `inbox` at `now` (see the module's text). A failure of
/// the store gives the claim back, so the next pass tries again.
pub async fn receive(
    store: &Store,
    raw: &[u8],
    inbox: &Inbox,
    now: Timestamp,
) -> anyhow::Result<Received> {
    let inbound = read(raw);
    let now_ms = now.as_millisecond();
    let claim = InboundClaim {
        message_id: &inbound.message_id,
        from_address: &inbound.from_address,
        to_address: &inbound.to_address,
        subject: &inbound.subject,
        mailbox: &inbox.mailbox,
    };
    if !store.claim_email(claim, now_ms, CLAIM_LEASE_MS).await? {
        return Ok(Received::Duplicate);
    }
    match import(store, &inbound, inbox, now).await {
        Ok(received) => {
            let outcome = match &received {
                Received::Opened(_) => EmailOutcome::Opened,
                Received::Threaded(_) => EmailOutcome::Threaded,
                Received::Ignored(_) | Received::Duplicate => EmailOutcome::Ignored,
            };
            store
                .finish_email(
                    &inbound.message_id,
                    outcome,
                    received.reason().unwrap_or(""),
                    received.ticket_id(),
                )
                .await?;
            Ok(received)
        }
        Err(error) => {
            if let Err(release) = store.release_email(&inbound.message_id).await {
                tracing::error!("giving back e-mail {}: {release}", inbound.message_id);
            }
            Err(error)
        }
    }
}

async fn import(
    store: &Store,
    inbound: &Inbound,
    inbox: &Inbox,
    now: Timestamp,
) -> anyhow::Result<Received> {
    if let Some(why) = inbound.automatic {
        return Ok(Received::Ignored(why));
    }
    if inbox.is_own(&inbound.from_address) {
        return Ok(Received::Ignored(Ignored::OwnAddress));
    }
    let now_ms = now.as_millisecond();
    let actor = servq_store::Actor {
        user_id: None,
        name: EMAIL_ACTOR.to_owned(),
    };
    let mut answered = store.ticket_of_emails(&inbound.answers).await?;
    if answered.is_none()
        && let Some(id) = subject_ticket(&inbound.subject)
        && store.ticket(id).await?.is_some()
    {
        answered = Some(id.to_owned());
    }
    let mut follow_up_of = None;
    if let Some(ticket_id) = answered {
        let ticket = store
            .ticket(&ticket_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("ticket {ticket_id} vanished"))?;
        if ticket.status != TicketStatus::Closed {
            let text = match inbound.text.as_str() {
                "" => "(no text)",
                text => text,
            };
            desk::act(
                store,
                &ticket_id,
                servq_desk::TicketAction::CustomerReply,
                text,
                &actor,
                now,
            )
            .await
            .map_err(|refused| anyhow::anyhow!("threading onto {ticket_id}: {refused:?}"))?;
            attach(store, &ticket_id, inbound, &actor, now_ms).await?;
            crate::customers::history_changed(store, &ticket.customer_id, now_ms).await;
            return Ok(Received::Threaded(ticket_id));
        }
        // a closed ticket takes no more: the answer opens a follow-up that names it
        follow_up_of = Some(ticket_id);
    }
    let customer_id = customer_for(store, inbound, now_ms).await?;
    let subject = match bare_subject(&inbound.subject) {
        subject if subject.is_empty() => inbound.from_address.clone(),
        subject => subject.chars().take(200).collect(),
    };
    let mut description = inbound.text.clone();
    if let Some(previous) = &follow_up_of {
        description = format!("(follow-up of {previous})\n\n{description}");
    }
    let request = TicketRequest {
        ticket_type: TicketRequest::DEFAULT_TYPE.to_owned(),
        category: match inbox.category.trim() {
            "" => TicketRequest::DEFAULT_TYPE.to_owned(),
            category => category.to_owned(),
        },
        priority: TicketRequest::DEFAULT_PRIORITY.name().to_owned(),
        subject,
        description,
        customer_id: customer_id.clone(),
        segment: String::new(),
        channel: "email".to_owned(),
        contact_id: None,
        team: inbox.team.clone(),
    };
    let (ticket_id, token) = desk::open_ticket(store, &request, &actor, now)
        .await
        .map_err(|refused| match refused {
            OpenRefused::Invalid(problems) => anyhow::Error::new(SettingsRefused(
                problems
                    .into_iter()
                    .map(|(_, reason)| reason)
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
            OpenRefused::Failed(error) => error,
        })?;
    attach(store, &ticket_id, inbound, &actor, now_ms).await?;
    acknowledge(
        store,
        inbound,
        inbox,
        &ticket_id,
        &customer_id,
        &token,
        now_ms,
    )
    .await?;
    Ok(Received::Opened(ticket_id))
}

/// Keeps the message's attachments on the ticket (each at most
/// [`desk::MAX_ATTACHMENT_BYTES`]; a larger one is named in the history, not kept).
async fn attach(
    store: &Store,
    ticket_id: &str,
    inbound: &Inbound,
    actor: &servq_store::Actor,
    now_ms: i64,
) -> anyhow::Result<()> {
    for (name, data) in &inbound.attachments {
        if data.len() > desk::MAX_ATTACHMENT_BYTES {
            store
                .add_ticket_note(
                    ticket_id,
                    &format!(
                        "attachment '{name}' not kept: {} bytes, the limit is {}",
                        data.len(),
                        desk::MAX_ATTACHMENT_BYTES
                    ),
                    false,
                    actor,
                    now_ms,
                )
                .await?;
            continue;
        }
        let attachment = desk::attachment(name.clone(), data, &actor.name, now_ms);
        store
            .add_attachment(ticket_id, &attachment, data, actor)
            .await?;
    }
    Ok(())
}

/// Queues the acknowledgement of a new e-mail ticket: its id and status link, in the customer's
/// language, marked `Auto-Submitted: auto-replied`; at most [`ACKS_PER_HOUR`] an address.
async fn acknowledge(
    store: &Store,
    inbound: &Inbound,
    inbox: &Inbox,
    ticket_id: &str,
    customer_id: &str,
    token: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    let recent = store
        .emails_sent_to(&inbound.from_address, now_ms - 3_600_000)
        .await?;
    if recent >= ACKS_PER_HOUR {
        tracing::warn!(
            "no acknowledgement to {}: {recent} mails within the hour",
            inbound.from_address
        );
        return Ok(());
    }
    let locale = crate::customers::locale_of(store, customer_id).await?;
    let from = reply_from(&inbound.to_address, inbox);
    let link = format!("{}/t/{token}", inbox.public_url.trim_end_matches('/'));
    let subject = format!(
        "[{ticket_id}] {}: {}",
        t(locale, "email.ack_subject"),
        bare_subject(&inbound.subject)
    );
    let body = t(locale, "email.ack_body")
        .replace("{ticket}", ticket_id)
        .replace("{link}", &link);
    let message_id = new_message_id(ticket_id, &from);
    store
        .queue_ticket_email(
            &OutgoingEmail {
                ticket_id: ticket_id.to_owned(),
                message_id: message_id.clone(),
                from_address: from.clone(),
                to_address: inbound.from_address.clone(),
                subject,
                body,
                headers: headers_json(
                    &from,
                    &message_id,
                    std::slice::from_ref(&inbound.message_id),
                    locale,
                    true,
                ),
            },
            now_ms,
        )
        .await?;
    Ok(())
}

/// The address the centre answers from: the one the customer wrote to when it is ours (a
/// mailbox address), else the configured sender.
fn reply_from(written_to: &str, inbox: &Inbox) -> String {
    if inbox.is_own(written_to) {
        written_to.to_owned()
    } else {
        inbox.from_address.clone()
    }
}

/// The customer's latest message imported onto a ticket (`thread` oldest first): a reply goes
/// to its sender and answers it; `None` when the customer never wrote by e-mail.
pub fn answered_message(thread: &[TicketEmail]) -> Option<&TicketEmail> {
    thread.iter().rev().find(|email| {
        email.inbound && matches!(email.outcome, EmailOutcome::Opened | EmailOutcome::Threaded)
    })
}

/// The e-mail that carries an agent's public reply `text` on ticket `ticket_id` to the customer,
/// or `None` when the ticket has no e-mail from the customer: to the address of their latest
/// message, from the address they wrote to, answering it (`In-Reply-To`) with the whole thread
/// in `References`, the subject `Re: … [ticket]`, the sign-off in their language.
pub async fn reply_email(
    store: &Store,
    ticket_id: &str,
    customer_id: &str,
    text: &str,
) -> anyhow::Result<Option<OutgoingEmail>> {
    let thread = store.ticket_emails(ticket_id).await?;
    let Some(latest) = answered_message(&thread) else {
        return Ok(None);
    };
    let first_subject = thread
        .iter()
        .find(|email| email.inbound)
        .map(|email| bare_subject(&email.subject))
        .unwrap_or_default();
    let locale = crate::customers::locale_of(store, customer_id).await?;
    // the customer wrote to one of our addresses: answer from it (it was the outbox sender's
    // domain otherwise, filled in when sent)
    let from = latest.to_address.clone();
    let message_id = new_message_id(ticket_id, &from);
    let mut answers: Vec<String> = thread
        .iter()
        .filter(|email| email.outcome != EmailOutcome::Ignored)
        .map(|email| email.message_id.clone())
        .filter(|id| !id.starts_with("sha256:"))
        .collect();
    // In-Reply-To is the customer's latest message: last in the list
    answers.retain(|id| *id != latest.message_id);
    if !latest.message_id.starts_with("sha256:") {
        answers.push(latest.message_id.clone());
    }
    let centre = desk::centre_name(store).await?.unwrap_or_default();
    let signature = t(locale, "email.reply_signature")
        .replace("{centre}", &centre)
        .replace("{ticket}", ticket_id)
        .trim()
        .to_owned();
    Ok(Some(OutgoingEmail {
        ticket_id: ticket_id.to_owned(),
        message_id: message_id.clone(),
        from_address: from.clone(),
        to_address: latest.from_address.clone(),
        subject: format!("Re: {first_subject} [{ticket_id}]"),
        body: format!("{}\n\n-- \n{}", text.trim(), signature.trim()),
        headers: headers_json(&from, &message_id, &answers, locale, false),
    }))
}

/// One IMAP mailbox servq reads (`--imap imap[s]://USER:PASSWORD@HOST[:PORT]/FOLDER?team=…`).
#[derive(Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// A name for logs and the cursor: USER@HOST/FOLDER.
    pub name: String,
    /// Server host.
    pub host: String,
    /// Server port (993 with TLS, 143 without).
    pub port: u16,
    /// TLS from the start (`imaps`); `imap` is plain, for a server on the same machine.
    pub tls: bool,
    /// Login.
    pub user: String,
    /// Password.
    pub password: String,
    /// The folder read (INBOX by default).
    pub folder: String,
    /// The address customers write to ('' : the login when it is an address).
    pub address: String,
    /// The team its tickets go to.
    pub team: String,
    /// The category of its new tickets.
    pub category: String,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("name", &self.name)
            .field("team", &self.team)
            .finish_non_exhaustive()
    }
}

impl Mailbox {
    /// Reads a mailbox URL: `imaps://USER:PASSWORD@HOST[:PORT][/FOLDER][?team=T&category=C&
    /// address=A]` (user and password percent-encoded; `imap://` without TLS).
    pub fn parse(text: &str) -> Result<Mailbox, String> {
        let url = url::Url::parse(text.trim()).map_err(|error| {
            format!("mailbox URL: {error} (imaps://USER:PASSWORD@HOST/INBOX?team=TEAM)")
        })?;
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            other => return Err(format!("mailbox URL scheme '{other}' is not imaps or imap")),
        };
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or("mailbox URL has no host")?
            .to_owned();
        let decode = |text: &str| {
            url::form_urlencoded::parse(format!("x={text}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        };
        let user = decode(url.username());
        if user.is_empty() {
            return Err("mailbox URL has no user".to_owned());
        }
        let password = decode(url.password().unwrap_or(""));
        let folder = match url.path().trim_start_matches('/') {
            "" => "INBOX".to_owned(),
            path => decode(path),
        };
        let query = |key: &str| {
            url.query_pairs()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.trim().to_owned())
                .unwrap_or_default()
        };
        let address = match query("address") {
            address if !address.is_empty() => address.to_lowercase(),
            _ if user.contains('@') => user.to_lowercase(),
            _ => String::new(),
        };
        let port = url.port().unwrap_or(if tls { 993 } else { 143 });
        Ok(Mailbox {
            name: format!("{user}@{host}/{folder}"),
            host,
            port,
            tls,
            user,
            password,
            folder,
            address,
            team: query("team"),
            category: query("category"),
        })
    }
}

/// What one polling pass over a mailbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollPass {
    /// Messages that opened tickets.
    pub opened: u64,
    /// Messages threaded onto tickets.
    pub threaded: u64,
    /// Messages recorded and ignored (automatic mail).
    pub ignored: u64,
    /// Messages another server or pass had taken.
    pub duplicates: u64,
}

impl PollPass {
    fn count(&mut self, received: &Received) {
        match received {
            Received::Opened(_) => self.opened += 1,
            Received::Threaded(_) => self.threaded += 1,
            Received::Ignored(_) => self.ignored += 1,
            Received::Duplicate => self.duplicates += 1,
        }
    }
}

impl std::fmt::Display for PollPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} opened, {} threaded, {} ignored, {} already taken",
            self.opened, self.threaded, self.ignored, self.duplicates
        )
    }
}

/// The inbox of `mailbox` as `outbox` configures the centre's addresses.
pub fn inbox_of(
    mailbox: &Mailbox,
    outbox: &crate::outbox::OutboxConfig,
    public_url: &str,
) -> Inbox {
    Inbox {
        mailbox: mailbox.name.clone(),
        team: mailbox.team.clone(),
        category: mailbox.category.clone(),
        own_addresses: own_addresses(outbox),
        public_url: public_url.to_owned(),
        from_address: outbox.email_from.clone(),
    }
}

/// Every address the centre sends from or reads: mail from them is never imported.
pub fn own_addresses(outbox: &crate::outbox::OutboxConfig) -> Vec<String> {
    let mut own: Vec<String> = outbox
        .mailboxes
        .iter()
        .map(|mailbox| mailbox.address.clone())
        .filter(|address| !address.is_empty())
        .collect();
    if let Some(sender) = bare_address(&outbox.email_from) {
        own.push(sender);
    }
    own
}

/// The address in `Name <address>` or a bare address, lower-cased.
pub fn bare_address(text: &str) -> Option<String> {
    let inner = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    let inner = inner.trim();
    inner.contains('@').then(|| inner.to_lowercase())
}

/// Reads the new messages of `mailbox` (UIDs above its cursor) and imports each ([`receive`]),
/// marking them seen; the cursor moves past each message imported, so a failure resumes there.
pub async fn poll(
    store: &Store,
    mailbox: &Mailbox,
    inbox: &Inbox,
    now: Timestamp,
) -> anyhow::Result<PollPass> {
    let tcp = tokio::net::TcpStream::connect((mailbox.host.as_str(), mailbox.port)).await?;
    if mailbox.tls {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = tokio_rustls::rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(mailbox.host.clone())?;
        let stream = connector.connect(name, tcp).await?;
        poll_session(store, async_imap::Client::new(stream), mailbox, inbox, now).await
    } else {
        poll_session(store, async_imap::Client::new(tcp), mailbox, inbox, now).await
    }
}

async fn poll_session<S>(
    store: &Store,
    mut client: async_imap::Client<S>,
    mailbox: &Mailbox,
    inbox: &Inbox,
    now: Timestamp,
) -> anyhow::Result<PollPass>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    use futures_util::TryStreamExt;
    client
        .read_response()
        .await?
        .ok_or_else(|| anyhow::anyhow!("{}: no greeting", mailbox.name))?;
    let mut session = client
        .login(&mailbox.user, &mailbox.password)
        .await
        .map_err(|(error, _)| anyhow::anyhow!("{}: login: {error}", mailbox.name))?;
    let selected = session.select(&mailbox.folder).await?;
    let validity = i64::from(selected.uid_validity.unwrap_or(0));
    let last = match store.mailbox_cursor(&mailbox.name).await? {
        Some((stored_validity, last)) if stored_validity == validity => last,
        _ => 0,
    };
    let mut uids: Vec<u32> = session
        .uid_search(format!("UID {}:*", last + 1))
        .await?
        .into_iter()
        // "N:*" always names the newest message, even when it is below N
        .filter(|uid| i64::from(*uid) > last)
        .collect();
    uids.sort_unstable();
    let mut pass = PollPass::default();
    for uid in uids {
        let fetched: Vec<async_imap::types::Fetch> = session
            .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
            .await?
            .try_collect()
            .await?;
        let Some(raw) = fetched.iter().find_map(|fetch| fetch.body()) else {
            continue;
        };
        let received = receive(store, raw, inbox, now).await?;
        pass.count(&received);
        let _: Vec<_> = session
            .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
            .await?
            .try_collect()
            .await?;
        store
            .advance_mailbox_cursor(&mailbox.name, validity, i64::from(uid))
            .await?;
    }
    if let Err(error) = session.logout().await {
        tracing::debug!("{}: logout: {error}", mailbox.name);
    }
    Ok(pass)
}

/// Polls every configured mailbox once; a mailbox that fails is logged and the others still
/// run. Returns the passes summed and the mailboxes that failed.
pub async fn poll_all(
    store: &Store,
    outbox: &crate::outbox::OutboxConfig,
    public_url: &str,
    now: Timestamp,
) -> (PollPass, usize) {
    let mut total = PollPass::default();
    let mut failed = 0;
    for mailbox in &outbox.mailboxes {
        let inbox = inbox_of(mailbox, outbox, public_url);
        match poll(store, mailbox, &inbox, now).await {
            Ok(pass) => {
                total.opened += pass.opened;
                total.threaded += pass.threaded;
                total.ignored += pass.ignored;
                total.duplicates += pass.duplicates;
            }
            Err(error) => {
                tracing::warn!("mailbox {}: {error:#}", mailbox.name);
                failed += 1;
            }
        }
    }
    (total, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_is_cut() {
        let text = "Thanks, it works now.\n\nOn Mon, 1 Dec 2026 Li wrote:\n> old text\n";
        assert_eq!(new_text(text), "Thanks, it works now.");
        let zh = "好的，谢谢\n\n在 2026年12月1日 客服中心 写道：\n> 原文";
        assert_eq!(new_text(zh), "好的，谢谢");
        assert_eq!(new_text("a\n> quoted\nb"), "a\nb");
        assert_eq!(
            new_text("问题还在\n-----原始邮件-----\n发件人: x"),
            "问题还在"
        );
    }

    #[test]
    fn subjects_and_ids() {
        assert_eq!(
            subject_ticket("Re: 账单 [T20261203-0123456789ab]"),
            Some("T20261203-0123456789ab")
        );
        assert_eq!(subject_ticket("Re: [T2026-x]"), None);
        assert_eq!(
            bare_subject("回复：RE: Fwd: 账单问题 [T20261203-0123456789ab]"),
            "账单问题"
        );
        assert_eq!(
            customer_id_for("Li@Example.com"),
            customer_id_for("li@example.com")
        );
        assert_eq!(
            bare_address("Desk <Desk@Example.com>").as_deref(),
            Some("desk@example.com")
        );
        assert_eq!(bare_address("servq"), None);
    }

    #[test]
    fn automatic_mail_is_recognised() {
        let mail = |headers: &str| {
            read(
                format!("From: a@x.cn\r\nTo: desk@c.cn\r\nSubject: s\r\n{headers}\r\nbody\r\n")
                    .as_bytes(),
            )
            .automatic
        };
        assert_eq!(mail(""), None);
        assert_eq!(mail("Auto-Submitted: no\r\n"), None);
        assert_eq!(
            mail("Auto-Submitted: auto-replied\r\n"),
            Some(Ignored::AutoSubmitted)
        );
        assert_eq!(mail("Precedence: bulk\r\n"), Some(Ignored::AutoReply));
        assert_eq!(mail("X-Autoreply: yes\r\n"), Some(Ignored::AutoReply));
        assert_eq!(
            mail("X-Auto-Response-Suppress: OOF, AutoReply\r\n"),
            Some(Ignored::AutoReply)
        );
        assert_eq!(mail("Return-Path: <>\r\n"), Some(Ignored::Bounce));
        assert_eq!(
            read(b"From: MAILER-DAEMON@x.cn\r\nSubject: fail\r\n\r\nx").automatic,
            Some(Ignored::Bounce)
        );
        assert_eq!(
            read(b"Subject: nobody\r\n\r\nx").automatic,
            Some(Ignored::NoSender)
        );
    }

    #[test]
    fn gbk_mail_is_read_with_its_language_and_threading() {
        // a GBK subject (RFC 2047) and body, as Chinese mail programs send them
        let mut raw = b"From: =?GBK?B?wO7PyMn6?= <Li@Example.CN>\r\nTo: desk@centre.cn\r\n\
Subject: =?GBK?B?1cu1pc7KzOI=?=\r\nMessage-ID: <m2@example.cn>\r\nIn-Reply-To: <m1@centre.cn>\r\n\
References: <m0@example.cn> <m1@centre.cn>\r\nContent-Type: text/plain; charset=GBK\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend_from_slice(&[0xc4, 0xfa, 0xba, 0xc3, b'\r', b'\n']);
        let read = read(&raw);
        assert_eq!(read.from_address, "li@example.cn");
        assert_eq!(read.from_name, "李先生");
        assert_eq!(read.subject, "账单问题");
        assert_eq!(read.text, "您好");
        assert_eq!(read.language, Some("zh-CN"));
        assert_eq!(read.message_id, "m2@example.cn");
        assert_eq!(read.answers, ["m1@centre.cn", "m0@example.cn"]);
        assert_eq!(read.automatic, None);
    }

    #[test]
    fn mailbox_urls() {
        let mailbox = Mailbox::parse(
            "imaps://desk%40centre.cn:p%40ss@imap.centre.cn/Support?team=after_sales",
        )
        .unwrap();
        assert_eq!(mailbox.user, "desk@centre.cn");
        assert_eq!(mailbox.password, "p@ss");
        assert_eq!(mailbox.port, 993);
        assert!(mailbox.tls);
        assert_eq!(mailbox.folder, "Support");
        assert_eq!(mailbox.team, "after_sales");
        assert_eq!(mailbox.address, "desk@centre.cn");
        let plain = Mailbox::parse("imap://u:p@127.0.0.1:1143").unwrap();
        assert_eq!(
            (plain.port, plain.tls, plain.folder.as_str()),
            (1143, false, "INBOX")
        );
        assert!(Mailbox::parse("pop3://u:p@h").is_err());
        assert!(Mailbox::parse("imaps://h/INBOX").is_err());
        let secret = Mailbox::parse("imap://u:s3cret@h").unwrap();
        assert!(!format!("{secret:?}").contains("s3cret"));
    }
}
