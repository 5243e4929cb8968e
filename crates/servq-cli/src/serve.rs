//! `servq serve` and `servq user add`: the web app, and users from the command line.

use std::{io::BufRead, net::SocketAddr, process::ExitCode};

use anyhow::{Context, Result, ensure};
use servq_app::{
    cli_actor,
    outbox::{OutboxConfig, SmtpTls},
    users::{self, UserRefused, UserRequest},
};

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
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprint!("password for {username}: ");
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let request = UserRequest {
                username,
                password: password.trim_end_matches(['\r', '\n']).to_owned(),
                role,
                agent_id,
            };
            let refused = |refused: UserRefused| match refused {
                UserRefused::Failed(error) => error,
                refused => anyhow::anyhow!("{}", cli_words(&refused)),
            };
            // the request's own problems first: no store is opened for a refused user
            let user = users::check_user(&request).map_err(refused)?;
            let store = config.open_store().await?;
            let stored = users::store_user(&store, &user, &cli_actor()).await;
            store.close().await;
            stored.map_err(refused)?;
            let (role, username) = (user.role, user.username);
            eprintln!("created {role} {username}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A refusal in the command line's words (flags where the API says fields).
fn cli_words(refused: &UserRefused) -> String {
    match refused {
        UserRefused::AgentIdRequired => {
            "an agent needs --agent-id (the agent whose records they see)".to_owned()
        }
        other => other.to_string(),
    }
}
