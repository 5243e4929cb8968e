//! Transcript import (JSONL, one contact per line:
//! `{"contact_id":…,"turns":[{"speaker":"agent|customer","start":s,"end":s,"text":…}]}`): every
//! line is parsed and checked, scanned by the automated-QA rules, and written with its hits in
//! one transaction — or, if any line is bad, nothing is written and every bad line is reported.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read},
    path::Path,
};

use servq_qa::{Scanner, Transcript};
use servq_store::{ImportSummary, Store, StoredHit};

use crate::{Outcome, PipelineError, ReadError, Rejection};

fn check(transcript: &Transcript) -> Result<(), (String, String)> {
    if transcript.contact_id.trim().is_empty() {
        return Err(("contact_id".into(), "is empty".into()));
    }
    if transcript.contact_id.chars().count() > 128 {
        return Err(("contact_id".into(), "is longer than 128 characters".into()));
    }
    for (index, turn) in transcript.turns.iter().enumerate() {
        if !(turn.start.is_finite() && turn.end.is_finite() && turn.start >= 0.0) {
            return Err((
                format!("turns[{index}]"),
                "start and end must be seconds ≥ 0".into(),
            ));
        }
        if turn.end < turn.start {
            return Err((
                format!("turns[{index}]"),
                format!("ends ({}) before it starts ({})", turn.end, turn.start),
            ));
        }
    }
    Ok(())
}

/// Imports the transcripts of `path` (named `name` in messages), scanning each with `scanner`.
pub async fn import_transcripts(
    store: &Store,
    path: &Path,
    name: &str,
    scanner: &Scanner,
    max_errors: usize,
    now_ms: i64,
) -> Result<Outcome, PipelineError> {
    let io_error = |source| ReadError::Io {
        path: name.to_owned(),
        source,
    };
    let mut reader = BufReader::new(std::fs::File::open(path).map_err(io_error)?);
    let mut pending = store.begin_transcript_import(now_ms).await?;
    let mut rejection = Rejection::default();
    let mut first_lines: HashMap<String, u64> = HashMap::new();
    let mut summary = ImportSummary::default();
    let mut line = String::new();
    let mut number = 0u64;
    let reject = |rejection: &mut Rejection, line: u64, column: String, reason: String| {
        rejection.add_row(line, [(column, reason)], max_errors);
    };
    loop {
        line.clear();
        // a line is read up to the limit, never whole whatever its size
        let limit = crate::MAX_LINE_BYTES + 1;
        if (&mut reader)
            .take(limit)
            .read_line(&mut line)
            .map_err(io_error)?
            == 0
        {
            break;
        }
        if line.len() as u64 >= limit && !line.ends_with('\n') {
            return Err(ReadError::Io {
                path: name.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {} is longer than {} MiB",
                        number + 1,
                        crate::MAX_LINE_BYTES / (1024 * 1024)
                    ),
                ),
            }
            .into());
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let transcript: Transcript = match serde_json::from_str(&line) {
            Ok(transcript) => transcript,
            Err(error) => {
                reject(&mut rejection, number, "json".into(), error.to_string());
                continue;
            }
        };
        if let Err((column, reason)) = check(&transcript) {
            reject(&mut rejection, number, column, reason);
            continue;
        }
        if let Some(first) = first_lines.get(&transcript.contact_id) {
            reject(
                &mut rejection,
                number,
                "contact_id".into(),
                format!(
                    "'{}' appears again (first on line {first})",
                    transcript.contact_id
                ),
            );
            continue;
        }
        first_lines.insert(transcript.contact_id.clone(), number);
        summary.rows += 1;
        if rejection.error_count > 0 {
            // a bad file is written nowhere: keep checking, stop writing
            continue;
        }
        let hits: Vec<StoredHit> = scanner
            .scan(&transcript)
            .into_iter()
            .map(|hit| StoredHit {
                rule: hit.rule,
                kind: hit.kind.name().to_owned(),
                turn: hit.turn.map(|t| t as i64),
                at_ms: (hit.at_seconds * 1000.0).round() as i64,
                text: hit.text,
            })
            .collect();
        let turns = serde_json::to_string(&transcript.turns).unwrap_or_else(|_| "[]".into());
        if pending.push(&transcript.contact_id, &turns, &hits).await? {
            summary.updated += 1;
        } else {
            summary.inserted += 1;
        }
    }
    if rejection.error_count > 0 {
        return Ok(Outcome::Rejected(rejection));
    }
    pending.commit().await?;
    Ok(Outcome::Imported(summary))
}

/// The centre's automated-QA rules: the newest saved rule set (its version), else the shipped
/// defaults (version `None`).
pub async fn centre_rules(
    store: &Store,
) -> Result<(Option<i64>, servq_qa::RuleSet), PipelineError> {
    match store.qa_rules().await? {
        Some((version, text)) => {
            let rules = servq_qa::RuleSet::parse(&text).map_err(|error| {
                PipelineError::Rules(format!("stored rule set {version}: {error}"))
            })?;
            Ok((Some(version), rules))
        }
        None => Ok((None, servq_qa::RuleSet::default_rules())),
    }
}
