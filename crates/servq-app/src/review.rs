//! The weekly review (`docs/briefing.md#weekly-review`): each Monday, the indicators that missed
//! their targets over the week before — per target in effect (centre, queue, team, agent) the
//! week's value, how many of its days missed, and the link to drill into it — as a page, the
//! API, `servq review` and an e-mail from the scheduled job.

use anyhow::Result;
use jiff::{Span, civil::Date};
use serde_json::{Value, json};
use servq_kpi::{MetricValue, TargetStatus};
use servq_store::{GroupField, KpiQuery, Store, TimeGrain};

use crate::i18n::{Locale, t};
use crate::{centre_zone, day_start_ms, now_ms};

/// The outbox recipient of the weekly review: the managers' list (as the briefing's).
pub const RECIPIENT: &str = crate::briefing::RECIPIENT;

/// An indicator that missed its target over the week.
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    /// The metric.
    pub metric: String,
    /// `centre`, `queue`, `team` or `agent`.
    pub scope: &'static str,
    /// The queue, team or agent.
    pub scope_value: String,
    /// The target.
    pub target: f64,
    /// The week's value.
    pub value: f64,
    /// Missed or in the warning band over the week.
    pub status: TargetStatus,
    /// Days of the week with a value that missed.
    pub days_missed: usize,
    /// Days of the week with a value.
    pub days_with_value: usize,
}

/// The week reviewed: Monday to Sunday before `date`'s week.
pub fn week_before(date: Date) -> Result<(Date, Date)> {
    let monday =
        date.checked_sub(Span::new().days(i64::from(date.weekday().to_monday_zero_offset())))?;
    let first = monday.checked_sub(Span::new().days(7))?;
    Ok((first, monday.yesterday()?))
}

fn value_of(group: &servq_store::KpiGroup, metric: &servq_kpi::Metric) -> Option<f64> {
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

/// The indicators of the week before `date` that were not met, worst-off first (most days
/// missed).
pub async fn missed(store: &Store, date: Date) -> Result<((Date, Date), Vec<Missed>)> {
    let (_, zone) = centre_zone(store).await?;
    let (first, last) = week_before(date)?;
    let (from_ms, to_ms) = (
        day_start_ms(&zone, first)?,
        day_start_ms(&zone, last.checked_add(Span::new().days(1))?)?,
    );
    let mut out = Vec::new();
    for target in crate::targets::in_effect(store, last).await? {
        let filters: Vec<(servq_kpi::Dimension, Vec<String>)> = target
            .scope
            .dimension()
            .map(|d| (d, vec![target.scope_value.clone()]))
            .into_iter()
            .collect();
        let query = |group_by| KpiQuery {
            group_by,
            from_ms: Some(from_ms),
            to_ms: Some(to_ms),
            zone: zone.clone(),
            filters: filters.clone(),
        };
        let week = store.kpi(&query(Vec::new())).await?;
        let Some(value) = week.first().and_then(|g| value_of(g, target.metric)) else {
            continue;
        };
        let status = target.status(value);
        if status == TargetStatus::Met {
            continue;
        }
        let days: Vec<f64> = store
            .kpi(&query(vec![GroupField::Time(TimeGrain::Day)]))
            .await?
            .iter()
            .filter_map(|g| value_of(g, target.metric))
            .collect();
        out.push(Missed {
            metric: target.metric.name.to_owned(),
            scope: target.scope.name(),
            scope_value: target.scope_value.clone(),
            target: target.value,
            value,
            status,
            days_missed: days
                .iter()
                .filter(|v| target.status(**v) != TargetStatus::Met)
                .count(),
            days_with_value: days.len(),
        });
    }
    out.sort_by(|a, b| {
        b.days_missed
            .cmp(&a.days_missed)
            .then_with(|| a.metric.cmp(&b.metric))
    });
    Ok(((first, last), out))
}

/// The dashboard view drilling into a missed indicator over the week.
pub fn drill_link(missed: &Missed, (first, last): (Date, Date)) -> String {
    let filter = if missed.scope_value.is_empty() {
        String::new()
    } else {
        format!(
            "&{}={}",
            missed.scope,
            crate::path_segment(&missed.scope_value)
        )
    };
    format!("/?from={first}&to={last}{filter}")
}

/// The review as JSON (`servq review --format json`, `GET /api/v1/review`).
pub fn review_json(week: (Date, Date), missed: &[Missed]) -> Value {
    json!({
        "from": week.0.to_string(),
        "to": week.1.to_string(),
        "missed": missed.iter().map(|m| json!({
            "metric": m.metric,
            "scope": m.scope,
            "scope_value": m.scope_value,
            "target": crate::analysis::json_number(m.target),
            "value": crate::analysis::json_number(m.value),
            "status": m.status.name(),
            "days_missed": m.days_missed,
            "days_with_value": m.days_with_value,
            "link": drill_link(m, week),
        })).collect::<Vec<_>>(),
    })
}

/// The scheduled run on Monday morning: the week before reviewed and mailed once.
pub async fn scheduled(
    store: &Store,
    today: Date,
    public_url: &str,
    locale: Locale,
) -> Result<String> {
    let (week, missed) = missed(store, today).await?;
    let mut text = t(locale, "review.title")
        .replace("{from}", &week.0.to_string())
        .replace("{to}", &week.1.to_string());
    let subject = text.clone();
    text.push_str("\n\n");
    if missed.is_empty() {
        text.push_str(&t(locale, "review.all_met"));
        text.push('\n');
    }
    for m in &missed {
        let scope = if m.scope_value.is_empty() {
            t(locale, "targets.scope_centre")
        } else {
            format!(
                "{} {}",
                t(locale, &format!("targets.scope_{}", m.scope)),
                m.scope_value
            )
        };
        text.push_str(&format!(
            "{} ({scope}): {} / {} {} — {}/{}\n",
            t(locale, &format!("kpi.{}", m.metric)),
            servq_kpi::show(&m.metric, Some(m.value)),
            t(locale, "briefing.target"),
            servq_kpi::show(&m.metric, Some(m.target)),
            m.days_missed,
            m.days_with_value,
        ));
    }
    text.push_str(&format!(
        "\n{}/review/{today}\n",
        public_url.trim_end_matches('/')
    ));
    store
        .queue_email(RECIPIENT, &subject, &text, now_ms())
        .await?;
    Ok(format!(
        "{} – {}: {} indicators missed, mailed",
        week.0,
        week.1,
        missed.len()
    ))
}
