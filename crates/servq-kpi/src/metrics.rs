//! The KPI formulas and the one table ([`METRICS`]) that names them for every output: JSON keys,
//! CSV and XLSX headers and table columns all come from here. A ratio whose denominator is zero is
//! undefined (`None`, printed as null), never zero.

use crate::counters::{ContactCounters, QaCounters, StateCounters};
use crate::grouping::{Dimension, Exclusion, Scope};
use crate::ratings::{rating_dimension_mean, rating_mean};
use crate::survey::{FeedbackCounters, ces, csat, csat_mean, nps, survey_response_rate};

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn mean_seconds(sum_ms: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum_ms as f64 / count as f64 / 1000.0)
}

/// 接通率 answer rate = answered / (offered − short_abandoned). (`docs/kpi.md#answer_rate`)
pub fn answer_rate(c: &ContactCounters) -> Option<f64> {
    ratio(c.answered, c.counted())
}

/// 服务水平 service level = answered with wait ≤ threshold / (offered − short_abandoned).
/// (`docs/kpi.md#service_level`)
pub fn service_level(c: &ContactCounters) -> Option<f64> {
    ratio(c.answered_within_sl, c.counted())
}

/// 放弃率 abandon rate = (abandoned − short_abandoned) / (offered − short_abandoned).
/// (`docs/kpi.md#abandon_rate`)
pub fn abandon_rate(c: &ContactCounters) -> Option<f64> {
    ratio(c.abandoned - c.short_abandoned, c.counted())
}

/// 平均答复速度 ASA = mean wait of answered contacts, in seconds. (`docs/kpi.md#asa_seconds`)
pub fn asa_seconds(c: &ContactCounters) -> Option<f64> {
    mean_seconds(c.wait_answered_ms, c.answered)
}

/// 平均等待时长 average wait = mean wait of all offered contacts except short abandons, seconds.
/// (`docs/kpi.md#avg_wait_seconds`)
pub fn avg_wait_seconds(c: &ContactCounters) -> Option<f64> {
    mean_seconds(c.wait_counted_ms, c.counted())
}

/// 平均通话时长 average talk time over answered contacts, seconds. (`docs/kpi.md#avg_talk_seconds`)
pub fn avg_talk_seconds(c: &ContactCounters) -> Option<f64> {
    mean_seconds(c.talk_ms, c.answered)
}

/// Average hold time over answered contacts, seconds. (`docs/kpi.md#avg_hold_seconds`)
pub fn avg_hold_seconds(c: &ContactCounters) -> Option<f64> {
    mean_seconds(c.hold_ms, c.answered)
}

/// 话后处理 ACW: average wrap time over answered contacts, seconds. (`docs/kpi.md#avg_acw_seconds`)
pub fn avg_acw_seconds(c: &ContactCounters) -> Option<f64> {
    mean_seconds(c.wrap_ms, c.answered)
}

/// AHT = mean(talk + hold + wrap) over answered contacts, seconds. (`docs/kpi.md#aht_seconds`)
pub fn aht_seconds(c: &ContactCounters) -> Option<f64> {
    mean_seconds(c.talk_ms + c.hold_ms + c.wrap_ms, c.answered)
}

/// 转接率 transfer rate = transferred / answered. (`docs/kpi.md#transfer_rate`)
pub fn transfer_rate(c: &ContactCounters) -> Option<f64> {
    ratio(c.transferred, c.answered)
}

/// 首呼解决率 FCR (repeat-contact method) = answered contacts with a customer id and no later
/// contact by that customer in the same category within the window / answered contacts with a
/// customer id. (`docs/kpi.md#fcr_rate`)
pub fn fcr_rate(c: &ContactCounters) -> Option<f64> {
    ratio(c.fcr_resolved, c.fcr_eligible)
}

/// 问题解决率 resolution rate (agent-marked) = answered contacts marked resolved / answered contacts
/// with the flag given. (`docs/kpi.md#resolution_rate`)
pub fn resolution_rate(c: &ContactCounters) -> Option<f64> {
    ratio(c.resolution_resolved, c.resolution_known)
}

/// 人员利用率 occupancy = (talk + hold + wrap state time) / (talk + hold + wrap + available).
/// (`docs/kpi.md#occupancy`)
pub fn occupancy(s: &StateCounters) -> Option<f64> {
    ratio(s.handling_ms(), s.handling_ms() + s.available_ms)
}

/// Utilization = (talk + hold + wrap state time) / all logged-in state time.
/// (`docs/kpi.md#utilization`)
pub fn utilization(s: &StateCounters) -> Option<f64> {
    ratio(s.handling_ms(), s.logged_ms())
}

/// 录音评分 QA score = mean score (0–100) of the scored evaluations of the group's contacts.
/// (`docs/kpi.md#qa_score`)
pub fn qa_score(q: &QaCounters) -> Option<f64> {
    (q.evaluated > 0).then(|| q.score_sum_micro as f64 / q.evaluated as f64 / 1e6)
}

/// A computed KPI value: an exact count, or a measure that is undefined when its denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValue {
    /// An integer count.
    Count(i64),
    /// A ratio or a mean; `None` when undefined.
    Number(Option<f64>),
}

/// What a metric's number means, for formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count of contacts.
    Count,
    /// A ratio between 0 and 1.
    Ratio,
    /// A duration in seconds.
    Seconds,
    /// A score from 0 to 100 (NPS: −100 to 100).
    Score,
    /// A mean rating on its question's scale (CSAT 1–5, CES 1–7).
    Rating,
}

/// Which way a measure improves: colours changes and targets, orders rankings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// A rise is an improvement.
    Higher,
    /// A fall is an improvement.
    Lower,
    /// Neither (volumes, and measures with a healthy band such as occupancy).
    Neither,
}

/// One named output column.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// The stable key name used in JSON, CSV and XLSX output (a public contract).
    pub name: &'static str,
    /// What the number means.
    pub unit: Unit,
    /// Which way it improves.
    pub better: Better,
    /// The groupings where it means something.
    pub scope: Scope,
    /// Computes the value from the group's contact, agent-state and feedback (QA, survey)
    /// counters; agent-state counters are `None` when the grouping or filter involves queue,
    /// channel, category or direction, which states do not have.
    pub compute: fn(&ContactCounters, Option<&StateCounters>, &FeedbackCounters) -> MetricValue,
}

macro_rules! count {
    ($name:literal, $field:ident, $better:ident, $scope:ident) => {
        Metric {
            name: $name,
            unit: Unit::Count,
            better: Better::$better,
            scope: Scope::$scope,
            compute: |c, _, _| MetricValue::Count(c.$field),
        }
    };
}
macro_rules! contact_kpi {
    ($name:literal, $unit:ident, $function:ident, $better:ident, $scope:ident) => {
        Metric {
            name: $name,
            unit: Unit::$unit,
            better: Better::$better,
            scope: Scope::$scope,
            compute: |c, _, _| MetricValue::Number($function(c)),
        }
    };
}
macro_rules! survey_kpi {
    ($name:literal, $unit:ident, $function:ident, $better:ident) => {
        Metric {
            name: $name,
            unit: Unit::$unit,
            better: Better::$better,
            scope: Scope::Everywhere,
            compute: |_, _, f| MetricValue::Number($function(&f.survey)),
        }
    };
}
macro_rules! survey_count {
    ($name:literal, $field:ident, $better:ident) => {
        Metric {
            name: $name,
            unit: Unit::Count,
            better: Better::$better,
            scope: Scope::Everywhere,
            compute: |_, _, f| MetricValue::Count(f.survey.$field),
        }
    };
}
macro_rules! state_kpi {
    ($name:literal, $function:ident) => {
        Metric {
            name: $name,
            unit: Unit::Ratio,
            // a healthy band (about 75–85 %), not "more is better": too high burns agents out
            better: Better::Neither,
            scope: Scope::AgentStates,
            compute: |_, s, _| MetricValue::Number(s.and_then($function)),
        }
    };
}

macro_rules! rating_kpi {
    ($name:literal, $source:literal) => {
        Metric {
            name: $name,
            unit: Unit::Rating,
            better: Better::Higher,
            scope: Scope::AgentRatings,
            compute: |_, _, f| MetricValue::Number(rating_mean(&f.ratings, $source)),
        }
    };
    ($name:literal, $source:literal, $dimension:literal) => {
        Metric {
            name: $name,
            unit: Unit::Rating,
            better: Better::Higher,
            scope: Scope::AgentRatings,
            compute: |_, _, f| {
                MetricValue::Number(rating_dimension_mean(&f.ratings, $source, $dimension))
            },
        }
    };
}

macro_rules! ticket_kpi {
    ($name:literal, $unit:ident, $function:path, $better:ident) => {
        Metric {
            name: $name,
            unit: Unit::$unit,
            better: Better::$better,
            scope: Scope::Tickets,
            compute: |_, _, f| MetricValue::Number($function(&f.tickets)),
        }
    };
}

impl Metric {
    /// Why this measure means nothing when grouped or filtered by `dimensions`, if it does not.
    pub fn exclusion(&self, dimensions: &[Dimension]) -> Option<Exclusion> {
        self.scope.exclusion(dimensions)
    }
}

/// The metrics of `metrics` that mean something for `dimensions`, and why each other one is
/// left out (each reason once, in order).
pub fn meaningful<'a>(
    metrics: impl IntoIterator<Item = &'a Metric>,
    dimensions: &[Dimension],
) -> (Vec<&'a Metric>, Vec<Exclusion>) {
    let mut kept = Vec::new();
    let mut reasons = Vec::new();
    for metric in metrics {
        match metric.exclusion(dimensions) {
            None => kept.push(metric),
            Some(reason) => {
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
    }
    (kept, reasons)
}

/// The metric named `name`, if any.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|metric| metric.name == name)
}

/// The metrics computed from survey responses and invitations.
pub const SURVEY_METRICS: &[&str] = &[
    "survey_invitations",
    "survey_responses",
    "survey_response_rate",
    "csat_answers",
    "csat_unsatisfied",
    "csat",
    "csat_mean",
    "nps_answers",
    "nps",
    "ces_answers",
    "ces",
];

/// The measures that belong to an agent, in the order per-agent views show them: what the agent
/// handled and how (handling time, hold, after-call work, transfers, first-contact resolution),
/// how it was judged (QA score, CSAT) and the agent's occupancy.
pub const AGENT_MEASURES: &[&str] = &[
    "answered",
    "aht_seconds",
    "avg_hold_seconds",
    "avg_acw_seconds",
    "transfer_rate",
    "fcr_rate",
    "qa_score",
    "csat",
    "occupancy",
];

/// The customer measures, in the order a table by segment shows them.
pub const CUSTOMER_MEASURES: &[&str] = &[
    "customers_active",
    "customers_churned",
    "churn_rate",
    "repeat_contact_rate",
    "complaint_customers",
];

/// The headline measures of a view grouped or filtered by `dimensions`: per agent or team
/// [`AGENT_MEASURES`] (a queue's measures would not vary), per segment [`CUSTOMER_MEASURES`]
/// (nothing else is kept per segment), otherwise `listed`; either way only those that mean
/// something there ([`meaningful`]). Tables and dashboards share this rule.
pub fn headline(listed: &[&str], dimensions: &[Dimension]) -> Vec<&'static Metric> {
    let listed = if dimensions.contains(&Dimension::Segment) {
        CUSTOMER_MEASURES
    } else if dimensions.iter().any(|d| d.only_answered()) {
        AGENT_MEASURES
    } else {
        listed
    };
    meaningful(listed.iter().filter_map(|name| metric(name)), dimensions).0
}

/// Every KPI output column, in output order.
pub const METRICS: &[Metric] = &[
    count!("offered", offered, Neither, OfferedContacts),
    // per agent this is what the agent handled
    count!("answered", answered, Neither, Everywhere),
    count!("abandoned", abandoned, Lower, OfferedContacts),
    count!("short_abandoned", short_abandoned, Neither, OfferedContacts),
    count!(
        "answered_within_sl",
        answered_within_sl,
        Higher,
        OfferedContacts
    ),
    contact_kpi!("answer_rate", Ratio, answer_rate, Higher, OfferedContacts),
    contact_kpi!(
        "service_level",
        Ratio,
        service_level,
        Higher,
        OfferedContacts
    ),
    contact_kpi!("abandon_rate", Ratio, abandon_rate, Lower, OfferedContacts),
    contact_kpi!("asa_seconds", Seconds, asa_seconds, Lower, OfferedContacts),
    contact_kpi!(
        "avg_wait_seconds",
        Seconds,
        avg_wait_seconds,
        Lower,
        OfferedContacts
    ),
    contact_kpi!(
        "avg_talk_seconds",
        Seconds,
        avg_talk_seconds,
        Neither,
        Everywhere
    ),
    contact_kpi!(
        "avg_hold_seconds",
        Seconds,
        avg_hold_seconds,
        Lower,
        Everywhere
    ),
    contact_kpi!(
        "avg_acw_seconds",
        Seconds,
        avg_acw_seconds,
        Lower,
        Everywhere
    ),
    contact_kpi!("aht_seconds", Seconds, aht_seconds, Lower, Everywhere),
    count!("transferred", transferred, Lower, Everywhere),
    contact_kpi!("transfer_rate", Ratio, transfer_rate, Lower, Everywhere),
    count!("fcr_eligible", fcr_eligible, Neither, Everywhere),
    count!("fcr_resolved", fcr_resolved, Higher, Everywhere),
    contact_kpi!("fcr_rate", Ratio, fcr_rate, Higher, Everywhere),
    contact_kpi!(
        "resolution_rate",
        Ratio,
        resolution_rate,
        Higher,
        Everywhere
    ),
    state_kpi!("occupancy", occupancy),
    state_kpi!("utilization", utilization),
    Metric {
        name: "qa_evaluations",
        unit: Unit::Count,
        better: Better::Neither,
        scope: Scope::Everywhere,
        compute: |_, _, f| MetricValue::Count(f.qa.evaluated),
    },
    Metric {
        name: "qa_score",
        unit: Unit::Score,
        better: Better::Higher,
        scope: Scope::Everywhere,
        compute: |_, _, f| MetricValue::Number(qa_score(&f.qa)),
    },
    survey_count!("survey_invitations", invited, Neither),
    survey_count!("survey_responses", responses, Neither),
    survey_kpi!("survey_response_rate", Ratio, survey_response_rate, Higher),
    survey_count!("csat_answers", csat_answers, Neither),
    survey_count!("csat_unsatisfied", csat_unsatisfied, Lower),
    survey_kpi!("csat", Ratio, csat, Higher),
    survey_kpi!("csat_mean", Rating, csat_mean, Higher),
    survey_count!("nps_answers", nps_answers, Neither),
    survey_kpi!("nps", Score, nps, Higher),
    survey_count!("ces_answers", ces_answers, Neither),
    // the 1–7 agreement scale: higher means less effort
    survey_kpi!("ces", Rating, ces, Higher),
    // tickets created in the period (servq-desk's formulas, docs/desk.md#ticket-kpis)
    Metric {
        name: "tickets_created",
        unit: Unit::Count,
        better: Better::Neither,
        scope: Scope::Tickets,
        compute: |_, _, f| MetricValue::Count(f.tickets.created),
    },
    ticket_kpi!(
        "first_response_seconds",
        Seconds,
        servq_desk::first_response_seconds,
        Lower
    ),
    ticket_kpi!(
        "ticket_resolution_seconds",
        Seconds,
        servq_desk::resolution_seconds,
        Lower
    ),
    ticket_kpi!(
        "ticket_resolution_rate",
        Ratio,
        servq_desk::ticket_resolution_rate,
        Higher
    ),
    ticket_kpi!("sla_attainment", Ratio, servq_desk::sla_attainment, Higher),
    Metric {
        name: "complaints",
        unit: Unit::Count,
        better: Better::Lower,
        scope: Scope::Tickets,
        compute: |_, _, f| MetricValue::Count(f.tickets.complaints),
    },
    ticket_kpi!(
        "complaints_in_24h_rate",
        Ratio,
        servq_desk::complaints_in_24h_rate,
        Higher
    ),
    // complaints per contact offered to the group (per agent or team: handled)
    Metric {
        name: "complaint_rate",
        unit: Unit::Ratio,
        better: Better::Lower,
        scope: Scope::Tickets,
        compute: |c, _, f| MetricValue::Number(servq_desk::complaint_rate(&f.tickets, c.offered)),
    },
    // customers (docs/kpi.md#customer-measures): per centre and per current segment
    Metric {
        name: "customers_active",
        unit: Unit::Count,
        better: Better::Neither,
        scope: Scope::Customers,
        compute: |_, _, f| MetricValue::Count(f.customers.active_at_start),
    },
    Metric {
        name: "customers_churned",
        unit: Unit::Count,
        better: Better::Lower,
        scope: Scope::Customers,
        compute: |_, _, f| MetricValue::Count(f.customers.churned),
    },
    Metric {
        name: "churn_rate",
        unit: Unit::Ratio,
        better: Better::Lower,
        scope: Scope::Customers,
        compute: |_, _, f| MetricValue::Number(crate::churn_rate(&f.customers)),
    },
    Metric {
        name: "repeat_contact_rate",
        unit: Unit::Ratio,
        better: Better::Lower,
        scope: Scope::Customers,
        compute: |_, _, f| MetricValue::Number(crate::repeat_contact_rate(&f.customers)),
    },
    Metric {
        name: "complaint_customers",
        unit: Unit::Count,
        better: Better::Lower,
        scope: Scope::Customers,
        compute: |_, _, f| MetricValue::Count(f.customers.complaint_customers),
    },
    // 360° ratings (1–5): the mean of all dimension answers of a source, then per dimension
    rating_kpi!("rating_supervisor", 0),
    rating_kpi!("rating_peer", 1),
    rating_kpi!("rating_self", 2),
    rating_kpi!("rating_supervisor_response_speed", 0, 0),
    rating_kpi!("rating_supervisor_problem_solving", 0, 1),
    rating_kpi!("rating_supervisor_professionalism", 0, 2),
    rating_kpi!("rating_supervisor_process", 0, 3),
    rating_kpi!("rating_supervisor_satisfaction", 0, 4),
    rating_kpi!("rating_peer_response_speed", 1, 0),
    rating_kpi!("rating_peer_problem_solving", 1, 1),
    rating_kpi!("rating_peer_professionalism", 1, 2),
    rating_kpi!("rating_peer_process", 1, 3),
    rating_kpi!("rating_peer_satisfaction", 1, 4),
    rating_kpi!("rating_self_response_speed", 2, 0),
    rating_kpi!("rating_self_problem_solving", 2, 1),
    rating_kpi!("rating_self_professionalism", 2, 2),
    rating_kpi!("rating_self_process", 2, 3),
    rating_kpi!("rating_self_satisfaction", 2, 4),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContactFacts, KpiSettings};

    fn answered(wait_s: i64) -> ContactFacts {
        ContactFacts {
            offered_ms: 0,
            answered: true,
            wait_ms: wait_s * 1000,
            talk_ms: 100_000,
            hold_ms: 10_000,
            wrap_ms: 30_000,
            transferred: false,
            has_customer: true,
            next_same_issue_offered_ms: None,
            resolved: None,
        }
    }

    fn abandoned(wait_ms: i64) -> ContactFacts {
        ContactFacts {
            answered: false,
            wait_ms,
            talk_ms: 0,
            hold_ms: 0,
            wrap_ms: 0,
            has_customer: false,
            ..answered(0)
        }
    }

    /// Hand-computed: 4 answered (waits 0, 20, 20.001, 40 s), abandons at 4.999 s (short) and
    /// exactly 5 s (counted), one repeat at exactly 7 days (not FCR) and one at 7 days + 1 ms (FCR).
    #[test]
    fn boundaries_match_the_written_definitions() {
        let settings = KpiSettings::default();
        let week = settings.fcr_window_ms;
        let mut c = ContactCounters::default();
        c.add(
            &ContactFacts {
                next_same_issue_offered_ms: Some(week),
                ..answered(0)
            },
            &settings,
        );
        c.add(
            &ContactFacts {
                next_same_issue_offered_ms: Some(week + 1),
                ..answered(20)
            },
            &settings,
        );
        c.add(
            &ContactFacts {
                wait_ms: 20_001,
                transferred: true,
                ..answered(0)
            },
            &settings,
        );
        c.add(
            &ContactFacts {
                has_customer: false,
                resolved: Some(true),
                ..answered(40)
            },
            &settings,
        );
        c.add(&abandoned(4_999), &settings);
        c.add(&abandoned(5_000), &settings);
        assert_eq!(
            (c.offered, c.answered, c.abandoned, c.short_abandoned),
            (6, 4, 2, 1)
        );
        assert_eq!(c.answered_within_sl, 2);
        assert_eq!(answer_rate(&c), Some(4.0 / 5.0));
        assert_eq!(service_level(&c), Some(2.0 / 5.0));
        assert_eq!(abandon_rate(&c), Some(1.0 / 5.0));
        assert_eq!(asa_seconds(&c), Some((0.0 + 20.0 + 20.001 + 40.0) / 4.0));
        assert_eq!(
            avg_wait_seconds(&c),
            Some((0.0 + 20.0 + 20.001 + 40.0 + 5.0) / 5.0)
        );
        assert_eq!(aht_seconds(&c), Some(140.0));
        assert_eq!(transfer_rate(&c), Some(0.25));
        assert_eq!((c.fcr_eligible, c.fcr_resolved), (3, 2));
        assert_eq!(resolution_rate(&c), Some(1.0));
    }

    #[test]
    fn survey_metrics_are_metrics() {
        for name in AGENT_MEASURES {
            let metric = metric(name).unwrap();
            assert_eq!(metric.exclusion(&[Dimension::Agent]), None, "{name}");
        }
        for name in SURVEY_METRICS {
            assert!(metric(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_table_by_segment_heads_with_the_customer_measures() {
        for name in CUSTOMER_MEASURES {
            assert_eq!(
                metric(name).map(|m| m.scope),
                Some(Scope::Customers),
                "{name}"
            );
        }
        let names: Vec<&str> = headline(&["offered"], &[Dimension::Segment])
            .iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, CUSTOMER_MEASURES);
    }

    #[test]
    fn undefined_ratios_are_none() {
        let c = ContactCounters::default();
        for metric in METRICS {
            match (metric.compute)(&c, None, &FeedbackCounters::default()) {
                MetricValue::Count(n) => assert_eq!(n, 0, "{}", metric.name),
                MetricValue::Number(value) => assert_eq!(value, None, "{}", metric.name),
            }
        }
    }

    #[test]
    fn per_agent_tables_leave_out_queue_measures_and_say_why() {
        let (kept, reasons) = meaningful(METRICS, &[Dimension::Agent]);
        let names: Vec<&str> = kept.iter().map(|m| m.name).collect();
        for agent_measure in AGENT_MEASURES {
            assert!(names.contains(agent_measure), "{agent_measure}");
        }
        for queue_measure in ["offered", "answer_rate", "service_level", "asa_seconds"] {
            assert!(!names.contains(&queue_measure), "{queue_measure}");
        }
        assert_eq!(
            reasons,
            vec![
                Exclusion::OnlyAnsweredHaveAgent(Dimension::Agent),
                Exclusion::CustomersLack(Dimension::Agent)
            ]
        );
        assert!(names.contains(&"rating_peer_process"));
        let (kept, reasons) = meaningful(METRICS, &[Dimension::Channel]);
        assert!(!kept.iter().any(|m| m.name == "occupancy"));
        assert!(!kept.iter().any(|m| m.name == "rating_supervisor"));
        assert_eq!(
            reasons,
            vec![
                Exclusion::StatesLack(Dimension::Channel),
                Exclusion::CustomersLack(Dimension::Channel),
                Exclusion::RatingsLack(Dimension::Channel)
            ]
        );
        // a rating has no queue either (states reach queues through the roster; ratings do not)
        assert_eq!(
            metric("rating_self")
                .unwrap()
                .exclusion(&[Dimension::Queue]),
            Some(Exclusion::RatingsLack(Dimension::Queue))
        );
        assert_eq!(meaningful(METRICS, &[]).0.len(), METRICS.len());
        let names = |metrics: Vec<&Metric>| metrics.iter().map(|m| m.name).collect::<Vec<_>>();
        assert_eq!(
            names(headline(&["offered"], &[Dimension::Team])),
            AGENT_MEASURES
        );
        assert_eq!(
            names(headline(&["offered", "occupancy"], &[Dimension::Channel])),
            ["offered"]
        );
    }

    #[test]
    fn rating_means_are_taken_last() {
        let mut ratings = crate::RatingCounters::default();
        // two peer ratings: (4, 5, -, -, -) and (2, -, -, -, 3)
        ratings.add_source(1, [(1, 4), (1, 5), (0, 0), (0, 0), (0, 0)]);
        ratings.add_source(1, [(1, 2), (0, 0), (0, 0), (0, 0), (1, 3)]);
        let feedback = FeedbackCounters {
            ratings,
            ..FeedbackCounters::default()
        };
        let value = |name: &str| match (metric(name).unwrap().compute)(
            &ContactCounters::default(),
            None,
            &feedback,
        ) {
            MetricValue::Number(value) => value,
            MetricValue::Count(_) => unreachable!("{name} is a mean"),
        };
        assert_eq!(value("rating_peer"), Some((4.0 + 5.0 + 2.0 + 3.0) / 4.0));
        assert_eq!(value("rating_peer_response_speed"), Some(3.0));
        assert_eq!(value("rating_peer_process"), None);
        assert_eq!(value("rating_self"), None);
    }

    #[test]
    fn occupancy_and_utilization() {
        let s = StateCounters {
            available_ms: 200,
            talk_ms: 500,
            hold_ms: 100,
            wrap_ms: 200,
            not_ready_ms: 1000,
        };
        assert_eq!(occupancy(&s), Some(0.8));
        assert_eq!(utilization(&s), Some(0.4));
    }
}
