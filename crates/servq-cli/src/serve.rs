//! `servq serve` and `servq user add`: the web app, and users from the command line.

use std::{io::BufRead, net::SocketAddr, process::ExitCode};

use anyhow::{Context, Result, ensure};
use servq_core::Role;
use servq_server::auth;
use servq_store::{Actor, NewUser};

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
    #[command(flatten)]
    outbox: OutboxArgs,
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
}

impl OutboxArgs {
    /// The server's outbox configuration.
    pub fn config(&self) -> Result<servq_server::outbox::OutboxConfig> {
        let smtp_tls = servq_server::outbox::SmtpTls::parse(&self.smtp_tls).ok_or_else(|| {
            anyhow::anyhow!(
                "--smtp-tls '{}' is not none, starttls or tls",
                self.smtp_tls
            )
        })?;
        ensure!(
            self.webhook_url.is_none() || !self.webhook_secret.is_empty(),
            "--webhook-url needs --webhook-secret (SERVQ_WEBHOOK_SECRET) to sign the webhooks"
        );
        Ok(servq_server::outbox::OutboxConfig {
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
            webhook_url: self.webhook_url.clone(),
            webhook_secret: self.webhook_secret.clone(),
        })
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Add {
        /// Sign-in name.
        username: String,
        /// agent, supervisor, qa_inspector, analyst or admin.
        #[arg(long)]
        role: String,
        /// For an agent: the agent id whose records they see.
        #[arg(long)]
        agent_id: Option<String>,
    },
}

pub async fn serve(config: &Config, args: ServeArgs) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let outbox = args.outbox.config()?;
    servq_server::serve(
        store,
        args.addr,
        args.secure_cookies,
        args.public_url,
        outbox,
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn user(config: &Config, command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            username,
            role,
            agent_id,
        } => {
            let role: Role = role.parse()?;
            ensure!(
                role != Role::Agent || agent_id.is_some(),
                "an agent needs --agent-id (the agent whose records they see)"
            );
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("password for {username}: ");
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            ensure!(
                password.chars().count() >= auth::MIN_PASSWORD_CHARS,
                "the password must have at least {} characters",
                auth::MIN_PASSWORD_CHARS
            );
            let store = config.open_store().await?;
            store
                .create_user(
                    &NewUser {
                        user_id: auth::new_token()[..24].to_owned(),
                        username: username.trim().to_owned(),
                        password_hash: auth::hash_password(password)?,
                        role,
                        agent_id,
                    },
                    &Actor {
                        user_id: None,
                        name: "cli".to_owned(),
                    },
                    jiff::Timestamp::now().as_millisecond(),
                )
                .await?;
            store.close().await;
            eprintln!("created {role} {username}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
