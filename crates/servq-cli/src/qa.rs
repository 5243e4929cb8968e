//! `servq qa scan`: automated QA of transcripts (JSONL, one contact per line) against a rule
//! set (TOML; the shipped defaults when none is given). Prints one JSON object per contact:
//! `{"contact_id":…,"hits":[{"rule","kind","turn","at_seconds","text"}]}`, or a table.
//! A line that is not a transcript is reported as `file:line: reason`; the others are still
//! scanned, and the exit code is then 1.

use std::{
    io::{BufRead, BufReader, BufWriter, Write},
    path::PathBuf,
    process::ExitCode,
};

use anyhow::{Context, Result};
use std::borrow::Cow;

use servq_qa::{RuleSet, Scanner, Speaker, TurnRef};

/// A transcript line as read: text borrowed from the line where it has no escapes.
#[derive(serde::Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    contact_id: Cow<'a, str>,
    #[serde(borrow)]
    turns: Vec<LineTurn<'a>>,
}

#[derive(serde::Deserialize)]
struct LineTurn<'a> {
    speaker: Speaker,
    #[serde(alias = "start_seconds")]
    start: f64,
    #[serde(alias = "end_seconds")]
    end: f64,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

#[derive(Debug, clap::Subcommand)]
pub enum QaCommand {
    /// Scan transcripts for forbidden and missing phrases, interruptions, silences, over-talk.
    Scan(ScanArgs),
    /// Print the default rule set (TOML), to copy and edit.
    DefaultRules,
    /// Print the centre's rule set (the one imported transcripts are scanned with), or store a
    /// new version of it from a TOML file (checked first).
    Rules {
        /// The rule set to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ScanFormat {
    /// One JSON object per contact per line.
    Json,
    /// One line per hit.
    Table,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Rule set (TOML); default: the shipped rules (`servq qa default-rules`).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Transcripts, JSONL: {"contact_id":…,"turns":[{"speaker":"agent|customer","start":s,"end":s,"text":…}]}.
    #[arg(long)]
    transcripts: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: ScanFormat,
    /// Leave out contacts without hits.
    #[arg(long)]
    only_hits: bool,
}

pub async fn run(config: &crate::config::Config, command: QaCommand) -> Result<ExitCode> {
    match command {
        QaCommand::DefaultRules => {
            print!("{}", servq_qa::DEFAULT_RULES);
            Ok(ExitCode::SUCCESS)
        }
        QaCommand::Scan(args) => scan(args),
        QaCommand::Rules { set: None } => {
            let store = config.open_store().await?;
            match store.qa_rules().await? {
                Some((version, text)) => {
                    eprintln!("rule set version {version}");
                    print!("{text}");
                }
                None => {
                    eprintln!("no rule set saved: the shipped rules are used");
                    print!("{}", servq_qa::DEFAULT_RULES);
                }
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        QaCommand::Rules { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading rules {}", path.display()))?;
            let rules = RuleSet::parse(&text).with_context(|| format!("{}", path.display()))?;
            Scanner::new(rules).with_context(|| format!("{}", path.display()))?;
            let store = config.open_store().await?;
            let version = store
                .save_qa_rules(&text, &servq_app::cli_actor(), servq_app::now_ms())
                .await?;
            eprintln!("rule set version {version} stored; transcripts imported from now on use it");
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn scan(args: ScanArgs) -> Result<ExitCode> {
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading rules {}", path.display()))?;
            RuleSet::parse(&text).with_context(|| format!("{}", path.display()))?
        }
        None => RuleSet::default_rules(),
    };
    let scanner = Scanner::new(rules).with_context(|| {
        args.rules
            .as_ref()
            .map_or("the default rules".to_owned(), |p| p.display().to_string())
    })?;
    let file = std::fs::File::open(&args.transcripts)
        .with_context(|| format!("opening {}", args.transcripts.display()))?;
    let name = args.transcripts.display().to_string();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut bad_lines = 0u64;
    let mut line = String::new();
    for number in 1.. {
        line.clear();
        if reader
            .read_line(&mut line)
            .with_context(|| format!("{name}:{number}: reading"))?
            == 0
        {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let transcript: Line<'_> = match serde_json::from_str(&line) {
            Ok(transcript) => transcript,
            Err(error) => {
                bad_lines += 1;
                eprintln!("{name}:{number}: {error}");
                continue;
            }
        };
        let turns: Vec<TurnRef<'_>> = transcript
            .turns
            .iter()
            .map(|turn| TurnRef {
                speaker: turn.speaker,
                start: turn.start,
                end: turn.end,
                text: &turn.text,
            })
            .collect();
        let hits = scanner.scan_turns(&turns);
        if args.only_hits && hits.is_empty() {
            continue;
        }
        match args.format {
            ScanFormat::Json => {
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"contact_id": transcript.contact_id, "hits": hits}),
                )?;
                out.write_all(b"\n")?;
            }
            ScanFormat::Table => {
                for hit in &hits {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{:.1}\t{}",
                        transcript.contact_id,
                        hit.rule,
                        serde_json::to_value(hit.kind)?.as_str().unwrap_or(""),
                        hit.turn.map_or("-".to_owned(), |t| t.to_string()),
                        hit.at_seconds,
                        hit.text
                    )?;
                }
            }
        }
    }
    out.flush()?;
    if bad_lines > 0 {
        eprintln!(
            "{name}: {bad_lines} line(s) are not transcripts (listed above); the others were scanned"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
