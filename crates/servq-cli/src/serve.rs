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
    servq_server::serve(store, args.addr, args.secure_cookies, args.public_url).await?;
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
