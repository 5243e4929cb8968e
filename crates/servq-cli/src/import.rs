//! `servq import`: reads a file row by row, parses every row into a domain type, stages the good
//! ones in one transaction and commits only if the whole file is clean. Every bad row is reported
//! as `file:line: column: reason` (capped, with the total counted); then nothing is written.

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use servq_app::imports::{FileImport, FileKind, TableOptions, import_file};
use servq_desk::ledger::LedgerKind;
use servq_import::{ColumnMap, Outcome, Phase, TextEncoding};

use crate::config::Config;

/// What the command line names: a kind of file, or `ledger` with `--ledger`.
#[derive(Debug, Clone, Copy)]
enum KindArg {
    /// A kind by its own name (`ledger_lending` included).
    Kind(FileKind),
    /// `ledger`: which one comes from `--ledger`.
    Ledger,
    /// `watch`: the path is a folder, the kind comes from `--kind`.
    Watch,
}

/// The kinds of file, with their help texts, for clap.
fn file_kind_parser() -> impl clap::builder::TypedValueParser<Value = KindArg> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let kinds = FileKind::ALL
        .into_iter()
        .filter(|kind| !matches!(kind, FileKind::Ledger(_)))
        .map(|kind| {
            let value = PossibleValue::new(kind.name()).help(kind.about());
            // the command line has always written agent-states and survey-results
            if kind.name().contains('_') {
                value.alias(kind.name().replace('_', "-"))
            } else {
                value
            }
        });
    let ledger = PossibleValue::new("ledger").help(
        "a front-desk ledger (--ledger lending|lost_found|medicine|membership|paid_services), \
         keyed by entry_id",
    );
    let watch = PossibleValue::new("watch").help(
        "watch a folder (the path): each file dropped there is imported once as --kind and moved \
         to done/ or failed/ with its error report",
    );
    PossibleValuesParser::new(kinds.chain([ledger, watch])).try_map(|name| match name.as_str() {
        "ledger" => Ok(KindArg::Ledger),
        "watch" => Ok(KindArg::Watch),
        _ => FileKind::parse(&name)
            .map(KindArg::Kind)
            .ok_or_else(|| format!("no file kind '{name}'")),
    })
}

/// The ledgers, for `--ledger`.
fn ledger_parser() -> impl clap::builder::TypedValueParser<Value = LedgerKind> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(LedgerKind::ALL.map(LedgerKind::name))
        .try_map(|name| LedgerKind::parse(&name).ok_or_else(|| format!("no ledger '{name}'")))
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_parser = file_kind_parser())]
    kind: KindArg,
    /// Which ledger a `ledger` file is.
    #[arg(long, value_parser = ledger_parser())]
    ledger: Option<LedgerKind>,
    /// CSV or XLSX file (with `watch`: the folder).
    file: PathBuf,
    /// `watch`: what the folder's files hold (a kind as above, e.g. contacts).
    #[arg(long = "kind", value_parser = file_kind_parser())]
    kind_flag: Option<KindArg>,
    /// `watch`: one pass over the folder, then exit (for cron or a systemd timer).
    #[arg(long)]
    once: bool,
    /// `watch`: seconds between passes.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    /// `watch`: a file is taken once it has not changed for this many seconds (an export still
    /// being written waits).
    #[arg(long, default_value_t = 10)]
    settle: u64,
    /// Column mapping for other systems' exports: servq_name=their_name,...
    #[arg(long)]
    map: Option<String>,
    /// A file of servq_name=their_name lines (`#` comments allowed); --map pairs win over it.
    #[arg(long)]
    map_file: Option<PathBuf>,
    /// Text encoding of a CSV file: utf-8 (BOM allowed), gbk/gb18030, or auto (UTF-8 when the
    /// first 64 KiB are UTF-8, GB18030 otherwise).
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Sheet of an XLSX file (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Most row errors to print; all are counted.
    #[arg(long, default_value_t = 100)]
    max_errors: usize,
    /// Transcripts: the automated-QA rule set (TOML) to scan them with; default: the centre's
    /// saved rule set (`servq qa rules --set`), else the shipped rules.
    #[arg(long)]
    rules: Option<PathBuf>,
}

fn progress_bar(label: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(0), target);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {percent}% {elapsed_precise} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(label.to_owned());
    bar
}

pub async fn run(config: &Config, args: ImportArgs) -> Result<ExitCode> {
    let kind = match (args.kind, args.ledger) {
        (KindArg::Watch, ledger) => match (args.kind_option(), ledger) {
            (Some(KindArg::Kind(kind)), None) => kind,
            (Some(KindArg::Ledger), Some(ledger)) => FileKind::Ledger(ledger),
            _ => anyhow::bail!(
                "say what the folder's files hold: --kind contacts (or another kind; --kind ledger --ledger NAME)"
            ),
        },
        (KindArg::Kind(kind), None) => kind,
        (KindArg::Ledger, Some(ledger)) => FileKind::Ledger(ledger),
        (KindArg::Ledger, None) => anyhow::bail!(
            "say which ledger the file is: --ledger lending|lost_found|medicine|membership|paid_services"
        ),
        (KindArg::Kind(_), Some(_)) => anyhow::bail!("--ledger goes with `servq import ledger`"),
    };
    let mut map = ColumnMap::default();
    if let Some((columns, _)) = kind.columns() {
        if let Some(map_file) = &args.map_file {
            let text = std::fs::read_to_string(map_file)
                .with_context(|| format!("reading mapping file {}", map_file.display()))?;
            map.extend(ColumnMap::parse(&text, columns)?);
        }
        if let Some(pairs) = &args.map {
            map.extend(ColumnMap::parse(pairs, columns)?);
        }
    }
    let encoding = TextEncoding::parse(&args.encoding).with_context(|| {
        format!(
            "--encoding '{}' is not one of utf-8, gbk, gb18030, auto",
            args.encoding
        )
    })?;
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading rules {}", path.display()))?;
            Some(servq_qa::RuleSet::parse(&text).with_context(|| path.display().to_string())?)
        }
        None => None,
    };
    if matches!(args.kind, KindArg::Watch) {
        return watch(
            config,
            &args,
            kind,
            TableOptions {
                map,
                encoding,
                sheet: args.sheet.clone(),
            },
        )
        .await;
    }
    let path = args.file.display().to_string();
    let store = config.open_store().await?;
    let started = Instant::now();
    let bar = progress_bar(&format!("reading {path}"));
    let show = |progress: servq_import::Progress| match progress.phase {
        Phase::Reading => {
            tracing::info!(rows = progress.rows, "staged");
            bar.set_length(progress.total);
            bar.set_position(progress.done);
        }
        Phase::Merging => {
            // merging has no countable steps: show that it is alive and for how long
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed_precise}")
                    .expect("static template"),
            );
            bar.set_message(format!("merging {path} and updating KPI rollups"));
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
    };
    let actor = servq_store::Actor {
        user_id: None,
        name: "import".to_owned(),
    };
    let outcome = import_file(
        &store,
        FileImport {
            kind,
            path: &args.file,
            name: &path,
            table: TableOptions {
                map,
                encoding,
                sheet: args.sheet.clone(),
            },
            zone: &config.zone,
            max_errors: args.max_errors,
            actor: &actor,
            rules,
        },
        show,
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    Ok(report(&path, outcome?, started))
}

/// Prints what an import did (or every error of a refused file) and gives the exit code.
fn report(path: &str, outcome: Outcome, started: Instant) -> ExitCode {
    match outcome {
        Outcome::Imported(summary) => {
            eprintln!(
                "{path}: imported {} row(s): {} new, {} updated, {} unchanged ({:.1} s)",
                summary.rows,
                summary.inserted,
                summary.updated,
                summary.unchanged,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Outcome::Rejected(rejection) => {
            for error in &rejection.errors {
                eprintln!("{path}:{}: {}: {}", error.line, error.column, error.reason);
            }
            let shown = rejection.errors.len() as u64;
            if rejection.error_count > shown {
                eprintln!(
                    "… and {} more errors not shown (--max-errors)",
                    rejection.error_count - shown
                );
            }
            eprintln!(
                "{path}: nothing imported: {} bad row(s), {} error(s); fix them and import the file again",
                rejection.bad_rows, rejection.error_count
            );
            ExitCode::from(1)
        }
    }
}

impl ImportArgs {
    /// `--kind` of `watch` (`servq import watch DIR --kind contacts`).
    fn kind_option(&self) -> Option<KindArg> {
        self.kind_flag
    }
}

/// `servq import watch DIR --kind KIND`: passes over the folder until stopped (or one with
/// `--once`); one JSON line per file taken on standard output.
async fn watch(
    config: &Config,
    args: &ImportArgs,
    kind: FileKind,
    table: TableOptions,
) -> Result<ExitCode> {
    let dir = &args.file;
    anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
    let options = servq_app::watch::WatchOptions {
        kind,
        table,
        zone: config.zone.clone(),
        settle: std::time::Duration::from_secs(args.settle),
    };
    let store = config.open_store().await?;
    eprintln!(
        "watching {} for {} files (done/ and failed/ beside them){}",
        dir.display(),
        kind.name(),
        if args.once { ", one pass" } else { "" }
    );
    let mut failed = false;
    loop {
        match servq_app::watch::pass(&store, dir, &options).await {
            Ok(taken) => {
                for file in &taken {
                    failed |= file.outcome == "rejected" || file.outcome == "unreadable";
                    println!("{}", serde_json::to_string(file)?);
                }
            }
            // the database or the folder failed: said, and tried again at the next pass
            Err(error) if !args.once => eprintln!("error: {error:#}"),
            Err(error) => {
                store.close().await;
                return Err(error);
            }
        }
        if args.once {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(args.interval)).await;
    }
    store.close().await;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
