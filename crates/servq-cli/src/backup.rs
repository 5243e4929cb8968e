//! `servq backup`, `servq restore` and `servq store copy` (docs/operations.md).

use std::{path::PathBuf, process::ExitCode};

use anyhow::Result;
use servq_app::backup::{self, BackupPlan, CopyRequest, CopyStep};

use crate::{
    admin::ListFormat,
    config::{Config, redact},
};

/// `servq backup`: a snapshot of the store into one file, or a check of such a file.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    /// The backup file to write (a consistent snapshot, also while `servq serve` runs; written
    /// as FILE.partial and renamed when complete).
    #[arg(long, required = true)]
    output: Option<PathBuf>,
    /// `table` (a summary) or `json` (the manifest).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
    #[command(subcommand)]
    command: Option<BackupCommand>,
}

#[derive(Debug, clap::Subcommand)]
pub enum BackupCommand {
    /// Read a backup through and check it: checksum, every row, counts and digests per table.
    /// Exit 0 only when it is whole.
    Verify {
        /// The backup file.
        file: PathBuf,
        /// `table` (a summary) or `json` (the manifest).
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// `servq restore FILE`: a backup loaded into the (new, empty) store named by `--db`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file.
    file: PathBuf,
    /// Continue a load of the same file that was interrupted.
    #[arg(long)]
    resume: bool,
    /// `table` (a summary) or `json`.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// `servq store …`
#[derive(Debug, clap::Subcommand)]
pub enum StoreCommand {
    /// Move a store to another database (SQLite → PostgreSQL or back): a backup of --from
    /// loaded into the new, empty --to in batches, then every table compared with the backup
    /// and every day's KPIs compared on both sides. Stop the servers on --from first. Exit 0
    /// only when the verification passed.
    Copy {
        /// The store to copy (e.g. sqlite:///var/lib/servq/servq.db).
        #[arg(long, required_unless_present = "from_backup")]
        from: Option<String>,
        /// The new store (e.g. postgres://servq@db/servq); must be empty.
        #[arg(long)]
        to: String,
        /// Load this backup instead of taking one of --from.
        #[arg(long)]
        from_backup: Option<PathBuf>,
        /// Where the backup of --from is written and kept [default: servq-copy-TIME.servq-backup]
        #[arg(long)]
        backup: Option<PathBuf>,
        /// Continue an interrupted copy into --to from the backup file it was loading.
        #[arg(long)]
        resume: bool,
        /// `table` (a summary) or `json`.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// Where `serve` (and `servq jobs run backup`) put the nightly backup.
#[derive(Debug, Clone, clap::Args)]
pub struct BackupPlanArgs {
    /// Folder for the nightly backup (job `backup`, 03:15 in the centre's zone); none: no
    /// scheduled backups.
    #[arg(long, env = "SERVQ_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// Daily backups kept.
    #[arg(long, env = "SERVQ_BACKUP_KEEP_DAILY", default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..))]
    backup_keep_daily: u16,
    /// Weekly backups kept (the newest of each week).
    #[arg(long, env = "SERVQ_BACKUP_KEEP_WEEKLY", default_value_t = 4)]
    backup_keep_weekly: u16,
}

impl BackupPlanArgs {
    pub fn plan(&self) -> Option<BackupPlan> {
        self.backup_dir.as_ref().map(|dir| BackupPlan {
            dir: dir.clone(),
            keep_daily: usize::from(self.backup_keep_daily),
            keep_weekly: usize::from(self.backup_keep_weekly),
        })
    }
}

fn spinner() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn print_manifest(manifest: &backup::Manifest, format: ListFormat, headline: &str) -> Result<()> {
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(manifest)?),
        ListFormat::Table => {
            println!("{headline}");
            println!(
                "backup {} of a {} store at schema {}, taken {} by servq {}",
                manifest.header.backup_id,
                manifest.header.engine,
                manifest.header.schema_version,
                manifest.header.created_at,
                manifest.header.servq_version
            );
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::NOTHING);
            table.set_header(["table", "rows"]);
            for (name, entry) in manifest
                .tables
                .keys()
                .filter_map(|n| manifest.table(n).map(|e| (n, e)))
            {
                if entry.rows > 0 {
                    table.add_row([name.clone(), entry.rows.to_string()]);
                }
            }
            println!("{table}");
            println!(
                "{} rows in {} tables (empty tables not listed); sha256 {}",
                manifest.total_rows(),
                manifest.tables.len(),
                manifest.sha256
            );
        }
    }
    Ok(())
}

pub async fn backup(config: &Config, args: BackupArgs) -> Result<ExitCode> {
    match (args.command, args.output) {
        (Some(BackupCommand::Verify { file, format }), _) => {
            let contents = backup::verify(&file)?;
            print_manifest(
                &contents.manifest,
                format,
                &format!("{}: whole and readable", file.display()),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        (None, Some(output)) => {
            let store = config.open_store().await?;
            let bar = spinner();
            let summary = backup::backup(&store, &output, |table, rows| {
                bar.set_message(format!("{table}: {rows} rows"));
            })
            .await;
            bar.finish_and_clear();
            store.close().await;
            let summary = summary?;
            print_manifest(
                &summary.manifest,
                args.format,
                &format!("{}: {} bytes", summary.file, summary.bytes),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => anyhow::bail!("--output FILE is needed (or `servq backup verify FILE`)"),
    }
}

pub async fn restore(config: &Config, args: RestoreArgs) -> Result<ExitCode> {
    let bar = spinner();
    let restored = backup::restore(
        &args.file,
        &config.database_url,
        args.resume,
        |table, done, all| {
            bar.set_message(format!("{table}: {done}/{all} rows"));
        },
    )
    .await;
    bar.finish_and_clear();
    let (store, summary) = restored?;
    store.close().await;
    match args.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        ListFormat::Table => println!(
            "restored {} rows of backup {} into {}{}; every table checked against the backup",
            summary.manifest.total_rows(),
            summary.manifest.header.backup_id,
            redact(&config.database_url),
            if summary.resumed {
                format!(
                    " (resumed: {} rows loaded by this run)",
                    summary.loaded_rows
                )
            } else {
                String::new()
            }
        ),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn store(command: StoreCommand) -> Result<ExitCode> {
    let StoreCommand::Copy {
        from,
        to,
        from_backup,
        backup,
        resume,
        format,
    } = command;
    let backup_file = backup.unwrap_or_else(|| {
        let now = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
        PathBuf::from(format!("servq-copy-{now}.{}", backup::EXTENSION))
    });
    let request = CopyRequest {
        from,
        from_backup,
        to: to.clone(),
        backup_file,
        resume,
    };
    let bar = spinner();
    let copied = backup::copy(&request, |step| match step {
        CopyStep::Backup(table, rows) => bar.set_message(format!("backup: {table}: {rows} rows")),
        CopyStep::Load(table, done, all) => {
            bar.set_message(format!("load: {table}: {done}/{all} rows"))
        }
        CopyStep::Verify => bar.set_message("comparing the two stores"),
    })
    .await;
    bar.finish_and_clear();
    let (target, report) = copied?;
    target.close().await;
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        ListFormat::Table => {
            println!(
                "copied {} rows into {} from {}; every table equals the backup row for row",
                report.restore.manifest.total_rows(),
                redact(&to),
                report.backup_file
            );
            if report.source_unchanged == Some(true) {
                println!(
                    "the source still equals the backup, and the KPIs of all {} days (every metric) are equal on both sides",
                    report.kpi_days_compared
                );
            }
            println!(
                "next: point servq at the new store — database_url = \"{}\" in servq.toml, or --db / SERVQ_DATABASE_URL — and start the servers",
                redact(&to)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
