//! The monthly quality report: reads a month from the store into a [`MonthlyReport`] snapshot
//! (headline KPIs against the month before and the targets, daily trends, team and agent grades,
//! QA problems, survey intervals, the unsatisfied-review Pareto, ticket measures, forecast
//! against actual, and the changes that pass a significance check), stores it, and renders a
//! stored snapshot as HTML, PDF or XLSX in the reader's language. The scheduled job makes the
//! previous month's report on the 1st and mails its recipients.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use jiff::{Span, civil::Date};
use servq_kpi::{Better, Dimension, Judgement, MetricValue};
use servq_report::{
    AgentScore, Daily, DimensionName, Finding, Fonts, ForecastSummary, Labels, Measure, ModelRef,
    MonthlyReport, ParetoLine, ParetoSummary, QaProblem, QaSummary, TargetRef, TeamScore,
};
use servq_store::{Actor, GroupField, KpiGroup, KpiQuery, ReportOrigin, Store, TimeGrain};

use crate::evaluation::{EvaluationRequest, evaluate};
use crate::i18n::{Locale, t};
use crate::{centre_zone, day_start_ms, now_ms};

/// The report kind stored in `reports.kind`.
pub const KIND: &str = "monthly";

/// Headline service measures, in the order the report lists them.
pub const HEADLINE: [&str; 13] = [
    "offered",
    "answer_rate",
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "aht_seconds",
    "fcr_rate",
    "transfer_rate",
    "occupancy",
    "qa_score",
    "csat",
    "nps",
    "ces",
];

/// Ticket and complaint measures.
pub const TICKET_MEASURES: [&str; 7] = [
    "tickets_created",
    "first_response_seconds",
    "sla_attainment",
    "ticket_resolution_rate",
    "complaints",
    "complaints_in_24h_rate",
    "complaint_rate",
];

/// Measures drawn day by day.
const DAILY: [&str; 4] = ["offered", "service_level", "csat", "aht_seconds"];

/// A change is told when Welch's t-test on the two months' daily values gives p below this.
pub const SIGNIFICANCE: f64 = 0.05;
/// …and each month has at least this many days with a value.
pub const MIN_DAYS: usize = 7;

/// How many agents the best and bottom lists show.
pub const LISTED_AGENTS: usize = 5;

/// Weeks of history the forecast against actual learns from.
pub const FORECAST_HISTORY_WEEKS: u32 = 8;

/// A month, `YYYY-MM`: its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    /// The first day.
    pub first: Date,
}

impl Month {
    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let text = text.trim();
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let first = Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
        Some(Month { first })
    }

    /// The month `day` is in.
    pub fn of(day: Date) -> Month {
        Month {
            first: day.first_of_month(),
        }
    }

    /// The last day.
    pub fn last(self) -> Date {
        self.first.last_of_month()
    }

    /// The month before.
    pub fn previous(self) -> Month {
        Month::of(self.first.yesterday().unwrap_or(self.first))
    }

    /// `YYYY-MM`.
    pub fn name(self) -> String {
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }

    fn days(self) -> Vec<Date> {
        self.first
            .series(Span::new().days(1))
            .take_while(|day| *day <= self.last())
            .collect()
    }
}

fn value_of(group: &KpiGroup, metric: &str) -> Option<f64> {
    let metric = servq_kpi::metric(metric)?;
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

async fn kpi(
    store: &Store,
    zone: &jiff::tz::TimeZone,
    from: Date,
    to: Date,
    group_by: Vec<GroupField>,
) -> Result<Vec<KpiGroup>> {
    let end = to.checked_add(Span::new().days(1))?;
    Ok(store
        .kpi(&KpiQuery {
            group_by,
            from_ms: Some(day_start_ms(zone, from)?),
            to_ms: Some(day_start_ms(zone, end)?),
            zone: zone.clone(),
            filters: Vec::new(),
        })
        .await?)
}

/// Per day of `days`, the value of `metric` (`None` without data).
fn daily_values(
    by_day: &BTreeMap<String, &KpiGroup>,
    days: &[Date],
    metric: &str,
) -> Vec<Option<f64>> {
    days.iter()
        .map(|day| {
            by_day
                .get(&day.to_string())
                .and_then(|g| value_of(g, metric))
        })
        .collect()
}

/// The change from the month before to this month, when it passes the check: Welch's t-test on
/// the daily values (p < [`SIGNIFICANCE`], at least [`MIN_DAYS`] days each) agreeing in
/// direction with the change of the monthly values. Volumes are not judged.
fn finding(
    metric: &str,
    previous: Option<f64>,
    value: Option<f64>,
    before_days: &[Option<f64>],
    month_days: &[Option<f64>],
) -> Option<Finding> {
    if servq_kpi::metric(metric)?.better == Better::Neither {
        return None;
    }
    let (previous, value) = (previous?, value?);
    let before: Vec<f64> = before_days.iter().flatten().copied().collect();
    let now: Vec<f64> = month_days.iter().flatten().copied().collect();
    if before.len() < MIN_DAYS || now.len() < MIN_DAYS {
        return None;
    }
    let test = servq_stats::welch_t_test(&before, &now)?;
    let delta = value - previous;
    // a NaN p (no spread) is not significant either
    let significant = test.p < SIGNIFICANCE;
    if !significant || test.difference.signum() != delta.signum() || delta == 0.0 {
        return None;
    }
    let judgement = Judgement::of(metric, delta);
    (judgement != Judgement::Neutral).then(|| Finding {
        metric: metric.to_owned(),
        previous,
        value,
        p_value: test.p,
        judgement: judgement.name().to_owned(),
    })
}

/// Reads `month` from the store into a snapshot (nothing is written).
pub async fn snapshot(store: &Store, month: Month) -> Result<MonthlyReport> {
    // the phases' times at debug level (SERVQ_LOG=servq_app=debug): where a slow report goes
    let started = std::time::Instant::now();
    let phase =
        |name: &str| tracing::debug!("monthly report: {name} after {:?}", started.elapsed());
    let (zone_name, zone) = centre_zone(store).await?;
    let previous = month.previous();
    let (from, to) = (month.first, month.last());
    let this = kpi(store, &zone, from, to, Vec::new()).await?;
    let before = kpi(store, &zone, previous.first, previous.last(), Vec::new()).await?;
    let day_groups = kpi(
        store,
        &zone,
        previous.first,
        to,
        vec![GroupField::Time(TimeGrain::Day)],
    )
    .await?;
    let by_day: BTreeMap<String, &KpiGroup> = day_groups
        .iter()
        .filter_map(|g| Some((g.key.first()?.clone()?, g)))
        .collect();
    phase("KPIs of both months and their days");
    let days_with = |days: &[Date]| {
        days.iter()
            .filter(|day| {
                by_day
                    .get(&day.to_string())
                    .is_some_and(|g| g.contacts.offered > 0)
            })
            .count()
    };
    let month_days = month.days();
    let previous_days = previous.days();
    let (days_with_data, previous_days_with_data) =
        (days_with(&month_days), days_with(&previous_days));
    let targets = crate::targets::in_effect(store, to).await?;
    let measure = |metric: &str| {
        let value = this.first().and_then(|g| value_of(g, metric));
        let target = crate::targets::for_view(&targets, metric, &[]).map(|target| TargetRef {
            value: target.value,
            status: value.map(|v| target.status(v).name().to_owned()),
        });
        Measure {
            metric: metric.to_owned(),
            value,
            previous: before.first().and_then(|g| value_of(g, metric)),
            target,
        }
    };
    let headline: Vec<Measure> = HEADLINE.iter().map(|m| measure(m)).collect();
    let tickets: Vec<Measure> = TICKET_MEASURES.iter().map(|m| measure(m)).collect();
    let findings = headline
        .iter()
        .chain(&tickets)
        .filter_map(|m| {
            finding(
                &m.metric,
                m.previous,
                m.value,
                &daily_values(&by_day, &previous_days, &m.metric),
                &daily_values(&by_day, &month_days, &m.metric),
            )
        })
        .collect();
    let daily = Daily {
        days: month_days.iter().map(Date::to_string).collect(),
        series: DAILY
            .iter()
            .map(|m| (m.to_string(), daily_values(&by_day, &month_days, m)))
            .collect(),
    };

    // grades: teams, and each team's agents by grade
    let graded = |by| EvaluationRequest {
        from,
        to,
        by: Some(by),
        filters: Vec::new(),
    };
    let by_team = evaluate(store, &zone, &graded(Dimension::Team)).await?;
    let by_agent = evaluate(store, &zone, &graded(Dimension::Agent)).await?;
    phase("grades");
    let model = &by_team.model.model;
    let grades: Vec<String> = {
        let mut cuts = model.grades.clone();
        cuts.sort_by(|a, b| b.min.total_cmp(&a.min));
        cuts.into_iter().map(|cut| cut.grade).collect()
    };
    let roster = store.agents().await?;
    let team_of: BTreeMap<&str, &servq_store::AgentRecord> =
        roster.iter().map(|a| (a.agent_id.as_str(), a)).collect();
    let mut agents: Vec<AgentScore> = by_agent
        .groups
        .iter()
        .filter_map(|group| {
            let agent_id = group.key.clone()?;
            let composite = group.score.composite?;
            let record = team_of.get(agent_id.as_str());
            Some(AgentScore {
                name: record
                    .map(|r| r.name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| agent_id.clone()),
                team: record.map(|r| r.team.clone()).unwrap_or_default(),
                agent_id,
                composite,
                grade: group.score.grade.clone(),
            })
        })
        .collect();
    agents.sort_by(|a, b| {
        b.composite
            .total_cmp(&a.composite)
            .then_with(|| a.agent_id.cmp(&b.agent_id))
    });
    let mut teams: Vec<TeamScore> = by_team
        .groups
        .iter()
        .filter_map(|group| {
            let team = group.key.clone()?;
            let grade_counts = grades
                .iter()
                .map(|grade| {
                    agents
                        .iter()
                        .filter(|a| a.team == team && a.grade.as_deref() == Some(grade.as_str()))
                        .count()
                })
                .collect();
            Some(TeamScore {
                scores: group.score.dimensions.iter().map(|d| d.score).collect(),
                composite: group.score.composite,
                grade: group.score.grade.clone(),
                grade_counts,
                team,
            })
        })
        .collect();
    teams.sort_by_key(|team| servq_core::natural_key(&team.team));
    let best_agents: Vec<AgentScore> = agents.iter().take(LISTED_AGENTS).cloned().collect();
    // the bottom list never repeats someone of the best list (a small centre)
    let bottom_agents: Vec<AgentScore> = agents
        .iter()
        .rev()
        .take(LISTED_AGENTS.min(agents.len().saturating_sub(best_agents.len())))
        .cloned()
        .collect();

    // QA: the month's evaluations and the problems the coaching rules find
    let problems =
        crate::coaching::problems(store, &zone, from, to, &servq_qa::CoachingRules::default())
            .await?;
    phase("QA problems");
    let qa = QaSummary {
        evaluations: this
            .first()
            .and_then(|g| value_of(g, "qa_evaluations"))
            .unwrap_or(0.0) as i64,
        mean_score: this.first().and_then(|g| value_of(g, "qa_score")),
        previous_mean_score: before.first().and_then(|g| value_of(g, "qa_score")),
        problems: problems
            .iter()
            .map(|p| QaProblem {
                name: p.name.clone(),
                kind: p.share.problem.kind().to_owned(),
                share: p.share.share,
                agents: p.share.agents.len(),
                common: p.share.common,
            })
            .collect(),
    };
    let surveys = this
        .first()
        .map(|g| crate::surveys::estimates(&g.feedback.survey))
        .unwrap_or_default();
    let pareto = crate::analysis::pareto_report(
        store,
        &zone,
        &crate::analysis::ParetoRequest {
            source: servq_store::ProblemSource::ReviewReasons,
            from,
            to,
            cutoff: 0.8,
            split: servq_stats::MatrixSplit::Medians,
        },
    )
    .await
    .map_err(|error| anyhow!("{error}"))?;
    phase("Pareto");
    let reason_names: BTreeMap<String, BTreeMap<String, String>> = store
        .review_reasons()
        .await?
        .into_iter()
        .map(|r| {
            let names = [
                ("zh-CN", r.name_zh_cn),
                ("zh-TW", r.name_zh_tw),
                ("en", r.name_en),
            ]
            .into_iter()
            .map(|(language, name)| (language.to_owned(), name))
            .collect();
            (r.reason_id, names)
        })
        .collect();
    let pareto = ParetoSummary {
        cases: pareto["cases"].as_u64().unwrap_or(0) as usize,
        rows: pareto["pareto"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|row| ParetoLine {
                name: row["name"].as_str().unwrap_or_default().to_owned(),
                names: reason_names
                    .get(row["name"].as_str().unwrap_or_default())
                    .cloned()
                    .unwrap_or_default(),
                cases: row["cases"].as_u64().unwrap_or(0) as usize,
                share: row["share"].as_f64().unwrap_or(0.0),
                cumulative_share: row["cumulative_share"].as_f64().unwrap_or(0.0),
                vital: row["vital"].as_bool().unwrap_or(false),
            })
            .collect(),
    };
    let forecast = forecast(store, month).await?;
    phase("forecast");
    let model = by_team.model;
    Ok(MonthlyReport {
        schema: servq_report::SCHEMA,
        month: month.name(),
        previous_month: previous.name(),
        time_zone: zone_name,
        generated_at: jiff::Timestamp::now()
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        model: ModelRef {
            name: model.model.name.clone(),
            version: model.version,
        },
        days_with_data,
        previous_days_with_data,
        headline,
        tickets,
        findings,
        daily,
        dimensions: model
            .model
            .dimensions
            .iter()
            .map(|d| DimensionName {
                id: d.id.clone(),
                names: d.names.clone(),
            })
            .collect(),
        grades,
        teams,
        agents_graded: agents.len(),
        best_agents,
        bottom_agents,
        qa,
        surveys,
        pareto,
        forecast,
    })
}

/// The forecast of the month's daily volume from the weeks before it, against what came;
/// `None` when the history is too short to forecast.
async fn forecast(store: &Store, month: Month) -> Result<Option<ForecastSummary>> {
    let request = crate::staffing::HistoryRequest {
        date: month.first,
        days: month.days().len() as u32,
        history_weeks: FORECAST_HISTORY_WEEKS,
        grain: TimeGrain::Interval30,
        queues: Vec::new(),
        channels: Vec::new(),
    };
    match crate::staffing::daily_forecast(store, &request).await {
        Ok((forecast, actual)) => Ok(Some(ForecastSummary {
            forecast,
            actual,
            history_weeks: FORECAST_HISTORY_WEEKS,
        })),
        // too little history is a normal state of a new centre, not a failure of the report
        Err(error) => {
            tracing::info!("monthly report {}: no forecast: {error:#}", month.name());
            Ok(None)
        }
    }
}

/// The outbox recipient of the monthly report: the report recipients (or, without any, the
/// escalation recipients); the e-mail carries the PDF.
pub const RECIPIENT: &str = "report";

/// Reads `month`, stores the snapshot and returns its id; `None` when `origin` is scheduled and
/// the month's scheduled report exists already. With `announce_at` (the public URL) the report
/// is announced by e-mail (PDF attached) and webhook through the outbox.
pub async fn generate(
    store: &Store,
    month: Month,
    origin: ReportOrigin,
    actor: &Actor,
    announce_at: Option<&str>,
) -> Result<Option<(i64, MonthlyReport)>> {
    let report = snapshot(store, month).await?;
    let text = serde_json::to_string(&report)?;
    let month_name = report.month.clone();
    let body = |id: i64| {
        serde_json::json!({
            "event": "monthly_report",
            "report_id": id,
            "month": month_name,
            "url": announce_at.map(|base| format!("{}/reports/{id}", base.trim_end_matches('/'))),
        })
        .to_string()
    };
    let mail = announce_at.map(|_| servq_store::ReportMail {
        recipient: RECIPIENT,
        // the e-mail's subject is written in the report language when it is sent
        subject: format!("servq monthly quality report {}", report.month),
        body: &body,
    });
    let id = store
        .save_report(
            &servq_store::NewReport {
                kind: KIND,
                period: &report.month,
                origin,
                snapshot: &text,
            },
            actor,
            now_ms(),
            mail.as_ref(),
        )
        .await?;
    Ok(id.map(|id| (id, report)))
}

/// An announced report's e-mail.
#[derive(Debug, Clone)]
pub struct ReportEmail {
    /// The subject (the report's title).
    pub subject: String,
    /// The text: the headline measures against the month before, and the link.
    pub text: String,
    /// The attachment's file name.
    pub file_name: String,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// The e-mail of an announced report (outbox body from [`generate`]) in `locale`.
pub async fn mail(store: &Store, body: &str, locale: Locale) -> Result<ReportEmail> {
    let body: serde_json::Value = serde_json::from_str(body).context("the report message")?;
    let id = body["report_id"]
        .as_i64()
        .context("the report message names no report")?;
    let (_, report) = stored(store, id)
        .await?
        .with_context(|| format!("report {id} is gone"))?;
    let pdf = render(&report, RenderFormat::Pdf, locale)?;
    let subject = t(locale, "report.title").replace("{month}", &report.month);
    let mut text = format!("{subject}\n\n");
    for measure in report.headline.iter().chain(&report.tickets) {
        if measure.value.is_none() {
            continue;
        }
        text.push_str(&format!(
            "{}: {} ({} {})\n",
            t(locale, &format!("kpi.{}", measure.metric)),
            servq_kpi::show(&measure.metric, measure.value),
            report.previous_month,
            servq_kpi::show(&measure.metric, measure.previous),
        ));
    }
    if let Some(url) = body["url"].as_str() {
        text.push_str(&format!("\n{url}\n"));
    }
    Ok(ReportEmail {
        subject,
        text,
        file_name: file_name(&report, RenderFormat::Pdf),
        pdf,
    })
}

/// The scheduled run on the 1st: the previous month's report, made once across servers and
/// announced; what it did, in a line.
pub async fn scheduled(store: &Store, today: Date, public_url: &str) -> Result<String> {
    let month = Month::of(today).previous();
    // a centre that had nothing that month (a new install) gets no empty report in the mail
    let (_, zone) = centre_zone(store).await?;
    let activity = kpi(store, &zone, month.first, month.last(), Vec::new()).await?;
    let quiet = activity.first().is_none_or(|group| {
        [
            "offered",
            "tickets_created",
            "survey_responses",
            "qa_evaluations",
        ]
        .iter()
        .all(|metric| value_of(group, metric).unwrap_or(0.0) == 0.0)
    });
    if quiet {
        return Ok(format!(
            "{}: nothing happened that month; no report",
            month.name()
        ));
    }
    let made = generate(
        store,
        month,
        ReportOrigin::Scheduled,
        &crate::system_actor(),
        Some(public_url),
    )
    .await?;
    Ok(match made {
        Some((id, _)) => format!("{}: report {id} made and announced", month.name()),
        None => format!("{}: the scheduled report exists already", month.name()),
    })
}

/// A stored report's snapshot.
pub async fn stored(
    store: &Store,
    id: i64,
) -> Result<Option<(servq_store::StoredReport, MonthlyReport)>> {
    let Some((row, text)) = store.report(id).await? else {
        return Ok(None);
    };
    let report: MonthlyReport = serde_json::from_str(&text)
        .with_context(|| format!("report {id}: the stored snapshot cannot be read"))?;
    if report.schema != servq_report::SCHEMA {
        bail!(
            "report {id} has snapshot schema {}, this servq reads {}",
            report.schema,
            servq_report::SCHEMA
        );
    }
    Ok(Some((row, report)))
}

/// A rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    /// A self-contained HTML page.
    Html,
    /// A PDF with an embedded CJK font.
    Pdf,
    /// A workbook with native charts.
    Xlsx,
}

impl RenderFormat {
    /// Every format.
    pub const ALL: [RenderFormat; 3] = [RenderFormat::Pdf, RenderFormat::Xlsx, RenderFormat::Html];

    /// `html`, `pdf` or `xlsx`.
    pub fn parse(text: &str) -> Option<RenderFormat> {
        RenderFormat::ALL
            .into_iter()
            .find(|f| f.extension() == text.trim().to_ascii_lowercase())
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            RenderFormat::Html => "html",
            RenderFormat::Pdf => "pdf",
            RenderFormat::Xlsx => "xlsx",
        }
    }

    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            RenderFormat::Html => "text/html; charset=utf-8",
            RenderFormat::Pdf => "application/pdf",
            RenderFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// Where a static CJK font is looked for when `SERVQ_REPORT_FONT` is unset: Debian's
/// `fonts-wqy-microhei` (installed by `scripts/install-deps.sh`), then static Noto CJK.
pub const FONT_PATHS: [&str; 3] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// The report font, read and parsed once per process.
pub fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let path = match std::env::var("SERVQ_REPORT_FONT") {
                Ok(path) if !path.trim().is_empty() => path,
                _ => FONT_PATHS
                    .iter()
                    .find(|p| std::path::Path::new(p).exists())
                    .map(|p| p.to_string())
                    .ok_or_else(|| {
                        format!(
                            "no CJK font for the PDF: install fonts-wqy-microhei or set SERVQ_REPORT_FONT to a static CJK font file (looked in {})",
                            FONT_PATHS.join(", ")
                        )
                    })?,
            };
            let bytes = std::fs::read(&path).map_err(|e| format!("report font {path}: {e}"))?;
            Fonts::parse(bytes).map_err(|e| format!("report font {path}: {e}"))
        })
        .as_ref()
        .map_err(|message| anyhow!("{message}"))
}

/// Renders `report` as `format` for a reader of `locale`.
pub fn render(report: &MonthlyReport, format: RenderFormat, locale: Locale) -> Result<Vec<u8>> {
    render_with(report, format, locale, &[])
}

/// [`render`], the HTML headed by `links` (address, text: the page inside the web app).
pub fn render_with(
    report: &MonthlyReport,
    format: RenderFormat,
    locale: Locale,
    links: &[(&str, &str)],
) -> Result<Vec<u8>> {
    let text = |key: &str| t(locale, key);
    let labels = Labels {
        language: locale.tag(),
        text: &text,
    };
    let view = servq_report::view(report, &labels);
    Ok(match format {
        RenderFormat::Html => servq_report::html(&view, links)?.into_bytes(),
        RenderFormat::Pdf => servq_report::pdf(&view, fonts()?)?,
        RenderFormat::Xlsx => servq_report::xlsx(report, &view, &labels)?,
    })
}

/// The file name of a report: `servq-quality-2026-11.pdf`.
pub fn file_name(report: &MonthlyReport, format: RenderFormat) -> String {
    format!("servq-quality-{}.{}", report.month, format.extension())
}
