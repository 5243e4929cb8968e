//! The report as people read it: every number formatted by `servq_kpi::show`, every label in
//! the reader's language, the charts laid out. The HTML and the PDF draw this one view, so they
//! say the same thing; the XLSX writes the snapshot's raw numbers instead.

use serde::Serialize;
use servq_kpi::{Judgement, change, show};

use crate::chart::{Chart, Series, chart};
use crate::snapshot::{Estimate, Measure, MonthlyReport};

/// The reader's language and the catalogue's texts (`report.*`, `kpi.*`, `targets.*`,
/// `performance.*` keys).
pub struct Labels<'a> {
    /// `zh-CN`, `zh-TW` or `en`: picks the dimension names and the PDF's language.
    pub language: &'a str,
    /// The catalogue text of a key.
    pub text: &'a dyn Fn(&str) -> String,
}

impl Labels<'_> {
    fn t(&self, key: &str) -> String {
        (self.text)(key)
    }

    fn metric(&self, name: &str) -> String {
        self.t(&format!("kpi.{name}"))
    }
}

/// A row of a measure table.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureRow {
    /// The measure's name.
    pub name: String,
    /// This month.
    pub value: String,
    /// The month before.
    pub previous: String,
    /// The change.
    pub change: String,
    /// `better`, `worse` or `neutral`.
    pub judgement: &'static str,
    /// The target.
    pub target: String,
    /// Met / warning / missed, in words.
    pub status: String,
    /// `met`, `warning`, `missed` or empty.
    pub status_class: String,
}

/// A table: a header and rows of cells.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

/// The whole report, ready to draw.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// `lang` of the document.
    pub language: String,
    /// The title.
    pub title: String,
    /// Month, zone, when made, which model.
    pub subtitle: String,
    /// Section headings by key.
    pub headings: std::collections::BTreeMap<&'static str, String>,
    /// Headline measure table header.
    pub measure_header: Vec<String>,
    /// A warning when either month has days without data (a partial comparison).
    pub coverage_note: Option<String>,
    /// Why the ticket table is empty, when it is.
    pub tickets_note: Option<String>,
    /// What "—" means in the team table and how the composite copes.
    pub teams_note: String,
    /// Headline measures.
    pub headline: Vec<MeasureRow>,
    /// Ticket measures.
    pub tickets: Vec<MeasureRow>,
    /// Sentences about significant changes (or one saying there were none).
    pub findings: Vec<String>,
    /// How findings are chosen.
    pub findings_note: String,
    /// Trend charts.
    pub charts: Vec<Chart>,
    /// Team dimension scores.
    pub teams: Table,
    /// Grade distribution by team.
    pub grades: Table,
    /// Best agents.
    pub best: Table,
    /// Bottom agents.
    pub bottom: Table,
    /// QA line (evaluations, mean score).
    pub qa_line: String,
    /// QA problems.
    pub qa_problems: Table,
    /// Survey estimates.
    pub surveys: Table,
    /// Pareto line (cases).
    pub pareto_line: String,
    /// The Pareto.
    pub pareto: Table,
    /// The Pareto chart.
    pub pareto_chart: Option<Chart>,
    /// Forecast line (totals, error).
    pub forecast_line: String,
    /// Forecast against actual.
    pub forecast_chart: Option<Chart>,
    /// "No data" text for empty tables.
    pub empty: String,
    /// The legend entry of a chart's dashed target line.
    pub target_legend: String,
}

/// The change in the reader's words: `servq_kpi::change` writes percentage points and seconds
/// as "pt" and "s"; a count also gets its relative change.
fn change_text(measure: &Measure, labels: &Labels<'_>) -> (String, Judgement) {
    let name = &measure.metric;
    let Some((text, judgement)) = change(name, measure.value, measure.previous) else {
        return ("—".to_owned(), Judgement::Neutral);
    };
    let text = if let Some(number) = text.strip_suffix(" pt") {
        format!("{number}{}", labels.t("report.unit_points"))
    } else if let Some(number) = text.strip_suffix(" s") {
        format!("{number}{}", labels.t("report.unit_seconds"))
    } else {
        text
    };
    let relative = match (measure.value, measure.previous) {
        (Some(now), Some(before))
            if before > 0.0
                && servq_kpi::metric(name).is_some_and(|m| m.unit == servq_kpi::Unit::Count) =>
        {
            format!(" ({:+.1}%)", (now - before) / before * 100.0)
        }
        _ => String::new(),
    };
    (format!("{text}{relative}"), judgement)
}

fn measure_row(measure: &Measure, labels: &Labels<'_>) -> MeasureRow {
    let name = &measure.metric;
    let (change_text, judgement) = change_text(measure, labels);
    let (target, status, status_class) = match &measure.target {
        Some(target) => (
            show(name, Some(target.value)),
            target
                .status
                .as_ref()
                .map_or(String::new(), |s| labels.t(&format!("targets.status_{s}"))),
            target.status.clone().unwrap_or_default(),
        ),
        None => ("—".to_owned(), String::new(), String::new()),
    };
    MeasureRow {
        name: labels.metric(name),
        value: show(name, measure.value),
        previous: show(name, measure.previous),
        change: change_text,
        judgement: judgement.name(),
        target,
        status,
        status_class,
    }
}

/// A score to one decimal, rounded down: 79.95 reads 79.9, so it never looks like it reached a
/// grade's cut (80) that it missed.
fn score(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), |v| {
        format!("{:.1}", (v * 10.0).floor() / 10.0)
    })
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

fn estimate_row(labels: &Labels<'_>, metric: &str, estimate: &Estimate) -> Vec<String> {
    let interval = match (estimate.lower, estimate.upper) {
        (Some(lower), Some(upper)) => {
            format!(
                "{} – {}",
                show(metric, Some(lower)),
                show(metric, Some(upper))
            )
        }
        _ => "—".to_owned(),
    };
    vec![
        labels.metric(metric),
        show(metric, estimate.value),
        interval,
        estimate.n.to_string(),
    ]
}

/// The Pareto chart shows at most this many reasons (the table lists all).
const PARETO_BARS: usize = 20;

/// Lays out `report` for `labels`' reader.
pub fn view(report: &MonthlyReport, labels: &Labels<'_>) -> ReportView {
    let t = |key: &str| labels.t(&format!("report.{key}"));
    let fill = |key: &str, pairs: &[(&str, String)]| {
        pairs.iter().fold(t(key), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    };
    let model = if report.model.version == 0 {
        labels.t("performance.standard_model")
    } else {
        fill(
            "model_version",
            &[
                ("model", report.model.name.clone()),
                ("version", report.model.version.to_string()),
            ],
        )
    };
    // "2026-12-01T06:00:03+08:00" reads as "2026-12-01 06:00"
    let generated = report
        .generated_at
        .get(..16)
        .unwrap_or(&report.generated_at)
        .replace('T', " ");
    let subtitle = fill(
        "subtitle",
        &[
            ("month", report.month.clone()),
            ("zone", report.time_zone.clone()),
            ("generated", generated),
            ("model", model),
        ],
    );
    let headings = [
        "headline", "findings", "trends", "teams", "grades", "agents", "best", "bottom", "qa",
        "surveys", "pareto", "tickets", "forecast",
    ]
    .into_iter()
    .map(|key| (key, t(&format!("heading_{key}"))))
    .collect();
    let findings = if report.findings.is_empty() {
        vec![t("no_findings")]
    } else {
        report
            .findings
            .iter()
            .map(|finding| {
                fill(
                    &format!("finding_{}", finding.judgement),
                    &[
                        ("metric", labels.metric(&finding.metric)),
                        ("before", show(&finding.metric, Some(finding.previous))),
                        ("now", show(&finding.metric, Some(finding.value))),
                        (
                            "p",
                            if finding.p_value < 0.001 {
                                "< 0.001".to_owned()
                            } else {
                                format!("= {:.3}", finding.p_value)
                            },
                        ),
                    ],
                )
            })
            .collect()
    };
    let day_label = |i: usize| {
        report
            .daily
            .days
            .get(i)
            .map_or(String::new(), |day| day.get(8..).unwrap_or(day).to_owned())
    };
    let days = report.daily.days.len();
    let series = |metric: &str| report.daily.series.get(metric).cloned().unwrap_or_default();
    let target_of = |metric: &str| {
        report
            .headline
            .iter()
            .chain(&report.tickets)
            .find(|m| m.metric == metric)
            .and_then(|m| m.target.as_ref())
            .map(|target| {
                (
                    target.value,
                    format!("{} {}", t("target"), show(metric, Some(target.value))),
                )
            })
    };
    let mut charts: Vec<Chart> = Vec::new();
    for metric in ["offered", "service_level", "csat", "aht_seconds"] {
        let values = series(metric);
        if values.iter().all(Option::is_none) {
            continue;
        }
        let bars = metric == "offered";
        charts.push(chart(
            fill("chart_daily", &[("metric", labels.metric(metric))]),
            days,
            day_label,
            &[Series {
                label: labels.metric(metric),
                values: &values,
                bars,
            }],
            if bars { None } else { target_of(metric) },
            |v| show(metric, Some(v)),
        ));
    }
    let dimension_names: Vec<String> = report
        .dimensions
        .iter()
        .map(|d| {
            d.names
                .get(labels.language)
                .or_else(|| d.names.get("en"))
                .cloned()
                .unwrap_or_else(|| d.id.clone())
        })
        .collect();
    let mut team_header = vec![t("team")];
    team_header.extend(dimension_names.iter().cloned());
    team_header.extend([t("composite"), t("grade")]);
    let teams = Table {
        header: team_header,
        rows: report
            .teams
            .iter()
            .map(|team| {
                let mut row = vec![team.team.clone()];
                row.extend(team.scores.iter().map(|s| score(*s)));
                row.push(score(team.composite));
                row.push(team.grade.clone().unwrap_or_else(|| "—".into()));
                row
            })
            .collect(),
    };
    let mut grade_header = vec![t("team")];
    grade_header.extend(report.grades.iter().cloned());
    let grades = Table {
        header: grade_header,
        rows: report
            .teams
            .iter()
            .map(|team| {
                let mut row = vec![team.team.clone()];
                row.extend(team.grade_counts.iter().map(usize::to_string));
                row
            })
            .collect(),
    };
    let agent_table = |agents: &[crate::snapshot::AgentScore]| Table {
        header: vec![t("agent"), t("team"), t("composite"), t("grade")],
        rows: agents
            .iter()
            .map(|agent| {
                vec![
                    agent.name.clone(),
                    agent.team.clone(),
                    score(Some(agent.composite)),
                    agent.grade.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect(),
    };
    let qa = &report.qa;
    let qa_line = if qa.evaluations == 0 {
        t("qa_none")
    } else {
        fill(
            "qa_line",
            &[
                ("evaluations", qa.evaluations.to_string()),
                ("score", show("qa_score", qa.mean_score)),
                ("previous", show("qa_score", qa.previous_mean_score)),
            ],
        )
    };
    let qa_problems = Table {
        header: vec![
            t("problem"),
            t("kind"),
            t("share"),
            t("agents"),
            t("remedy"),
        ],
        rows: qa
            .problems
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    labels.t(&format!("performance.problem_{}", p.kind)),
                    percent(p.share),
                    p.agents.to_string(),
                    t(if p.common {
                        "remedy_training"
                    } else {
                        "remedy_coaching"
                    }),
                ]
            })
            .collect(),
    };
    let s = &report.surveys;
    let surveys = Table {
        header: vec![t("measure"), t("value"), t("interval"), t("answers")],
        rows: vec![
            estimate_row(labels, "survey_response_rate", &s.response_rate),
            estimate_row(labels, "csat", &s.csat),
            estimate_row(labels, "csat_mean", &s.csat_mean),
            estimate_row(labels, "nps", &s.nps),
            estimate_row(labels, "ces", &s.ces),
        ],
    };
    let pareto_line = fill(
        "pareto_line",
        &[
            ("cases", report.pareto.cases.to_string()),
            ("bars", PARETO_BARS.to_string()),
        ],
    );
    let pareto = Table {
        header: vec![
            "#".to_owned(),
            t("reason"),
            t("cases"),
            t("share"),
            t("cumulative"),
            t("vital"),
        ],
        rows: report
            .pareto
            .rows
            .iter()
            .enumerate()
            .map(|(rank, row)| {
                vec![
                    (rank + 1).to_string(),
                    row.names
                        .get(labels.language)
                        .filter(|n| !n.is_empty())
                        .unwrap_or(&row.name)
                        .clone(),
                    row.cases.to_string(),
                    percent(row.share),
                    percent(row.cumulative_share),
                    if row.vital {
                        "●".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect(),
    };
    let pareto_rows: Vec<_> = report.pareto.rows.iter().take(PARETO_BARS).collect();
    let pareto_chart = (!pareto_rows.is_empty()).then(|| {
        let shares: Vec<Option<f64>> = pareto_rows.iter().map(|r| Some(r.share)).collect();
        let cumulative: Vec<Option<f64>> = pareto_rows
            .iter()
            .map(|r| Some(r.cumulative_share))
            .collect();
        chart(
            t("heading_pareto"),
            pareto_rows.len(),
            |i| (i + 1).to_string(),
            &[
                Series {
                    label: t("share"),
                    values: &shares,
                    bars: true,
                },
                Series {
                    label: t("cumulative"),
                    values: &cumulative,
                    bars: false,
                },
            ],
            Some((0.8, "80%".into())),
            percent,
        )
    });
    let (forecast_line, forecast_chart) = match &report.forecast {
        Some(forecast) => {
            let predicted: Vec<Option<f64>> = forecast.forecast.iter().map(|v| Some(*v)).collect();
            (
                fill(
                    "forecast_line",
                    &[
                        ("forecast", format!("{:.0}", forecast.forecast_total())),
                        ("actual", format!("{:.0}", forecast.actual_total())),
                        (
                            "wape",
                            forecast
                                .daily_wape()
                                .map_or("—".into(), |w| format!("{:.1}%", w * 100.0)),
                        ),
                        ("weeks", forecast.history_weeks.to_string()),
                    ],
                ),
                Some(chart(
                    t("heading_forecast"),
                    days,
                    day_label,
                    &[
                        Series {
                            label: t("actual"),
                            values: &forecast.actual,
                            bars: true,
                        },
                        Series {
                            label: t("forecast"),
                            values: &predicted,
                            bars: false,
                        },
                    ],
                    None,
                    |v| format!("{v:.0}"),
                )),
            )
        }
        None => (t("no_forecast"), None),
    };
    ReportView {
        language: labels.language.to_owned(),
        title: fill("title", &[("month", report.month.clone())]),
        subtitle,
        headings,
        measure_header: vec![
            t("measure"),
            t("this_month"),
            fill("previous", &[("month", report.previous_month.clone())]),
            t("change"),
            t("target"),
            t("status"),
        ],
        headline: report
            .headline
            .iter()
            .map(|m| measure_row(m, labels))
            .collect(),
        tickets: report
            .tickets
            .iter()
            .map(|m| measure_row(m, labels))
            .collect(),
        coverage_note: {
            let days = report.daily.days.len();
            let partial = |with: usize| with > 0 && with < days.saturating_sub(3);
            (partial(report.days_with_data)
                || partial(report.previous_days_with_data)
                || (report.previous_days_with_data == 0 && report.days_with_data > 0))
                .then(|| {
                    fill(
                        "coverage_note",
                        &[
                            ("days", report.days_with_data.to_string()),
                            ("previous_days", report.previous_days_with_data.to_string()),
                        ],
                    )
                })
        },
        tickets_note: report
            .tickets
            .iter()
            .find(|m| m.metric == "tickets_created")
            .is_none_or(|m| m.value.unwrap_or(0.0) == 0.0)
            .then(|| t("tickets_none")),
        teams_note: t("teams_note"),
        findings,
        findings_note: t("findings_note"),
        charts,
        teams,
        grades,
        best: agent_table(&report.best_agents),
        bottom: agent_table(&report.bottom_agents),
        qa_line,
        qa_problems,
        surveys,
        pareto_line,
        pareto,
        pareto_chart,
        forecast_line,
        forecast_chart,
        empty: t("empty"),
        target_legend: t("target"),
    }
}
