//! The smallest staffing that meets service targets, and the staff to schedule for it.

use crate::{
    WfmError, check_range,
    erlang::{
        ErlangBSequence, Model, Performance, Workload, erlang_c_performance, evaluate_with_b,
    },
};

/// One service target a staffing level must meet. Built through its constructors, which check
/// the ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target(TargetKind);

#[derive(Debug, Clone, Copy, PartialEq)]
enum TargetKind {
    ServiceLevel { fraction: f64, within_seconds: f64 },
    MaxAsa { seconds: f64 },
    MinAnswerRate(f64),
    MaxAbandonRate(f64),
    MaxBlocking(f64),
}

impl Target {
    /// At least `fraction` of offered contacts answered within `within_seconds` (e.g. 80/20).
    pub fn service_level(fraction: f64, within_seconds: f64) -> Result<Target, WfmError> {
        let fraction = check_range(
            "target service level",
            fraction,
            0.0,
            1.0 - f64::EPSILON,
            "a fraction in [0, 1)",
        )?;
        let within_seconds = check_range(
            "target time",
            within_seconds,
            0.0,
            f64::MAX,
            "a number of seconds ≥ 0",
        )?;
        Ok(Target(TargetKind::ServiceLevel {
            fraction,
            within_seconds,
        }))
    }

    /// Average speed of answer at most `seconds`.
    pub fn max_asa(seconds: f64) -> Result<Target, WfmError> {
        check_range(
            "target ASA",
            seconds,
            f64::MIN_POSITIVE,
            f64::MAX,
            "a number of seconds > 0",
        )
        .map(|seconds| Target(TargetKind::MaxAsa { seconds }))
    }

    /// At least `fraction` of offered contacts answered (Erlang A or B).
    pub fn min_answer_rate(fraction: f64) -> Result<Target, WfmError> {
        check_range(
            "target answer rate",
            fraction,
            0.0,
            1.0 - f64::EPSILON,
            "a fraction in [0, 1)",
        )
        .map(|fraction| Target(TargetKind::MinAnswerRate(fraction)))
    }

    /// At most `fraction` of offered contacts abandoned (Erlang A).
    pub fn max_abandon_rate(fraction: f64) -> Result<Target, WfmError> {
        check_range(
            "target abandon rate",
            fraction,
            f64::EPSILON,
            1.0,
            "a fraction in (0, 1]",
        )
        .map(|fraction| Target(TargetKind::MaxAbandonRate(fraction)))
    }

    /// At most `fraction` of offered contacts blocked (Erlang B).
    pub fn max_blocking(fraction: f64) -> Result<Target, WfmError> {
        check_range(
            "target blocking",
            fraction,
            f64::EPSILON,
            1.0,
            "a fraction in (0, 1]",
        )
        .map(|fraction| Target(TargetKind::MaxBlocking(fraction)))
    }

    /// The service-level threshold this target measures, if it is a service-level target.
    pub fn service_level_seconds(&self) -> Option<f64> {
        match self.0 {
            TargetKind::ServiceLevel { within_seconds, .. } => Some(within_seconds),
            _ => None,
        }
    }

    fn check_model(&self, model: &Model) -> Result<(), WfmError> {
        let needs = |target, needs| Err(WfmError::TargetNeedsModel { target, needs });
        match (self.0, model) {
            (TargetKind::MaxAbandonRate(_), Model::ErlangB | Model::ErlangC) => {
                needs("abandon rate", "caller patience (Erlang A)")
            }
            (TargetKind::MinAnswerRate(_), Model::ErlangC) => needs(
                "answer rate",
                "caller patience (Erlang A) or lost calls (Erlang B)",
            ),
            (TargetKind::MaxBlocking(_), Model::ErlangA(_) | Model::ErlangC) => {
                needs("blocking", "the lost-calls model (Erlang B)")
            }
            (TargetKind::ServiceLevel { .. } | TargetKind::MaxAsa { .. }, Model::ErlangB) => {
                needs("waiting-time", "a queue (Erlang C or A)")
            }
            _ => Ok(()),
        }
    }

    fn is_met(&self, performance: &Performance) -> bool {
        // A hair of tolerance so that a target hit exactly (as in textbook examples) counts.
        const SLACK: f64 = 1e-12;
        match self.0 {
            TargetKind::ServiceLevel { fraction, .. } => {
                performance.service_level >= fraction - SLACK
            }
            TargetKind::MaxAsa { seconds } => performance.asa_seconds <= seconds * (1.0 + SLACK),
            TargetKind::MinAnswerRate(fraction) => performance.answer_rate >= fraction - SLACK,
            TargetKind::MaxAbandonRate(fraction) => {
                performance.abandon_probability.unwrap_or(0.0) <= fraction + SLACK
            }
            TargetKind::MaxBlocking(fraction) => {
                performance.blocking_probability.unwrap_or(0.0) <= fraction + SLACK
            }
        }
    }
}

/// What staffing must achieve and how agents turn into scheduled staff.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingPolicy {
    targets: Vec<Target>,
    max_occupancy: Option<f64>,
    shrinkage: f64,
    service_level_seconds: f64,
}

impl StaffingPolicy {
    /// `targets` must all be met; agent occupancy may not exceed `max_occupancy`; `shrinkage`
    /// is the share of paid time not on the phones (breaks, training, absence). Performance is
    /// reported at the service-level target's time, or at `default_service_level_seconds`
    /// without one.
    pub fn new(
        targets: Vec<Target>,
        max_occupancy: Option<f64>,
        shrinkage: f64,
        default_service_level_seconds: f64,
    ) -> Result<StaffingPolicy, WfmError> {
        let max_occupancy = max_occupancy
            .map(|cap| {
                check_range(
                    "max occupancy",
                    cap,
                    f64::MIN_POSITIVE,
                    1.0,
                    "a fraction in (0, 1]",
                )
            })
            .transpose()?;
        let shrinkage = check_range(
            "shrinkage",
            shrinkage,
            0.0,
            1.0 - f64::EPSILON,
            "a fraction in [0, 1)",
        )?;
        let mut levels = targets.iter().filter_map(Target::service_level_seconds);
        let service_level_seconds = match (levels.next(), levels.next()) {
            (Some(seconds), None) => seconds,
            (None, _) => check_range(
                "service level time",
                default_service_level_seconds,
                0.0,
                f64::MAX,
                "a number of seconds ≥ 0",
            )?,
            (Some(_), Some(_)) => {
                return Err(WfmError::OutOfRange {
                    name: "service level targets",
                    expected: "at most one",
                    value: 2.0,
                });
            }
        };
        Ok(StaffingPolicy {
            targets,
            max_occupancy,
            shrinkage,
            service_level_seconds,
        })
    }

    /// The threshold at which service level is reported.
    pub fn service_level_seconds(&self) -> f64 {
        self.service_level_seconds
    }

    /// The share of paid time not available for contacts.
    pub fn shrinkage(&self) -> f64 {
        self.shrinkage
    }

    fn is_met(&self, performance: &Performance) -> bool {
        let occupancy_ok = self
            .max_occupancy
            .is_none_or(|cap| performance.occupancy <= cap * (1.0 + 1e-12));
        performance.stable
            && occupancy_ok
            && self.targets.iter().all(|target| target.is_met(performance))
    }
}

/// The staffing found for one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// Agents needed on the phones.
    pub agents: u32,
    /// Staff to schedule: ⌈agents / (1 − shrinkage)⌉.
    pub staff_with_shrinkage: u32,
    /// The performance those agents give.
    pub performance: Performance,
}

/// The most agents a search tries before giving up.
const SEARCH_LIMIT: u32 = 10_000_000;

/// The smallest number of agents whose performance under `model` meets every target of
/// `policy` (and its occupancy cap), with that performance. Every target measure is monotone
/// in the number of agents, so the first agent count that meets them all is the answer.
pub fn required_staff(
    workload: &Workload,
    model: &Model,
    policy: &StaffingPolicy,
) -> Result<Staffing, WfmError> {
    for target in &policy.targets {
        target.check_model(model)?;
    }
    let seconds = policy.service_level_seconds;
    let traffic = workload.traffic_erlangs();
    let found = |agents: u32, performance: Performance| Staffing {
        agents,
        staff_with_shrinkage: staff_with_shrinkage(agents, policy.shrinkage),
        performance,
    };
    if traffic == 0.0 {
        let performance = crate::evaluate(workload, model, 0, seconds)?;
        return Ok(found(0, performance));
    }
    match model {
        // Each step of the Erlang B recursion is a multiply-add: walk up from one agent. Only
        // counts that pass the occupancy cap (and, for Erlang C, exceed the traffic) are
        // evaluated.
        Model::ErlangB | Model::ErlangC => {
            let mut sequence = ErlangBSequence::new(traffic);
            let first_stable = match model {
                Model::ErlangC => (traffic as u32).saturating_add(1),
                _ => 1,
            };
            let occupancy_cap = policy.max_occupancy.unwrap_or(1.0) * (1.0 + 1e-12);
            // e^{−(N−A)t/AHT} for the service level: one `exp` for the first candidate, then one
            // factor e^{−t/AHT} per added agent
            let mut decay: Option<(f64, f64)> = None;
            // below both bounds nothing needs evaluating: jump there (truncation = floor, ≥ 0)
            let lowest = first_stable.max((traffic / occupancy_cap) as u32);
            sequence.advance_to(lowest.saturating_sub(1).min(SEARCH_LIMIT));
            while sequence.agents < SEARCH_LIMIT {
                sequence.advance();
                let agents = sequence.agents;
                if agents < first_stable || traffic / f64::from(agents) > occupancy_cap {
                    continue;
                }
                let blocking = sequence.blocking();
                let performance = if *model == Model::ErlangC {
                    let aht = workload.aht_seconds();
                    let (value, step) = match decay {
                        Some((previous, step)) => (previous * step, step),
                        None => (
                            (-(f64::from(agents) - traffic) * seconds / aht).exp(),
                            (-seconds / aht).exp(),
                        ),
                    };
                    decay = Some((value, step));
                    erlang_c_performance(workload, agents, blocking, seconds, value)
                } else {
                    evaluate_with_b(workload, model, agents, blocking, seconds)
                };
                if policy.is_met(&performance) {
                    return Ok(found(agents, performance));
                }
            }
            Err(WfmError::Unreachable {
                limit: SEARCH_LIMIT,
            })
        }
        // Each Erlang A evaluation sums a series: gallop up, then bisect.
        Model::ErlangA(_) => {
            let evaluate = |agents: u32| {
                let blocking = crate::erlang_b(agents, traffic);
                evaluate_with_b(workload, model, agents, blocking, seconds)
            };
            let start = 1;
            let first = evaluate(start);
            if policy.is_met(&first) {
                return Ok(found(start, first));
            }
            let (mut failing, mut step) = (start, 1_u32);
            let (mut meeting, mut performance) = loop {
                let candidate = start.saturating_add(step);
                let performance = evaluate(candidate);
                if policy.is_met(&performance) {
                    break (candidate, performance);
                }
                if candidate >= SEARCH_LIMIT {
                    return Err(WfmError::Unreachable {
                        limit: SEARCH_LIMIT,
                    });
                }
                failing = candidate;
                step = step.saturating_mul(2);
            };
            while meeting - failing > 1 {
                let middle = failing + (meeting - failing) / 2;
                let candidate = evaluate(middle);
                if policy.is_met(&candidate) {
                    (meeting, performance) = (middle, candidate);
                } else {
                    failing = middle;
                }
            }
            Ok(found(meeting, performance))
        }
    }
}

/// Staff to schedule so that `agents` remain after `shrinkage`: the smallest S with
/// S·(1 − shrinkage) ≥ agents, i.e. ⌈agents / (1 − shrinkage)⌉ without the rounding error
/// that turns 14 / 0.7 into 20.000000000000004 and so 21.
pub fn staff_with_shrinkage(agents: u32, shrinkage: f64) -> u32 {
    let exact = f64::from(agents) / (1.0 - shrinkage);
    // `as` truncates; written out because f64::ceil and round are library calls on baseline x86
    let below = exact as u32;
    if exact - f64::from(below) <= 1e-9 * exact.max(1.0) {
        below
    } else {
        below + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Patience;

    fn sl_80_20(max_occupancy: Option<f64>, shrinkage: f64) -> StaffingPolicy {
        StaffingPolicy::new(
            vec![Target::service_level(0.8, 20.0).unwrap()],
            max_occupancy,
            shrinkage,
            20.0,
        )
        .unwrap()
    }

    #[test]
    fn published_erlang_c_example() {
        let workload = Workload::new(100.0, 1800.0, 180.0).unwrap();
        let staffing = required_staff(&workload, &Model::ErlangC, &sl_80_20(None, 0.3)).unwrap();
        assert_eq!(staffing.agents, 14);
        assert_eq!(staffing.staff_with_shrinkage, 20);
    }

    #[test]
    fn occupancy_cap_raises_staffing() {
        // 1000 calls/h, AHT 120 s: A = 33.3; 80/20 alone needs fewer than the 85 % cap allows.
        let workload = Workload::new(1000.0, 3600.0, 120.0).unwrap();
        let uncapped = required_staff(&workload, &Model::ErlangC, &sl_80_20(None, 0.0)).unwrap();
        assert!(uncapped.agents < 40, "{}", uncapped.agents);
        let capped =
            required_staff(&workload, &Model::ErlangC, &sl_80_20(Some(0.85), 0.0)).unwrap();
        assert_eq!(capped.agents, 40);
        assert!(capped.performance.occupancy <= 0.85);
    }

    #[test]
    fn exact_occupancy_cap_is_not_lost_to_rounding() {
        // A = 10, cap 0.5 → exactly 20 agents, even though 10/0.5 may round up in floating point
        let workload = Workload::new(100.0, 1800.0, 180.0).unwrap();
        let staffing =
            required_staff(&workload, &Model::ErlangC, &sl_80_20(Some(0.5), 0.0)).unwrap();
        assert_eq!(staffing.agents, 20);
    }

    #[test]
    fn erlang_a_needs_fewer_agents_and_matches_the_example() {
        let workload = Workload::new(100.0, 1800.0, 180.0).unwrap();
        let model = Model::ErlangA(Patience::seconds(300.0).unwrap());
        let staffing = required_staff(&workload, &model, &sl_80_20(None, 0.0)).unwrap();
        assert_eq!(staffing.agents, 13);
        let p = staffing.performance;
        assert!((p.probability_wait - 0.2258).abs() < 5e-5);
        assert!((p.abandon_probability.unwrap() - 0.02496).abs() < 5e-6);
    }

    #[test]
    fn erlang_a_search_is_the_smallest_meeting_count() {
        let workload = Workload::new(2400.0, 1800.0, 300.0).unwrap();
        let model = Model::ErlangA(Patience::seconds(120.0).unwrap());
        let policy = StaffingPolicy::new(
            vec![Target::max_abandon_rate(0.03).unwrap()],
            None,
            0.0,
            20.0,
        )
        .unwrap();
        let staffing = required_staff(&workload, &model, &policy).unwrap();
        let below = crate::evaluate(&workload, &model, staffing.agents - 1, 20.0).unwrap();
        assert!(below.abandon_probability.unwrap() > 0.03);
        assert!(staffing.performance.abandon_probability.unwrap() <= 0.03);
    }

    #[test]
    fn erlang_b_trunks() {
        // A classic trunk table value: 10 Erlangs at 1 % blocking need 18 lines.
        let workload = Workload::new(10.0, 3600.0, 3600.0).unwrap();
        let policy =
            StaffingPolicy::new(vec![Target::max_blocking(0.01).unwrap()], None, 0.0, 20.0)
                .unwrap();
        let staffing = required_staff(&workload, &Model::ErlangB, &policy).unwrap();
        assert_eq!(staffing.agents, 18);
    }

    #[test]
    fn targets_the_model_cannot_express_are_refused() {
        let workload = Workload::new(100.0, 1800.0, 180.0).unwrap();
        let policy = StaffingPolicy::new(
            vec![Target::max_abandon_rate(0.05).unwrap()],
            None,
            0.0,
            20.0,
        )
        .unwrap();
        let error = required_staff(&workload, &Model::ErlangC, &policy).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the abandon rate target needs caller patience (Erlang A)"
        );
    }

    #[test]
    fn shrinkage_rounding() {
        assert_eq!(staff_with_shrinkage(14, 0.3), 20);
        assert_eq!(staff_with_shrinkage(15, 0.3), 22);
        assert_eq!(staff_with_shrinkage(0, 0.3), 0);
        assert_eq!(staff_with_shrinkage(7, 0.0), 7);
    }

    #[test]
    fn no_contacts_needs_no_agents() {
        let workload = Workload::new(0.0, 1800.0, 180.0).unwrap();
        let staffing = required_staff(&workload, &Model::ErlangC, &sl_80_20(None, 0.3)).unwrap();
        assert_eq!((staffing.agents, staffing.staff_with_shrinkage), (0, 0));
    }
}
