//! `servq tasks`: action-plan tasks — list them, set one under a problem or a goal, finish one,
//! comment on one. JSON lines as the API writes them.

use std::process::ExitCode;

use anyhow::Result;
use servq_app::tasks::{self, TaskRequest};

use crate::config::Config;
use crate::refused;

#[derive(Debug, clap::Subcommand)]
pub enum TasksCommand {
    /// Every task by due date, with its comments (JSON lines).
    List {
        /// Only this owner's tasks.
        #[arg(long)]
        owner: Option<String>,
        /// Only open tasks past their due date.
        #[arg(long)]
        overdue: bool,
    },
    /// Set a task under a problem or a goal; prints its id. The owner is told.
    Add {
        /// What to do.
        #[arg(long)]
        title: String,
        /// Who does it (a username).
        #[arg(long)]
        owner: String,
        /// By when, YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// The problem it serves.
        #[arg(long, required_unless_present = "goal")]
        problem: Option<i64>,
        /// The goal it serves.
        #[arg(long)]
        goal: Option<i64>,
    },
    /// Mark task ID done (or --status cancelled / open) with what was done.
    Done {
        id: i64,
        /// done, cancelled or open.
        #[arg(long, default_value = "done")]
        status: String,
        /// What was done, or the evidence it worked.
        #[arg(long, default_value = "")]
        evidence: String,
    },
    /// Comment on task ID; the owner is told.
    Comment { id: i64, text: String },
}

pub async fn run(config: &Config, command: TasksCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: TasksCommand) -> Result<ExitCode> {
    let (_, zone) = servq_app::centre_zone(store).await?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let actor = servq_app::cli_actor();
    match command {
        TasksCommand::List { owner, overdue } => {
            let comments = store.task_comments(None).await?;
            for task in store.tasks().await? {
                let mut line = tasks::task_json(&task, today);
                if owner.as_ref().is_some_and(|o| *o != task.owner)
                    || (overdue && line["overdue"] != true)
                {
                    continue;
                }
                line["comments"] = tasks::comments_json(&comments, task.id);
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        TasksCommand::Add {
            title,
            owner,
            due,
            problem,
            goal,
        } => {
            let request = TaskRequest {
                title,
                owner,
                due,
                problem_id: problem,
                goal_id: goal,
            };
            refused(
                tasks::add(store, &request, &actor)
                    .await
                    .map(|id| id.to_string()),
            )
        }
        TasksCommand::Done {
            id,
            status,
            evidence,
        } => refused(
            tasks::finish(store, id, &status, &evidence, &actor)
                .await
                .map(|task| tasks::task_json(&task, today).to_string()),
        ),
        TasksCommand::Comment { id, text } => refused(
            tasks::comment(store, id, &text, &actor)
                .await
                .map(|id| id.to_string()),
        ),
    }
}
