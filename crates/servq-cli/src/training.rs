//! `servq training`: the case library and courses from the command line — list and show them
//! (with path statistics, or a course's assignments, attempts, feedback and QA effect), save
//! them from the JSON the API takes, assign a course (docs/kb.md#case-library, #training).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use servq_app::training as app;
use servq_store::Store;

use crate::config::Config;
use crate::refused;

#[derive(Debug, clap::Subcommand)]
pub enum TrainingCommand {
    /// Every case of the library (JSON).
    Cases,
    /// One case: its tree, how many walks, and per node the visits, misses and walks ended
    /// there (JSON).
    Case { id: String },
    /// Create or replace a case from a JSON file (the body of PUT /api/v1/kb/cases/{id});
    /// refused with every problem at its field.
    SaveCase { id: String, file: PathBuf },
    /// Every course (JSON, with answers).
    Courses,
    /// One course with its assignments, attempts, feedback and the effect on its QA items
    /// (JSON).
    Course { id: String },
    /// Create or replace a course from a JSON file (the body of PUT /api/v1/courses/{id}).
    SaveCourse { id: String, file: PathBuf },
    /// Assign a course to users and to every agent of teams.
    Assign {
        id: String,
        /// A username (repeat for more).
        #[arg(long = "user")]
        users: Vec<String>,
        /// A team (repeat for more): every agent user of it.
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Due day, YYYY-MM-DD ('' for none).
        #[arg(long, default_value = "")]
        due: String,
        /// Why (e.g. the common problem it answers).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

pub async fn run(config: &Config, command: TrainingCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T> {
    let text = std::fs::read_to_string(file).with_context(|| format!("{}", file.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}", file.display()))
}

fn print(value: &serde_json::Value) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

async fn run_with(store: &Store, command: TrainingCommand) -> Result<ExitCode> {
    match command {
        TrainingCommand::Cases => print(&app::cases_json(&store.kb_cases().await?)),
        TrainingCommand::Case { id } => match store.kb_case(&id).await? {
            Some(case) => print(&app::case_report_json(store, &case).await?),
            None => anyhow::bail!("no case {id}"),
        },
        TrainingCommand::SaveCase { id, file } => {
            let request = read_json(&file)?;
            refused(
                app::save_case(store, &id, request, &servq_app::cli_actor())
                    .await
                    .map(|()| format!("saved case {id}")),
            )
        }
        TrainingCommand::Courses => print(&serde_json::json!({
            "courses": store.courses().await?.iter()
                .map(|course| app::course_json(course, true)).collect::<Vec<_>>()
        })),
        TrainingCommand::Course { id } => match store.course(&id).await? {
            Some(course) => print(&app::course_report_json(store, &course).await?),
            None => anyhow::bail!("no course {id}"),
        },
        TrainingCommand::SaveCourse { id, file } => {
            let request = read_json(&file)?;
            refused(
                app::save_course(store, &id, request, &servq_app::cli_actor())
                    .await
                    .map(|()| format!("saved course {id}")),
            )
        }
        TrainingCommand::Assign {
            id,
            users,
            teams,
            due,
            reason,
        } => refused(
            app::assign(
                store,
                &id,
                &users,
                &teams,
                &due,
                &reason,
                &servq_app::cli_actor(),
            )
            .await
            .map(|new| format!("{new} new assignments")),
        ),
    }
}
