//! Sending the outbox (`docs/desk.md#sending`): escalation e-mails over SMTP (lettre) to the
//! configured addresses, and webhooks POSTed as JSON with an HMAC-SHA256 signature of the
//! timestamp and body. A failed attempt is retried with a growing delay (1, 2, 4 … minutes, at
//! most an hour) up to [`MAX_ATTEMPTS`]; several servers share the work without sending a
//! message twice (each claim holds a message for a lease).

use hmac::{Hmac, Mac};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::authentication::Credentials,
};
use servq_store::{OutboxMessage, Store};
use sha2::Sha256;

/// Attempts before a message is given up (it stays in the outbox with its last error).
pub const MAX_ATTEMPTS: i64 = 8;

/// How long a claimed message is reserved for the server sending it.
const LEASE_MS: i64 = 5 * 60_000;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain (a local relay).
    None,
    /// STARTTLS on a plain connection (port 587).
    #[default]
    Starttls,
    /// TLS from the start (port 465).
    Tls,
}

impl SmtpTls {
    /// `none`, `starttls` or `tls`.
    pub fn parse(name: &str) -> Option<SmtpTls> {
        match name.trim() {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::Starttls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }
}

/// Where escalation messages go.
#[derive(Debug, Clone, Default)]
pub struct OutboxConfig {
    /// SMTP server host; no e-mails are sent without one.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: u16,
    /// SMTP security.
    pub smtp_tls: SmtpTls,
    /// SMTP user and password, if the server wants them.
    pub smtp_credentials: Option<(String, String)>,
    /// Sender address.
    pub email_from: String,
    /// Recipients of escalation e-mails.
    pub email_to: Vec<String>,
    /// Recipients of the monthly quality report and the daily briefing; empty:
    /// [`OutboxConfig::email_to`].
    pub report_to: Vec<String>,
    /// The language the mailed report and briefing are written in.
    pub report_language: crate::i18n::Locale,
    /// Webhook URL; no webhooks are sent without one.
    pub webhook_url: Option<String>,
    /// Secret of the webhook signature.
    pub webhook_secret: String,
    /// The IMAP mailboxes customers write to (`docs/email.md`); each polled every minute.
    pub mailboxes: Vec<crate::email::Mailbox>,
}

/// What one sending pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Messages sent.
    pub sent: u64,
    /// Attempts that failed (retried later).
    pub failed: u64,
}

/// The signature header value of a webhook body: `sha256=` + hex HMAC-SHA256 of
/// `"{timestamp}.{body}"` with the shared secret.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delay before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes, at most 60.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let minutes = 1_i64 << (attempts - 1).clamp(0, 6);
    minutes.min(60) * 60_000
}

fn smtp(config: &OutboxConfig) -> anyhow::Result<Option<AsyncSmtpTransport<Tokio1Executor>>> {
    let Some(host) = config.smtp_host.as_deref() else {
        return Ok(None);
    };
    let mut builder = match config.smtp_tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
    }
    .port(config.smtp_port);
    if let Some((user, password)) = &config.smtp_credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(Some(builder.build()))
}

async fn send_email(
    store: &Store,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    config: &OutboxConfig,
    message: &OutboxMessage,
) -> anyhow::Result<()> {
    if message.recipient.contains('@') {
        return send_to_address(transport, config, message).await;
    }
    let report = message.recipient == crate::monthly_report::RECIPIENT;
    // the report and the morning briefing go to the managers' list when one is configured
    let managers = report || message.recipient == crate::briefing::RECIPIENT;
    let recipients = if managers && !config.report_to.is_empty() {
        &config.report_to
    } else {
        &config.email_to
    };
    anyhow::ensure!(!recipients.is_empty(), "no e-mail recipients configured");
    let mut builder = Message::builder().from(config.email_from.parse()?);
    for to in recipients {
        builder = builder.to(to.parse()?);
    }
    let email = if report {
        // the report is rendered when it is sent (from its stored snapshot), so the outbox
        // keeps a small row and a retry sends the same file
        let mail =
            crate::monthly_report::mail(store, &message.body, config.report_language).await?;
        builder.subject(mail.subject).multipart(
            lettre::message::MultiPart::mixed()
                .singlepart(lettre::message::SinglePart::plain(mail.text))
                .singlepart(
                    lettre::message::Attachment::new(mail.file_name)
                        .body(mail.pdf, "application/pdf".parse()?),
                ),
        )?
    } else {
        builder
            .subject(message.subject.clone())
            .body(format!("{}\n\n{}\n", message.subject, message.body))?
    };
    transport.send(email).await?;
    Ok(())
}

/// The threading headers a customer e-mail carries in the outbox (`crate::email`).
#[derive(Debug, Default, serde::Deserialize)]
struct MailHeaders {
    #[serde(default)]
    from: String,
    #[serde(default)]
    message_id: String,
    #[serde(default)]
    in_reply_to: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    language: String,
    #[serde(default)]
    auto_submitted: bool,
}

/// A message for one address (a user's notification, a reply or acknowledgement to a
/// customer), with its own sender and threading headers when it has them.
async fn send_to_address(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    config: &OutboxConfig,
    message: &OutboxMessage,
) -> anyhow::Result<()> {
    use lettre::message::header::{ContentType, HeaderName, HeaderValue};
    let headers: MailHeaders = if message.headers.is_empty() {
        MailHeaders::default()
    } else {
        serde_json::from_str(&message.headers)?
    };
    let from = if headers.from.is_empty() {
        config.email_from.clone()
    } else {
        headers.from.clone()
    };
    let mut builder = Message::builder()
        .from(from.parse()?)
        .to(message.recipient.parse()?)
        .subject(message.subject.clone());
    if !headers.message_id.is_empty() {
        builder = builder.message_id(Some(format!("<{}>", headers.message_id)));
    }
    if let Some(answered) = &headers.in_reply_to {
        builder = builder.in_reply_to(format!("<{answered}>"));
    }
    if !headers.references.is_empty() {
        let references: Vec<String> = headers
            .references
            .iter()
            .map(|id| format!("<{id}>"))
            .collect();
        builder = builder.references(references.join(" "));
    }
    if headers.auto_submitted {
        // RFC 3834: other systems do not answer this mail automatically
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-replied".to_owned(),
        ));
    }
    if !headers.language.is_empty() {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            headers.language.clone(),
        ));
    }
    let email = builder
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())?;
    transport.send(email).await?;
    Ok(())
}

async fn send_webhook(
    client: &reqwest::Client,
    config: &OutboxConfig,
    message: &OutboxMessage,
    now_ms: i64,
) -> anyhow::Result<()> {
    let url = config
        .webhook_url
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("no webhook URL configured"))?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-servq-timestamp", now_ms.to_string())
        .header(
            "x-servq-signature",
            webhook_signature(&config.webhook_secret, now_ms, &message.body),
        )
        .header("x-servq-delivery", message.id.to_string())
        .body(message.body.clone())
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "the webhook answered {}",
        response.status()
    );
    Ok(())
}

/// Sends what is due at `now_ms` on the configured channels.
pub async fn deliver_due(
    store: &Store,
    config: &OutboxConfig,
    now_ms: i64,
) -> anyhow::Result<Delivery> {
    let transport = smtp(config)?;
    let mut channels = Vec::new();
    if transport.is_some() {
        channels.push("email");
    }
    if config.webhook_url.is_some() {
        channels.push("webhook");
    }
    let client = reqwest::Client::new();
    let mut delivery = Delivery::default();
    loop {
        let claimed = store
            .claim_outbox(&channels, now_ms, 100, LEASE_MS, MAX_ATTEMPTS)
            .await?;
        if claimed.is_empty() {
            break;
        }
        for message in &claimed {
            let outcome = match (message.channel.as_str(), &transport) {
                ("email", Some(transport)) => send_email(store, transport, config, message).await,
                ("webhook", _) => send_webhook(&client, config, message, now_ms).await,
                (channel, _) => Err(anyhow::anyhow!("no sender for channel {channel}")),
            };
            match outcome {
                Ok(()) => {
                    store.outbox_sent(message.id, now_ms).await?;
                    delivery.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(
                        "outbox message {} ({}), attempt {}: {error:#}",
                        message.id,
                        message.channel,
                        message.attempts
                    );
                    store
                        .outbox_failed(
                            message.id,
                            &format!("{error:#}"),
                            now_ms + retry_delay_ms(message.attempts),
                        )
                        .await?;
                    delivery.failed += 1;
                }
            }
        }
    }
    Ok(delivery)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_backoff() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            webhook_signature("Jefe", 1, "x"),
            webhook_signature("Jefe", 1, "x")
        );
        assert_ne!(
            webhook_signature("Jefe", 1, "x"),
            webhook_signature("Jefe", 2, "x")
        );
        assert_eq!(retry_delay_ms(1), 60_000);
        assert_eq!(retry_delay_ms(3), 240_000);
        assert_eq!(retry_delay_ms(20), 3_600_000);
    }
}
