//! `servq problems`: the problem register — list it, see servq's suggestions, accept or dismiss
//! one, record a problem by hand, move one along its life cycle. JSON as the API writes it.

use std::process::ExitCode;

use anyhow::Result;
use servq_app::i18n::Locale;
use servq_app::problems::{self, ProblemRequest};

use crate::config::Config;
use crate::refused;

#[derive(Debug, clap::Subcommand)]
pub enum ProblemsCommand {
    /// The register, most recently worked on first (JSON lines).
    List,
    /// Today's suggestions not yet accepted or dismissed (JSON lines).
    Suggestions,
    /// Record suggestion KEY as a problem; prints its id.
    Accept { key: String },
    /// Never offer suggestion KEY again.
    Dismiss { key: String },
    /// Record a problem by hand; prints its id.
    Add {
        /// response_efficiency, problem_solving, attitude or process_design.
        #[arg(long)]
        class: String,
        /// A short title.
        #[arg(long)]
        title: String,
        /// What is wrong.
        #[arg(long, default_value = "")]
        description: String,
        /// The owner's username.
        #[arg(long, default_value = "")]
        owner: String,
    },
    /// Move problem ID to STATUS (analysing, acting, verifying, closed, reopened). Closing a
    /// problem with a goal schedules its effectiveness checks at +30/60/90 days.
    Move {
        id: i64,
        status: String,
        /// A new owner.
        #[arg(long)]
        owner: Option<String>,
        /// The goal that measures the fix (0 removes it).
        #[arg(long)]
        goal: Option<i64>,
    },
    /// Problem ID with its root-cause analysis, evidence, effectiveness checks and tasks (JSON).
    Show { id: i64 },
    /// Link evidence to problem ID: a contact, ticket, review_task or evaluation by its id, or
    /// a kpi series (`csat`, `fcr_rate|queue=billing`).
    Link {
        id: i64,
        /// contact, ticket, review_task, evaluation or kpi.
        #[arg(long)]
        kind: String,
        /// The id, or for kpi the series.
        #[arg(long = "ref")]
        reference: String,
        /// Why it matters.
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub async fn run(config: &Config, command: ProblemsCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: ProblemsCommand) -> Result<ExitCode> {
    let (_, zone) = servq_app::centre_zone(store).await?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let actor = servq_app::cli_actor();
    match command {
        ProblemsCommand::List => {
            for problem in store.problems().await? {
                println!("{}", problems::problem_json(&problem));
            }
            Ok(ExitCode::SUCCESS)
        }
        ProblemsCommand::Suggestions => {
            for suggestion in problems::suggestions(store, today, Locale::En).await? {
                println!("{}", problems::suggestion_json(&suggestion));
            }
            Ok(ExitCode::SUCCESS)
        }
        ProblemsCommand::Accept { key } => refused(
            problems::accept(store, &key, today, Locale::En, &actor)
                .await
                .map(|id| id.to_string()),
        ),
        ProblemsCommand::Dismiss { key } => {
            problems::dismiss(store, &key, &actor).await?;
            Ok(ExitCode::SUCCESS)
        }
        ProblemsCommand::Add {
            class,
            title,
            description,
            owner,
        } => {
            let request = ProblemRequest {
                class,
                title,
                description,
                owner,
            };
            refused(
                problems::add(store, &request, &actor)
                    .await
                    .map(|id| id.to_string()),
            )
        }
        ProblemsCommand::Move {
            id,
            status,
            owner,
            goal,
        } => {
            let change = problems::ProblemChange {
                status: Some(status),
                owner,
                goal_id: goal,
            };
            refused(
                problems::change(store, id, &change, today, &actor)
                    .await
                    .map(|p| problems::problem_json(&p).to_string()),
            )
        }
        ProblemsCommand::Show { id } => match problems::detail_json(store, id, today).await? {
            Some(detail) => {
                println!("{detail}");
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("error: id: no problem {id}");
                Ok(ExitCode::FAILURE)
            }
        },
        ProblemsCommand::Link {
            id,
            kind,
            reference,
            note,
        } => refused(
            problems::link_evidence(store, id, &kind, &reference, &note, &actor)
                .await
                .map(|()| "linked".to_owned()),
        ),
    }
}
