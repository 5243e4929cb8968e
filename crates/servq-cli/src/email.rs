//! `servq email`: the e-mail channel of tickets (docs/email.md) — import one raw message
//! (`receive`, as a mail service's pipe would), or read the configured IMAP mailboxes once
//! (`poll`, what `servq serve` does every 30 s).

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use servq_app::email::{self, Inbox, Received};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum EmailCommand {
    /// Import one raw message (RFC 5322, e.g. a .eml file; `-` reads standard input): it opens
    /// a ticket, joins the ticket it answers, or is ignored as automatic mail. Prints one JSON
    /// line: {"outcome", "ticket_id", "reason"}.
    Receive {
        /// The message file, or `-`.
        file: std::path::PathBuf,
        /// The team its ticket goes to (none: the routing rules decide).
        #[arg(long, default_value = "")]
        team: String,
        /// The category of a new ticket (default: consult).
        #[arg(long, default_value = "")]
        category: String,
        #[command(flatten)]
        public: crate::serve::PublicUrl,
        #[command(flatten)]
        outbox: Box<crate::serve::OutboxArgs>,
    },
    /// Read every mailbox given with --imap once. Prints one JSON line per mailbox.
    Poll {
        #[command(flatten)]
        public: crate::serve::PublicUrl,
        #[command(flatten)]
        outbox: Box<crate::serve::OutboxArgs>,
    },
}

pub async fn run(config: &Config, command: EmailCommand) -> Result<ExitCode> {
    match command {
        EmailCommand::Receive {
            file,
            team,
            category,
            public,
            outbox,
        } => {
            let raw = if file.as_os_str() == "-" {
                let mut raw = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw)?;
                raw
            } else {
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?
            };
            let outbox = outbox.config()?;
            let inbox = Inbox {
                mailbox: email::UPLOAD_MAILBOX.to_owned(),
                team,
                category,
                own_addresses: email::own_addresses(&outbox),
                public_url: public.public_url,
                from_address: outbox.email_from.clone(),
            };
            let store = config.open_store().await?;
            let received = email::receive(&store, &raw, &inbox, servq_app::jobs::clock()).await;
            store.close().await;
            let received = received?;
            println!("{}", received_json(&received));
            Ok(ExitCode::SUCCESS)
        }
        EmailCommand::Poll { public, outbox } => {
            let outbox = outbox.config()?;
            anyhow::ensure!(
                !outbox.mailboxes.is_empty(),
                "no mailbox: give --imap imaps://USER:PASSWORD@HOST/INBOX?team=TEAM (or SERVQ_IMAP)"
            );
            let store = config.open_store().await?;
            let mut failed = false;
            for mailbox in &outbox.mailboxes {
                let inbox = email::inbox_of(mailbox, &outbox, &public.public_url);
                match email::poll(&store, mailbox, &inbox, servq_app::jobs::clock()).await {
                    Ok(pass) => println!(
                        "{}",
                        json!({"mailbox": mailbox.name, "opened": pass.opened,
                            "threaded": pass.threaded, "ignored": pass.ignored,
                            "already_taken": pass.duplicates})
                    ),
                    Err(error) => {
                        failed = true;
                        println!(
                            "{}",
                            json!({"mailbox": mailbox.name, "error": format!("{error:#}")})
                        );
                    }
                }
            }
            store.close().await;
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// `{"outcome", "ticket_id", "reason"}` of one message (the CLI's line and the API's answer).
pub fn received_json(received: &Received) -> serde_json::Value {
    json!({
        "outcome": received.name(),
        "ticket_id": received.ticket_id(),
        "reason": received.reason(),
    })
}
