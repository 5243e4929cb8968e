//! Survey use cases: the standard template created on first use, dispatch of the invitations
//! due under the centre's rules (run by every server each minute and by `servq surveys
//! dispatch`; a contact gets one invitation however many run), and the dispatch rules as people
//! write them (quiet hours as "22:00-08:00").

use std::collections::HashMap;

use serde_json::{Value, json};
use servq_core::{
    DispatchRule, SendVia, SettingProblem, SettingReason, SurveyTemplate, choose_invitations,
};
use servq_store::{Actor, NewInvitation, Store, StoredSurveyTemplate};

use crate::{
    i18n::{Locale, t},
    now_ms, rfc3339, users,
};

/// The template surveys use unless a rule names another; created from `servq-core` on first use.
pub const STANDARD_TEMPLATE: &str = "standard";

/// Longest a contact can wait to be surveyed after its rule's delay (older closes are not
/// surveyed: a year of imported history must not send a year of surveys).
const DISPATCH_LOOKBACK_MS: i64 = 24 * 3_600_000;

/// The confidence of every survey interval servq shows.
pub const CONFIDENCE: f64 = 0.95;

fn estimate(
    value: Option<f64>,
    interval: Option<servq_stats::Interval>,
    n: i64,
) -> servq_report::Estimate {
    servq_report::Estimate {
        value,
        lower: interval.map(|i| i.lower),
        upper: interval.map(|i| i.upper),
        n,
    }
}

/// A group's survey measures with their 95 % intervals: Wilson for the response rate and CSAT
/// (top-2 box), Student's t for the CSAT and CES means, the NPS interval of its promoter and
/// detractor shares (`docs/stats.md#confidence-intervals`). The survey pages, the API and the
/// monthly report all take their intervals from here.
pub fn estimates(s: &servq_kpi::SurveyCounters) -> servq_report::SurveySummary {
    use servq_stats::{mean_interval, nps_interval, wilson_interval};
    servq_report::SurveySummary {
        invitations: s.invited,
        responses: s.responses,
        response_rate: estimate(
            servq_kpi::survey_response_rate(s),
            wilson_interval(s.invited_responded, s.invited, CONFIDENCE),
            s.invited,
        ),
        csat: estimate(
            servq_kpi::csat(s),
            wilson_interval(s.csat_top2, s.csat_answers, CONFIDENCE),
            s.csat_answers,
        ),
        csat_mean: estimate(
            servq_kpi::csat_mean(s),
            mean_interval(
                s.csat_answers,
                s.csat_sum as f64,
                s.csat_sum_squares as f64,
                CONFIDENCE,
            ),
            s.csat_answers,
        ),
        nps: estimate(
            servq_kpi::nps(s),
            nps_interval(s.nps_promoters, s.nps_detractors, s.nps_answers, CONFIDENCE),
            s.nps_answers,
        ),
        ces: estimate(
            servq_kpi::ces(s),
            mean_interval(
                s.ces_answers,
                s.ces_sum as f64,
                s.ces_sum_squares as f64,
                CONFIDENCE,
            ),
            s.ces_answers,
        ),
    }
}

/// The newest version of a template and its definition; the standard one is created on first
/// use.
pub async fn template(
    store: &Store,
    template_id: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<(StoredSurveyTemplate, SurveyTemplate)>> {
    let mut stored = store.survey_template(template_id, version).await?;
    if stored.is_none() && template_id == STANDARD_TEMPLATE && version.is_none() {
        let standard = SurveyTemplate::standard();
        store
            .save_survey_template(
                STANDARD_TEMPLATE,
                &standard.name,
                &standard.to_json(),
                &crate::system_actor(),
                now_ms(),
            )
            .await?;
        stored = store.survey_template(template_id, None).await?;
    }
    stored
        .map(|stored| {
            let parsed = SurveyTemplate::from_json(&stored.definition)?;
            Ok((stored, parsed))
        })
        .transpose()
}

/// An invitation created by a dispatch run, with its link (shown once: only the token's hash
/// is stored).
#[derive(Debug, Clone)]
pub struct Dispatched {
    /// Invitation id.
    pub invitation_id: String,
    /// The contact surveyed.
    pub contact_id: String,
    /// Its customer.
    pub customer_id: String,
    /// email, sms or webhook.
    pub send_via: &'static str,
    /// The survey link.
    pub link: String,
    /// The message to send.
    pub message: String,
}

/// Creates the invitations due at `now_ms` under the stored rules (docs/surveys.md#dispatch).
/// Safe to run from several instances at once: a contact gets at most one invitation.
pub async fn dispatch_due(
    store: &Store,
    now_ms: i64,
    public_url: &str,
) -> anyhow::Result<Vec<Dispatched>> {
    let rules = store.survey_rules().await?;
    if !rules.iter().any(|rule| rule.active) {
        return Ok(Vec::new());
    }
    let zone = jiff::tz::TimeZone::get(&store.centre_zone().await?)?;
    let local = jiff::Timestamp::from_millisecond(now_ms)?.to_zoned(zone);
    let local_minute = (local.hour() as u16) * 60 + local.minute() as u16;
    let longest_delay = rules
        .iter()
        .map(|rule| i64::from(rule.delay_minutes) * 60_000)
        .max()
        .unwrap_or(0);
    let longest_no_repeat = rules
        .iter()
        .map(|rule| i64::from(rule.no_repeat_days) * 86_400_000)
        .max()
        .unwrap_or(0);
    let candidates = store
        .survey_candidates(now_ms - longest_delay - DISPATCH_LOOKBACK_MS, now_ms)
        .await?;
    let last = store.last_invited(now_ms - longest_no_repeat).await?;
    let chosen = choose_invitations(&rules, &candidates, &last, now_ms, local_minute);
    let mut templates: HashMap<String, (String, i64)> = HashMap::new();
    let mut invitations = Vec::with_capacity(chosen.len());
    let mut dispatched = Vec::with_capacity(chosen.len());
    for (candidate_index, rule_index) in chosen {
        let candidate = &candidates[candidate_index];
        let rule = &rules[rule_index];
        if !templates.contains_key(&rule.template_id) {
            let Some((stored, _)) = template(store, &rule.template_id, None).await? else {
                tracing::warn!(
                    "survey rule {} names template {} which does not exist",
                    rule.rule_id,
                    rule.template_id
                );
                continue;
            };
            templates.insert(
                rule.template_id.clone(),
                (stored.template_id, stored.version),
            );
        }
        let token = users::new_token();
        let locale = Locale::parse(&rule.locale).unwrap_or(Locale::ZhCn);
        let link = format!(
            "{}/s/{token}?lang={}",
            public_url.trim_end_matches('/'),
            locale.tag()
        );
        let expires_ms = rule.expires_ms(now_ms);
        let message = invitation_message(rule, locale, &link, candidate, expires_ms);
        let invitation_id = users::new_token()[..24].to_owned();
        dispatched.push(Dispatched {
            invitation_id: invitation_id.clone(),
            contact_id: candidate.contact_id.clone(),
            customer_id: candidate.customer_id.clone(),
            send_via: rule.send_via.name(),
            link,
            message: message.clone(),
        });
        invitations.push(NewInvitation {
            invitation_id,
            token_hash: users::token_hash(&token),
            contact_id: candidate.contact_id.clone(),
            customer_id: candidate.customer_id.clone(),
            template: templates[&rule.template_id].clone(),
            rule_id: rule.rule_id.clone(),
            send_via: rule.send_via,
            expires_ms,
            message,
        });
    }
    if invitations.is_empty() {
        return Ok(Vec::new());
    }
    let created = store.create_invitations(&invitations, now_ms).await?;
    dispatched.retain(|invitation| created.contains(&invitation.invitation_id));
    Ok(dispatched)
}

/// The text sent: a short SMS, an e-mail (subject line first) or a webhook JSON payload.
fn invitation_message(
    rule: &DispatchRule,
    locale: Locale,
    link: &str,
    candidate: &servq_core::SurveyCandidate,
    expires_ms: i64,
) -> String {
    let hours = rule.expiry_hours.to_string();
    let fill = |key: &str| {
        t(locale, key)
            .replace("{link}", link)
            .replace("{hours}", &hours)
    };
    match rule.send_via {
        SendVia::Sms => fill("survey.sms"),
        SendVia::Email => format!(
            "{}\n\n{}",
            fill("survey.email_subject"),
            fill("survey.email")
        ),
        SendVia::Webhook => json!({
            "contact_id": candidate.contact_id,
            "customer_id": candidate.customer_id,
            "link": link,
            "expires_at": rfc3339(expires_ms),
            "locale": locale.tag(),
        })
        .to_string(),
    }
}

fn minute_text(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Quiet hours as people write them: "22:00-08:00".
pub fn quiet_hours_text(quiet_hours: Option<(u16, u16)>) -> Option<String> {
    quiet_hours.map(|(start, end)| format!("{}-{}", minute_text(start), minute_text(end)))
}

/// Dispatch rules as the API and `servq surveys rules` show them (quiet hours as "22:00-08:00").
pub fn rules_json(rules: &[DispatchRule]) -> Vec<Value> {
    rules
        .iter()
        .map(|rule| {
            let mut value = serde_json::to_value(rule).unwrap_or(Value::Null);
            value["quiet_hours"] = json!(quiet_hours_text(rule.quiet_hours));
            value
        })
        .collect()
}

fn parse_minute(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// Parses the rules a user sent: JSON rules with `quiet_hours` as "22:00-08:00" or null.
pub fn parse_rules(body: &Value) -> Result<Vec<DispatchRule>, Vec<SettingProblem>> {
    let Some(items) = body.get("rules").and_then(Value::as_array) else {
        return Err(vec![SettingProblem::new(
            "rules",
            SettingReason::Other("the body needs \"rules\": [ … ]".to_owned()),
        )]);
    };
    let mut rules = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = format!("rules.{index}");
        let mut item = item.clone();
        let quiet = match item.get("quiet_hours") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(Value::String(text)) => {
                let parsed = text
                    .split_once('-')
                    .and_then(|(start, end)| Some((parse_minute(start)?, parse_minute(end)?)));
                if parsed.is_none() {
                    problems.push(SettingProblem::new(
                        format!("{at}.quiet_hours"),
                        SettingReason::WrappingSpan(text.clone()),
                    ));
                }
                parsed
            }
            Some(other) => {
                problems.push(SettingProblem::new(
                    format!("{at}.quiet_hours"),
                    SettingReason::WrappingSpan(other.to_string()),
                ));
                None
            }
        };
        if let Some(object) = item.as_object_mut() {
            object.remove("quiet_hours");
        }
        let mut rule: DispatchRule = match serde_json::from_value(item) {
            Ok(rule) => rule,
            Err(error) => {
                problems.push(SettingProblem::new(
                    at,
                    SettingReason::Other(error.to_string()),
                ));
                continue;
            }
        };
        rule.quiet_hours = quiet;
        problems.extend(rule.problems().into_iter().map(|p| p.under(&at)));
        if rules
            .iter()
            .any(|other: &DispatchRule| other.rule_id == rule.rule_id)
        {
            problems.push(SettingProblem::new(
                format!("{at}.rule_id"),
                SettingReason::Duplicate(rule.rule_id.clone()),
            ));
        }
        rules.push(rule);
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

/// Why dispatch rules were not stored.
#[derive(Debug, thiserror::Error)]
pub enum RulesRefused {
    /// The rules are not usable: every problem, each at its path (`rules.1.sample_percent`).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<SettingProblem>),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Checks the rules a person sent (`{"rules": [...]}`, see [`parse_rules`]) — each must name
/// a stored template — and stores them in place of the old ones.
pub async fn save_rules(
    store: &Store,
    body: &Value,
    actor: &Actor,
) -> Result<Vec<DispatchRule>, RulesRefused> {
    let rules = parse_rules(body).map_err(RulesRefused::Invalid)?;
    let mut missing = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        if template(store, &rule.template_id, None).await?.is_none() {
            missing.push(SettingProblem::new(
                format!("rules.{index}.template_id"),
                SettingReason::Unknown(rule.template_id.clone()),
            ));
        }
    }
    if !missing.is_empty() {
        return Err(RulesRefused::Invalid(missing));
    }
    store
        .set_survey_rules(&rules, actor, now_ms())
        .await
        .map_err(anyhow::Error::from)?;
    Ok(rules)
}
