//! Erlang B, C and A performance of one interval. Formulas and derivations: `docs/wfm.md`.

use crate::{WfmError, check_range};

/// The offered load of one interval: Poisson arrivals at a constant rate, exponential handle
/// times with the given mean. Built only through [`Workload::new`], so it is always valid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    arrivals_per_second: f64,
    aht_seconds: f64,
}

impl Workload {
    /// `calls` offered over `interval_seconds`, each taking `aht_seconds` to handle (talk + hold
    /// + after-call work).
    pub fn new(calls: f64, interval_seconds: f64, aht_seconds: f64) -> Result<Workload, WfmError> {
        let calls = check_range("calls", calls, 0.0, f64::MAX, "a number ≥ 0")?;
        let interval = check_range(
            "interval",
            interval_seconds,
            f64::MIN_POSITIVE,
            f64::MAX,
            "a number of seconds > 0",
        )?;
        let aht = check_range(
            "aht",
            aht_seconds,
            f64::MIN_POSITIVE,
            f64::MAX,
            "a number of seconds > 0",
        )?;
        Ok(Workload {
            arrivals_per_second: calls / interval,
            aht_seconds: aht,
        })
    }

    /// Arrival rate λ in contacts per second.
    pub fn arrivals_per_second(&self) -> f64 {
        self.arrivals_per_second
    }

    /// Mean handle time 1/μ in seconds.
    pub fn aht_seconds(&self) -> f64 {
        self.aht_seconds
    }

    /// Offered traffic A = λ · AHT in Erlangs: the number of agents that would be busy all the
    /// time if every contact were answered at once.
    pub fn traffic_erlangs(&self) -> f64 {
        self.arrivals_per_second * self.aht_seconds
    }
}

/// Mean caller patience in seconds (exponentially distributed), for Erlang A.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Patience(f64);

impl Patience {
    /// A finite, positive mean patience.
    pub fn seconds(seconds: f64) -> Result<Patience, WfmError> {
        check_range(
            "patience",
            seconds,
            f64::MIN_POSITIVE,
            f64::MAX,
            "a number of seconds > 0",
        )
        .map(Patience)
    }

    /// The mean patience in seconds.
    pub fn as_seconds(self) -> f64 {
        self.0
    }
}

/// The queueing model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// Erlang B (M/M/N/N): a contact that finds every agent busy is lost (blocked); no queue.
    ErlangB,
    /// Erlang C (M/M/N): callers wait as long as it takes.
    ErlangC,
    /// Erlang A (M/M/N+M): waiting callers hang up after an exponential patience.
    ErlangA(Patience),
}

impl Model {
    /// The model's name in JSON output: `erlang_b`, `erlang_c` or `erlang_a`.
    pub fn name(&self) -> &'static str {
        match self {
            Model::ErlangB => "erlang_b",
            Model::ErlangC => "erlang_c",
            Model::ErlangA(_) => "erlang_a",
        }
    }
}

/// The predicted performance of one interval with a given number of agents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    /// Agents on the phones (after shrinkage).
    pub agents: u32,
    /// Offered traffic in Erlangs.
    pub traffic_erlangs: f64,
    /// Probability that an arriving contact finds every agent busy and has to wait (Erlang B:
    /// 0, blocked contacts do not wait).
    pub probability_wait: f64,
    /// Fraction of offered contacts answered within [`Performance::service_level_seconds`]
    /// (abandoned and blocked contacts count against it, as in the KPI of that name).
    pub service_level: f64,
    /// The threshold of [`Performance::service_level`].
    pub service_level_seconds: f64,
    /// Average speed of answer: mean wait of answered contacts, zero waits included.
    /// Infinite for an unstable Erlang C queue (agents ≤ traffic).
    pub asa_seconds: f64,
    /// Fraction of agent time spent handling contacts: carried traffic / agents.
    pub occupancy: f64,
    /// Fraction of offered contacts that are answered.
    pub answer_rate: f64,
    /// Erlang A: fraction of offered contacts that hang up while waiting.
    pub abandon_probability: Option<f64>,
    /// Erlang B: fraction of offered contacts that are blocked.
    pub blocking_probability: Option<f64>,
    /// False for Erlang C with agents ≤ traffic: the queue grows without bound.
    pub stable: bool,
}

/// Erlang B blocking probability for `agents` servers and `traffic` Erlangs, from the recursion
/// B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)) (carried out on 1/B, see docs/wfm.md),
/// which never forms A^N/N! and loses no accuracy for any N.
pub fn erlang_b(agents: u32, traffic: f64) -> f64 {
    let mut sequence = ErlangBSequence::new(traffic);
    sequence.advance_to(agents);
    sequence.blocking()
}

/// Erlang C probability of waiting, C = N·B / (N − A·(1 − B)) for N > A; 1 when N ≤ A (every
/// contact waits in an unstable queue).
pub fn erlang_c(agents: u32, traffic: f64) -> f64 {
    erlang_c_from_b(agents, traffic, erlang_b(agents, traffic))
}

pub(crate) fn erlang_c_from_b(agents: u32, traffic: f64, blocking: f64) -> f64 {
    let n = f64::from(agents);
    if n <= traffic {
        return 1.0;
    }
    n * blocking / (n - traffic * (1.0 - blocking))
}

/// Erlang B values for n = 0, 1, 2, … agents, one step at a time: staffing searches walk up
/// the agent count without starting over.
///
/// The recursion runs on the inverse, 1/B(n) = 1 + (n/A)·1/B(n−1): a multiply-add on the
/// dependent chain instead of a division, every term positive (no cancellation, errors shrink
/// from step to step). Once 1/B passes 1e290 it continues on B itself, the forward form, so it
/// never overflows; B then underflows gracefully towards 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErlangBSequence {
    traffic: f64,
    pub(crate) agents: u32,
    inverse: f64,
    forward: Option<f64>,
}

impl ErlangBSequence {
    pub(crate) fn new(traffic: f64) -> Self {
        ErlangBSequence {
            traffic,
            agents: 0,
            inverse: 1.0,
            forward: None,
        }
    }

    pub(crate) fn advance(&mut self) {
        self.agents += 1;
        let n = f64::from(self.agents);
        match &mut self.forward {
            None if self.traffic == 0.0 => self.forward = Some(0.0),
            None => {
                self.inverse = 1.0 + self.inverse * (n / self.traffic);
                if self.inverse > 1e290 {
                    self.forward = Some(1.0 / self.inverse);
                }
            }
            Some(blocking) => {
                let carried = self.traffic * *blocking;
                *blocking = if carried == 0.0 {
                    0.0
                } else {
                    carried / (n + carried)
                };
            }
        }
    }

    /// Advances to `agents`.
    pub(crate) fn advance_to(&mut self, agents: u32) {
        while self.agents < agents {
            self.advance();
        }
    }

    pub(crate) fn blocking(&self) -> f64 {
        self.forward.unwrap_or(1.0 / self.inverse)
    }
}

/// The performance of `agents` agents under `model`, with the service level measured at
/// `service_level_seconds`.
pub fn evaluate(
    workload: &Workload,
    model: &Model,
    agents: u32,
    service_level_seconds: f64,
) -> Result<Performance, WfmError> {
    let threshold = check_range(
        "service level time",
        service_level_seconds,
        0.0,
        f64::MAX,
        "a number of seconds ≥ 0",
    )?;
    if workload.traffic_erlangs() == 0.0 {
        return Ok(idle(agents, threshold, model));
    }
    if agents == 0 {
        return Ok(unstaffed(workload.traffic_erlangs(), threshold, model));
    }
    let blocking = erlang_b(agents, workload.traffic_erlangs());
    Ok(evaluate_with_b(
        workload, model, agents, blocking, threshold,
    ))
}

/// An interval without contacts: nothing waits, nothing is lost.
fn idle(agents: u32, service_level_seconds: f64, model: &Model) -> Performance {
    Performance {
        agents,
        traffic_erlangs: 0.0,
        probability_wait: 0.0,
        service_level: 1.0,
        service_level_seconds,
        asa_seconds: 0.0,
        occupancy: 0.0,
        answer_rate: 1.0,
        abandon_probability: matches!(model, Model::ErlangA(_)).then_some(0.0),
        blocking_probability: matches!(model, Model::ErlangB).then_some(0.0),
        stable: true,
    }
}

/// Contacts and no agents: nobody is answered; the Erlang C queue grows without bound.
fn unstaffed(traffic: f64, service_level_seconds: f64, model: &Model) -> Performance {
    Performance {
        agents: 0,
        traffic_erlangs: traffic,
        probability_wait: if matches!(model, Model::ErlangB) {
            0.0
        } else {
            1.0
        },
        service_level: 0.0,
        service_level_seconds,
        asa_seconds: f64::INFINITY,
        occupancy: 0.0,
        answer_rate: 0.0,
        abandon_probability: matches!(model, Model::ErlangA(_)).then_some(1.0),
        blocking_probability: matches!(model, Model::ErlangB).then_some(1.0),
        stable: !matches!(model, Model::ErlangC),
    }
}

/// [`evaluate`] given the Erlang B value for these agents (which staffing searches carry along).
pub(crate) fn evaluate_with_b(
    workload: &Workload,
    model: &Model,
    agents: u32,
    blocking: f64,
    service_level_seconds: f64,
) -> Performance {
    match model {
        Model::ErlangB => erlang_b_performance(workload, agents, blocking, service_level_seconds),
        Model::ErlangC => {
            let decay = (-(f64::from(agents) - workload.traffic_erlangs()) * service_level_seconds
                / workload.aht_seconds())
            .exp();
            erlang_c_performance(workload, agents, blocking, service_level_seconds, decay)
        }
        Model::ErlangA(patience) => {
            erlang_a_performance(workload, *patience, agents, blocking, service_level_seconds)
        }
    }
}

fn erlang_b_performance(
    workload: &Workload,
    agents: u32,
    blocking: f64,
    service_level_seconds: f64,
) -> Performance {
    let traffic = workload.traffic_erlangs();
    Performance {
        agents,
        traffic_erlangs: traffic,
        probability_wait: 0.0,
        service_level: 1.0 - blocking,
        service_level_seconds,
        asa_seconds: 0.0,
        occupancy: traffic * (1.0 - blocking) / f64::from(agents),
        answer_rate: 1.0 - blocking,
        abandon_probability: None,
        blocking_probability: Some(blocking),
        stable: true,
    }
}

/// Erlang C with `decay` = e^{−(N−A)·t/AHT} given, which a staffing search updates by one factor
/// per added agent instead of calling `exp` each time.
pub(crate) fn erlang_c_performance(
    workload: &Workload,
    agents: u32,
    blocking: f64,
    service_level_seconds: f64,
    decay: f64,
) -> Performance {
    let traffic = workload.traffic_erlangs();
    let n = f64::from(agents);
    if n <= traffic {
        return Performance {
            agents,
            traffic_erlangs: traffic,
            probability_wait: 1.0,
            service_level: 0.0,
            service_level_seconds,
            asa_seconds: f64::INFINITY,
            occupancy: 1.0,
            answer_rate: 1.0,
            abandon_probability: None,
            blocking_probability: None,
            stable: false,
        };
    }
    let wait = erlang_c_from_b(agents, traffic, blocking);
    let aht = workload.aht_seconds();
    Performance {
        agents,
        traffic_erlangs: traffic,
        probability_wait: wait,
        service_level: 1.0 - wait * decay,
        service_level_seconds,
        asa_seconds: wait * aht / (n - traffic),
        occupancy: traffic / n,
        answer_rate: 1.0,
        abandon_probability: None,
        blocking_probability: None,
        stable: true,
    }
}

/// Erlang A by the exact birth–death solution (docs/wfm.md, "Erlang A"). With a = λ/θ and
/// b = Nμ/θ, the stationary probabilities above N agents are π_{N+j} = π_N·t_j where
/// t_j = a^j / ((b+1)(b+2)…(b+j)); below N they sum to π_N·(1/B − 1).
fn erlang_a_performance(
    workload: &Workload,
    patience: Patience,
    agents: u32,
    blocking: f64,
    service_level_seconds: f64,
) -> Performance {
    let traffic = workload.traffic_erlangs();
    let theta = 1.0 / patience.as_seconds();
    let a = workload.arrivals_per_second() / theta;
    let b = f64::from(agents) * (patience.as_seconds() / workload.aht_seconds());
    let tail = QueueSeries::sum(b, a);
    let ln_tail = tail.ln_total();
    // P(wait) = T·B / (1 − B + T·B) = 1 / (1 + (1 − B)/(B·T)), in logs since T may be huge.
    let probability_wait = if blocking == 0.0 {
        0.0
    } else {
        1.0 / (1.0 + ((1.0 - blocking).ln() - blocking.ln() - ln_tail).exp())
    };
    let served_given_wait = tail.served / tail.total;
    let abandon_probability = probability_wait * (1.0 - served_given_wait);
    let answer_rate = 1.0 - abandon_probability;

    // Answered within t given a wait: (b/(b+1))·[G(b+1, a) − x^{b+1}·e^{a(1−x)}·G(b+1, a·x)]/G(b, a)
    // with x = e^{−θt}; the first term over G(b, a) is `served_given_wait`.
    let theta_t = theta * service_level_seconds;
    let x = (-theta_t).exp();
    let late = QueueSeries::sum(b + 1.0, a * x);
    let ln_late = -(b + 1.0) * theta_t + a * (-(-theta_t).exp_m1()) + late.ln_total() - ln_tail;
    let answered_within_given_wait =
        (served_given_wait - b / (b + 1.0) * ln_late.exp()).clamp(0.0, 1.0);
    let service_level = (1.0 - probability_wait) + probability_wait * answered_within_given_wait;

    let answered_wait_total = probability_wait * tail.served_wait / tail.total / theta;
    let asa_seconds = if answer_rate > 0.0 {
        answered_wait_total / answer_rate
    } else {
        f64::INFINITY
    };
    Performance {
        agents,
        traffic_erlangs: traffic,
        probability_wait,
        service_level,
        service_level_seconds,
        asa_seconds,
        occupancy: (traffic * answer_rate / f64::from(agents)).min(1.0),
        answer_rate,
        abandon_probability: Some(abandon_probability),
        blocking_probability: None,
        stable: true,
    }
}

/// Sums over the waiting states of the Erlang A chain, scaled by e^{−ln_scale} so that they
/// never overflow: with t_j = y^j / ((s+1)…(s+j)),
/// - `total` = Σ t_j = G(s, y),
/// - `served` = Σ t_j · s/(s+j+1): a caller with j ahead is answered with probability
///   s/(s+j+1),
/// - `served_wait` = Σ t_j · s/(s+j+1) · Σ_{m=1}^{j+1} 1/(s+m): θ times that caller's expected
///   wait over answered outcomes, E[V·e^{−θV}].
#[derive(Debug, Clone, Copy)]
struct QueueSeries {
    ln_scale: f64,
    total: f64,
    served: f64,
    served_wait: f64,
}

/// Terms above this are rescaled, keeping the sums far from overflow.
const RESCALE_ABOVE: f64 = 1e200;

impl QueueSeries {
    fn sum(s: f64, y: f64) -> QueueSeries {
        let mut series = QueueSeries {
            ln_scale: 0.0,
            total: 0.0,
            served: 0.0,
            served_wait: 0.0,
        };
        let mut term = 1.0_f64;
        let mut harmonic = 1.0 / (s + 1.0);
        let mut j = 0.0_f64;
        loop {
            let served = term * s / (s + j + 1.0);
            series.total += term;
            series.served += served;
            series.served_wait += served * harmonic;
            let ratio = y / (s + j + 1.0);
            // Once the ratios fall below 1 they keep falling, so the rest is bounded by a
            // geometric series (times the slowly growing harmonic weight).
            if ratio < 1.0 {
                let rest = term * ratio / (1.0 - ratio) * (1.0 + harmonic * (j + 2.0));
                if rest <= series.total * 1e-18 || term == 0.0 {
                    break;
                }
            }
            term *= ratio;
            j += 1.0;
            harmonic += 1.0 / (s + j + 1.0);
            if term > RESCALE_ABOVE {
                term /= RESCALE_ABOVE;
                series.total /= RESCALE_ABOVE;
                series.served /= RESCALE_ABOVE;
                series.served_wait /= RESCALE_ABOVE;
                series.ln_scale += RESCALE_ABOVE.ln();
            }
        }
        series
    }

    fn ln_total(&self) -> f64 {
        self.total.ln() + self.ln_scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_case() -> Workload {
        Workload::new(100.0, 1800.0, 180.0).unwrap()
    }

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not within {tolerance} of {expected}"
        );
    }

    #[test]
    fn erlang_c_matches_the_published_example() {
        let performance = evaluate(&first_case(), &Model::ErlangC, 14, 20.0).unwrap();
        assert_eq!(performance.traffic_erlangs, 10.0);
        close(performance.probability_wait, 0.17413, 5e-6);
        close(performance.service_level, 0.88835, 5e-6);
        close(performance.asa_seconds, 7.836, 5e-4);
        close(performance.occupancy, 10.0 / 14.0, 1e-15);
    }

    #[test]
    fn erlang_a_matches_the_published_example() {
        let model = Model::ErlangA(Patience::seconds(300.0).unwrap());
        let performance = evaluate(&first_case(), &model, 13, 20.0).unwrap();
        close(performance.probability_wait, 0.2258, 5e-5);
        close(performance.abandon_probability.unwrap(), 0.02496, 5e-6);
    }

    #[test]
    fn erlang_a_abandonment_equals_theta_times_mean_queue() {
        // Little's law for abandons: λ·P(abandon) = θ·E[queue]; computed here the long way.
        let workload = Workload::new(700.0, 1800.0, 240.0).unwrap();
        let patience = 90.0;
        let model = Model::ErlangA(Patience::seconds(patience).unwrap());
        for agents in [60, 85, 93, 94, 100, 130] {
            let performance = evaluate(&workload, &model, agents, 20.0).unwrap();
            let lambda = workload.arrivals_per_second();
            let (mu, theta) = (1.0 / workload.aht_seconds(), 1.0 / patience);
            let n = f64::from(agents);
            // unnormalised probabilities from the plain recursion, in f64 (small case)
            let mut weights = vec![1.0_f64];
            for k in 1..=agents {
                weights.push(weights.last().unwrap() * lambda / (mu * f64::from(k)));
            }
            let mut queue = 0.0;
            let mut waiting = 0.0;
            let mut term = *weights.last().unwrap();
            for j in 0..20_000 {
                waiting += term;
                queue += f64::from(j) * term;
                term *= lambda / (n * mu + f64::from(j + 1) * theta);
            }
            let total: f64 = weights[..agents as usize].iter().sum::<f64>() + waiting;
            close(
                performance.abandon_probability.unwrap(),
                theta * queue / total / lambda,
                1e-12,
            );
            close(performance.probability_wait, waiting / total, 1e-12);
        }
    }

    #[test]
    fn erlang_a_with_long_patience_approaches_erlang_c() {
        let workload = first_case();
        let c = evaluate(&workload, &Model::ErlangC, 14, 20.0).unwrap();
        let model = Model::ErlangA(Patience::seconds(1e9).unwrap());
        let a = evaluate(&workload, &model, 14, 20.0).unwrap();
        close(a.probability_wait, c.probability_wait, 1e-6);
        close(a.service_level, c.service_level, 1e-6);
        close(a.asa_seconds, c.asa_seconds, 1e-4);
    }

    #[test]
    fn unstable_erlang_c_says_so() {
        let performance = evaluate(&first_case(), &Model::ErlangC, 10, 20.0).unwrap();
        assert!(!performance.stable);
        assert_eq!(performance.asa_seconds, f64::INFINITY);
        // Erlang A stays stable below the traffic: callers give up.
        let model = Model::ErlangA(Patience::seconds(60.0).unwrap());
        let overloaded = evaluate(&first_case(), &model, 5, 20.0).unwrap();
        assert!(overloaded.stable);
        assert!(overloaded.abandon_probability.unwrap() > 0.4);
    }

    #[test]
    fn extreme_overload_does_not_overflow() {
        let workload = Workload::new(1e6, 1800.0, 600.0).unwrap();
        let model = Model::ErlangA(Patience::seconds(3600.0).unwrap());
        let performance = evaluate(&workload, &model, 10, 20.0).unwrap();
        assert!(performance.probability_wait > 0.999_999);
        close(performance.occupancy, 1.0, 1e-9);
        // carried = N·μ, so the answered share is N/A
        close(
            performance.answer_rate,
            10.0 / performance.traffic_erlangs,
            1e-6,
        );
    }

    #[test]
    fn erlang_b_small_values_by_hand() {
        // B(1, A) = A/(1+A); B(2, 1) = (1/2)/(1 + 1 + 1/2) = 0.2
        close(erlang_b(1, 3.0), 0.75, 1e-16);
        close(erlang_b(2, 1.0), 0.2, 1e-16);
        assert_eq!(erlang_b(0, 5.0), 1.0);
        assert_eq!(erlang_b(3, 0.0), 0.0);
    }

    #[test]
    fn zero_agents_answer_nobody() {
        let nobody = evaluate(&first_case(), &Model::ErlangC, 0, 20.0).unwrap();
        assert_eq!((nobody.service_level, nobody.answer_rate), (0.0, 0.0));
        assert!(!nobody.stable);
        let idle = Workload::new(0.0, 1800.0, 180.0).unwrap();
        let performance = evaluate(&idle, &Model::ErlangC, 0, 20.0).unwrap();
        assert_eq!(performance.service_level, 1.0);
    }

    #[test]
    fn bad_inputs_are_named() {
        let error = Workload::new(-1.0, 1800.0, 180.0).unwrap_err();
        assert_eq!(error.to_string(), "calls must be a number ≥ 0, got -1");
        assert!(Workload::new(1.0, 0.0, 180.0).is_err());
        assert!(Workload::new(1.0, 1800.0, f64::NAN).is_err());
        assert!(Patience::seconds(0.0).is_err());
    }
}
