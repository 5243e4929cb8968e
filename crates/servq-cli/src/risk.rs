//! `servq risk`: the risk register and emergency plans (docs/risks.md) — the register with its
//! heat map, recording and reviewing a risk, the plans and the drills. JSON as the API writes it.

use std::process::ExitCode;

use anyhow::Result;
use servq_app::risks::{self as app, ReviewRequest, RiskError, RiskRequest};
use servq_core::MAX_RATING;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum RiskCommand {
    /// The register, highest score first: a table, or with `--format json` the API's
    /// `{risks, heat_map}`.
    List {
        /// text or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// The 5 × 5 heat map of the open risks (impact 5 at the top, likelihood 1–5 left to right).
    Heatmap,
    /// Record a risk; prints its id.
    Add {
        #[arg(long)]
        title: String,
        /// technical_failure, information_security, staff_capability, network_outage or other.
        #[arg(long)]
        category: String,
        /// 1–5.
        #[arg(long)]
        likelihood: i64,
        /// 1–5.
        #[arg(long)]
        impact: i64,
        /// The owner's username.
        #[arg(long)]
        owner: String,
        /// mitigate, accept, transfer or avoid.
        #[arg(long, default_value = "mitigate")]
        treatment: String,
        /// The next review, YYYY-MM-DD.
        #[arg(long)]
        review_on: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        controls: String,
    },
    /// Record a review of risk ID: its new rating and next review date.
    Review {
        id: i64,
        #[arg(long)]
        likelihood: i64,
        #[arg(long)]
        impact: i64,
        /// YYYY-MM-DD, after today.
        #[arg(long)]
        next_review_on: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The emergency plans (JSON lines).
    Plans,
    /// Every drill with its findings (JSON lines).
    Drills,
}

pub async fn run(config: &Config, command: RiskCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

/// Prints `line`, or the refusal's reasons (exit 1); a store failure is an error.
fn answer(result: std::result::Result<String, RiskError>) -> Result<ExitCode> {
    match result {
        Ok(line) => {
            println!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(RiskError::Refused(problems)) => {
            for problem in problems {
                eprintln!("error: {}: {}", problem.field, problem.reason);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(RiskError::Failed(error)) => Err(error),
        Err(other) => {
            eprintln!("error: {other}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn run_with(store: &servq_store::Store, command: RiskCommand) -> Result<ExitCode> {
    let (_, zone) = servq_app::centre_zone(store).await?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let actor = servq_app::cli_actor();
    match command {
        RiskCommand::List { format } => {
            let risks = store.risks().await?;
            match format.as_str() {
                "json" => println!("{}", app::register_json(&risks, today)),
                "text" => {
                    println!("score level    review_on  owner        title");
                    for risk in &risks {
                        println!(
                            "{:>5} {:<8} {} {:<12} {}{}",
                            risk.score(),
                            risk.level().name(),
                            risk.review_on,
                            risk.owner,
                            risk.title,
                            if app::review_due(risk, today) {
                                " (review due)"
                            } else {
                                ""
                            }
                        );
                    }
                }
                other => {
                    eprintln!("error: --format: '{other}' is not text or json");
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Heatmap => {
            let map = app::heat_map(&store.risks().await?);
            println!("impact\\likelihood  1  2  3  4  5");
            for impact in (1..=MAX_RATING).rev() {
                let cells: Vec<String> = (1..=MAX_RATING)
                    .map(|likelihood| format!("{:>2}", map.count(likelihood, impact)))
                    .collect();
                println!("{impact:>17}  {}", cells.join(" "));
            }
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Add {
            title,
            category,
            likelihood,
            impact,
            owner,
            treatment,
            review_on,
            description,
            controls,
        } => {
            let request = RiskRequest {
                title,
                category,
                description,
                likelihood,
                impact,
                owner,
                treatment,
                controls,
                review_on,
                status: None,
            };
            answer(
                app::save_risk(store, None, &request, &actor)
                    .await
                    .map(|id| id.to_string()),
            )
        }
        RiskCommand::Review {
            id,
            likelihood,
            impact,
            next_review_on,
            note,
        } => {
            let request = ReviewRequest {
                likelihood,
                impact,
                note,
                next_review_on,
            };
            answer(
                app::review_risk(store, id, &request, today, &actor)
                    .await
                    .map(|()| "reviewed".to_owned()),
            )
        }
        RiskCommand::Plans => {
            for plan in store.plans().await? {
                println!("{}", app::plan_json(&plan));
            }
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Drills => {
            let plans = store.plans().await?;
            let findings = store.drill_findings(None).await?;
            for drill in store.drills(None).await? {
                let plan = plans.iter().find(|p| p.id == drill.plan_id);
                println!("{}", app::drill_json(&drill, plan, &findings, today));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
