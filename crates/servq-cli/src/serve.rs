//! `servq serve`: the web app and REST API (users and tokens from the command line: `admin.rs`).

use std::{net::SocketAddr, process::ExitCode};

use anyhow::{Result, ensure};
use servq_app::outbox::{OutboxConfig, SmtpTls};

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Mark cookies Secure (serve behind HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// The address customers reach survey links at (e.g. `https://survey.example.com`); default:
    /// http://ADDR.
    #[arg(long, env = "SERVQ_PUBLIC_URL")]
    public_url: Option<String>,
    /// Where uploads wait while they are imported (`uploads/` below it); default: the folder of
    /// the SQLite file, or the working directory with PostgreSQL.
    #[arg(long, env = "SERVQ_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
    /// A reverse proxy (address or CIDR, e.g. 10.0.0.0/8; repeat or separate with commas) whose
    /// X-Forwarded-For names the client for rate limits and the audit log; never read otherwise.
    #[arg(long = "trusted-proxy", env = "SERVQ_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<ipnet::IpNet>,
    #[command(flatten)]
    outbox: OutboxArgs,
    #[command(flatten)]
    backup: crate::backup::BackupPlanArgs,
}

/// A proxy as an address (`10.0.0.5`, one host) or a network (`10.0.0.0/8`).
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("'{text}' is not an address or CIDR network (like 10.0.0.0/8)"))
}

/// The data directory when none is given: beside the SQLite file, else the working directory.
fn default_data_dir(database_url: &str) -> std::path::PathBuf {
    database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .and_then(|file| {
            std::path::Path::new(file)
                .parent()
                .map(std::path::Path::to_path_buf)
        })
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

/// The address customers reach servq at, for the links in what the command line sends or
/// makes (survey links, ticket status pages) where no server answers a request.
#[derive(Debug, Clone, clap::Args)]
pub struct PublicUrl {
    /// Where customers open the links (survey pages, ticket status pages), e.g.
    /// `https://service.example.com`.
    #[arg(
        long,
        env = "SERVQ_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
}

/// Where escalation e-mails and webhooks go (`servq serve`, `servq desk send-outbox`).
#[derive(Debug, Clone, clap::Args)]
pub struct OutboxArgs {
    /// SMTP server for escalation e-mails (none: e-mails wait in the outbox).
    #[arg(long, env = "SERVQ_SMTP_HOST")]
    smtp_host: Option<String>,
    /// SMTP port.
    #[arg(long, env = "SERVQ_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// SMTP security: none, starttls or tls.
    #[arg(long, env = "SERVQ_SMTP_TLS", default_value = "starttls")]
    smtp_tls: String,
    /// SMTP user.
    #[arg(long, env = "SERVQ_SMTP_USER")]
    smtp_user: Option<String>,
    /// SMTP password (prefer the environment variable).
    #[arg(long, env = "SERVQ_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Sender of escalation e-mails.
    #[arg(
        long,
        env = "SERVQ_EMAIL_FROM",
        default_value = "servq <servq@localhost>"
    )]
    email_from: String,
    /// Recipients of escalation e-mails, comma-separated.
    #[arg(long, env = "SERVQ_ESCALATION_EMAIL", value_delimiter = ',')]
    escalation_email: Vec<String>,
    /// Recipients of the monthly quality report (PDF attached), comma-separated; none: the
    /// escalation recipients.
    #[arg(long, env = "SERVQ_REPORT_EMAIL", value_delimiter = ',')]
    report_email: Vec<String>,
    /// Language of the mailed monthly report: zh-CN, zh-TW or en.
    #[arg(long, env = "SERVQ_REPORT_LANG", default_value = "zh-CN")]
    report_lang: String,
    /// URL escalation webhooks are POSTed to (none: webhooks wait in the outbox).
    #[arg(long, env = "SERVQ_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Secret of the webhooks' HMAC-SHA256 signature.
    #[arg(
        long,
        env = "SERVQ_WEBHOOK_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    webhook_secret: String,
    /// An IMAP mailbox customers write to, polled every 30 s:
    /// `imaps://USER:PASSWORD@HOST:PORT/FOLDER?team=TEAM&category=C&address=A` (port, folder,
    /// category and address optional; user and password percent-encoded); repeat, or separate
    /// with commas in SERVQ_IMAP (docs/email.md).
    #[arg(
        long = "imap",
        env = "SERVQ_IMAP",
        value_delimiter = ',',
        hide_env_values = true
    )]
    imap: Vec<String>,
}

impl OutboxArgs {
    /// The server's outbox configuration.
    pub fn config(&self) -> Result<OutboxConfig> {
        let smtp_tls = SmtpTls::parse(&self.smtp_tls).ok_or_else(|| {
            anyhow::anyhow!(
                "--smtp-tls '{}' is not none, starttls or tls",
                self.smtp_tls
            )
        })?;
        ensure!(
            self.webhook_url.is_none() || !self.webhook_secret.is_empty(),
            "--webhook-url needs --webhook-secret (SERVQ_WEBHOOK_SECRET) to sign the webhooks"
        );
        Ok(OutboxConfig {
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_tls,
            smtp_credentials: self.smtp_user.clone().zip(self.smtp_password.clone()),
            email_from: self.email_from.clone(),
            email_to: self
                .escalation_email
                .iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            report_to: self
                .report_email
                .iter()
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            report_language: servq_app::i18n::Locale::parse(&self.report_lang).ok_or_else(
                || {
                    anyhow::anyhow!(
                        "--report-lang '{}' is not zh-CN, zh-TW or en",
                        self.report_lang
                    )
                },
            )?,
            webhook_url: self.webhook_url.clone(),
            webhook_secret: self.webhook_secret.clone(),
            mailboxes: self
                .imap
                .iter()
                .filter(|url| !url.trim().is_empty())
                .map(|url| {
                    servq_app::email::Mailbox::parse(url)
                        .map_err(|e| anyhow::anyhow!("--imap: {e}"))
                })
                .collect::<Result<_>>()?,
        })
    }
}

pub async fn serve(config: &Config, args: ServeArgs) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let outbox = args.outbox.config()?;
    let data_dir = args
        .data_dir
        .unwrap_or_else(|| default_data_dir(&config.database_url));
    let options = servq_server::ServeOptions {
        addr: args.addr,
        secure_cookies: args.secure_cookies,
        public_url: args.public_url,
        outbox,
        data_dir,
        trusted_proxies: args.trusted_proxies,
        backup: args.backup.plan(),
    };
    servq_server::serve(store, options).await?;
    Ok(ExitCode::SUCCESS)
}
