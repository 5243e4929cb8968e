//! Pareto analysis (the vital few) and the frequency × impact quadrant (docs/stats.md).

/// One category of a Pareto table, largest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoRow {
    /// The category.
    pub name: String,
    /// Its count (or weight).
    pub count: f64,
    /// count / total.
    pub share: f64,
    /// Share of this and every larger category.
    pub cumulative_share: f64,
    /// Part of the vital few: the largest categories whose cumulative share stays within the
    /// cut-off (always at least the first).
    pub vital_few: bool,
}

/// How many of the largest categories are the vital few, given their cumulative shares in
/// order: the longest run whose cumulative share is at most `cutoff` (a hair of tolerance: four
/// categories of exactly 20 % are within 80 %), and at least one when there is any.
pub fn vital_few_count(cumulative_shares: impl IntoIterator<Item = f64>, cutoff: f64) -> usize {
    let mut count = 0;
    for (index, share) in cumulative_shares.into_iter().enumerate() {
        if index == 0 || share <= cutoff + 1e-12 {
            count += 1;
        } else {
            break;
        }
    }
    count
}

/// Sorts categories by count (largest first, ties by name) and marks the vital few: the longest
/// run of largest categories whose cumulative share is at most `cutoff` (0.8 for the 80/20
/// rule), and at least one.
pub fn pareto(items: &[(String, f64)], cutoff: f64) -> Vec<ParetoRow> {
    let mut sorted: Vec<&(String, f64)> = items.iter().filter(|(_, c)| *c > 0.0).collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: f64 = sorted.iter().map(|(_, c)| c).sum();
    let mut cumulative = 0.0;
    let mut rows = Vec::with_capacity(sorted.len());
    for (name, count) in sorted {
        cumulative += count;
        rows.push(ParetoRow {
            name: name.clone(),
            count: *count,
            share: count / total,
            cumulative_share: cumulative / total,
            vital_few: false,
        });
    }
    let vital = vital_few_count(rows.iter().map(|row| row.cumulative_share), cutoff);
    for row in &mut rows[..vital] {
        row.vital_few = true;
    }
    rows
}

/// One reason of a Pareto table over cases that can have several reasons (an unsatisfied call
/// coded as both "flat tone" and "interrupting"), most frequent first.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    /// The reason.
    pub name: String,
    /// Cases citing it.
    pub cases: usize,
    /// cases / all cases with a reason.
    pub share: f64,
    /// Distinct cases citing this reason or a more frequent one.
    pub cumulative_cases: usize,
    /// cumulative_cases / all cases with a reason: "the top k reasons explain x % of the cases".
    pub cumulative_share: f64,
}

/// Pareto of reasons where a case may cite several (`docs/stats.md#pareto`): reasons ordered by
/// the number of cases citing them (ties by name), each with the distinct cases covered by it and
/// every more frequent reason. Shares are of the cases that cite at least one reason; a reason
/// repeated within one case counts once.
pub fn coverage_pareto<S: AsRef<str>>(cases: &[Vec<S>]) -> Vec<CoverageRow> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut cases_of: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (index, reasons) in cases.iter().enumerate() {
        for reason in reasons {
            cases_of.entry(reason.as_ref()).or_default().insert(index);
        }
    }
    let total = cases.iter().filter(|reasons| !reasons.is_empty()).count();
    let mut ordered: Vec<(&str, BTreeSet<usize>)> = cases_of.into_iter().collect();
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(b.0)));
    let mut covered = vec![false; cases.len()];
    let mut cumulative = 0;
    ordered
        .into_iter()
        .map(|(name, citing)| {
            for &case in &citing {
                if !std::mem::replace(&mut covered[case], true) {
                    cumulative += 1;
                }
            }
            CoverageRow {
                name: name.to_owned(),
                cases: citing.len(),
                share: citing.len() as f64 / total as f64,
                cumulative_cases: cumulative,
                cumulative_share: cumulative as f64 / total as f64,
            }
        })
        .collect()
}

/// Where an item falls when frequency and impact are split at their means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// Frequent and costly: fix first.
    ActFirst,
    /// Frequent, small effect each: quick wins, process fixes.
    FrequentMinor,
    /// Rare but costly: prevent and prepare.
    RareSevere,
    /// Rare and small: watch.
    Watch,
}

impl Quadrant {
    /// Stable name for JSON.
    pub fn name(self) -> &'static str {
        match self {
            Quadrant::ActFirst => "act_first",
            Quadrant::FrequentMinor => "frequent_minor",
            Quadrant::RareSevere => "rare_severe",
            Quadrant::Watch => "watch",
        }
    }
}

/// An item placed in the frequency × impact matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct QuadrantItem {
    /// The item.
    pub name: String,
    /// How often it happens.
    pub frequency: f64,
    /// How much it matters each time (e.g. a driver's coefficient or the drop in CSAT).
    pub impact: f64,
    /// Its quadrant.
    pub quadrant: Quadrant,
}

/// Places each (name, frequency, impact) against the means of frequency and impact; an item on
/// a mean counts as high.
pub fn quadrant(items: &[(String, f64, f64)]) -> Vec<QuadrantItem> {
    let n = items.len().max(1) as f64;
    let frequency_split = items.iter().map(|i| i.1).sum::<f64>() / n;
    let impact_split = items.iter().map(|i| i.2).sum::<f64>() / n;
    items
        .iter()
        .map(|(name, frequency, impact)| QuadrantItem {
            name: name.clone(),
            frequency: *frequency,
            impact: *impact,
            quadrant: match (*frequency >= frequency_split, *impact >= impact_split) {
                (true, true) => Quadrant::ActFirst,
                (true, false) => Quadrant::FrequentMinor,
                (false, true) => Quadrant::RareSevere,
                (false, false) => Quadrant::Watch,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vital_few_stay_within_the_cutoff() {
        let items: Vec<(String, f64)> = [
            ("a", 50.0),
            ("b", 20.0),
            ("c", 15.0),
            ("d", 10.0),
            ("e", 5.0),
        ]
        .iter()
        .map(|(n, c)| (n.to_string(), *c))
        .collect();
        let rows = pareto(&items, 0.8);
        assert_eq!(rows.iter().filter(|r| r.vital_few).count(), 2);
        assert!((rows[2].cumulative_share - 0.85).abs() < 1e-15);
        let q = quadrant(&[
            ("x".into(), 10.0, 5.0),
            ("y".into(), 1.0, 5.0),
            ("z".into(), 10.0, 0.1),
            ("w".into(), 1.0, 0.1),
        ]);
        assert_eq!(
            q.iter().map(|i| i.quadrant).collect::<Vec<_>>(),
            vec![
                Quadrant::ActFirst,
                Quadrant::RareSevere,
                Quadrant::FrequentMinor,
                Quadrant::Watch
            ]
        );
    }

    /// The study's week (reference.md): 951 calls with agent factors, 1 369 factor items; the
    /// five most frequent agent reasons cover 753 calls = 79.18 %. Per-reason counts are not
    /// published, so the cases are laid out to match every published total.
    #[test]
    fn coverage_pareto_reproduces_753_of_951() {
        let cases = study_week_agent_reasons();
        assert_eq!(cases.len(), 951);
        assert_eq!(cases.iter().map(Vec::len).sum::<usize>(), 1369);
        let rows = coverage_pareto(&cases);
        let top_five: Vec<&str> = rows[..5].iter().map(|row| row.name.as_str()).collect();
        assert_eq!(
            top_five,
            ["语气平淡", "表达用语随意", "抢话", "不耐烦", "处理不灵活"]
        );
        assert_eq!(rows[4].cumulative_cases, 753);
        assert_eq!(format!("{:.2}", rows[4].cumulative_share * 100.0), "79.18");
        assert_eq!(rows.last().unwrap().cumulative_cases, 951);
        assert_eq!(rows[0].cases, 300);
    }

    /// 951 calls: the top five reasons (300, 250, 200, 150, 120 items) on calls 0..753, six
    /// other reasons (100, 90, 70, 50, 25, 14 items) covering calls 753..951 and some earlier.
    pub(crate) fn study_week_agent_reasons() -> Vec<Vec<&'static str>> {
        let mut cases: Vec<Vec<&'static str>> = vec![Vec::new(); 951];
        let mut cite = |reason: &'static str, spans: &[(usize, usize)]| {
            for &(start, end) in spans {
                for case in &mut cases[start..end] {
                    case.push(reason);
                }
            }
        };
        cite("语气平淡", &[(0, 300)]);
        cite("表达用语随意", &[(300, 550)]);
        cite("抢话", &[(550, 750)]);
        cite("不耐烦", &[(750, 753), (0, 147)]);
        cite("处理不灵活", &[(0, 120)]);
        cite("业务不熟练", &[(753, 853)]);
        cite("解释错误", &[(853, 943)]);
        cite("未主动跟进", &[(943, 951), (0, 62)]);
        cite("推诿", &[(100, 150)]);
        cite("未安抚情绪", &[(200, 225)]);
        cite("其他", &[(400, 414)]);
        cases
    }
}

/// One case of a problem register (a coded unsatisfied call, a QA hit, a ticket): the problems it
/// shows, the customer it touched, and what followed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemCaseFacts<'a> {
    /// Its problem categories.
    pub problems: &'a [String],
    /// The customer, when known.
    pub customer: Option<&'a str>,
    /// The CSAT (1–5) given, when surveyed.
    pub csat: Option<i64>,
    /// Whether the customer came back on the same issue, when known.
    pub repeated: Option<bool>,
}

/// Where the matrix splits high from low.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MatrixSplit {
    /// At the medians of frequency and impact over the problems (an item on a median is high).
    Medians,
    /// At set thresholds: cases, distinct customers.
    At {
        /// Cases from which a problem is frequent.
        frequency: f64,
        /// Distinct customers from which its impact is wide.
        impact: f64,
    },
}

/// A problem placed in the frequency × impact matrix (`docs/stats.md#frequency-impact`).
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixItem {
    /// The problem category.
    pub name: String,
    /// Frequency: the cases showing it.
    pub frequency: f64,
    /// Impact: the breadth of customer impact, distinct customers touched (cases without a known
    /// customer count as one customer each).
    pub impact: f64,
    /// Consequence: the mean CSAT (1–5) of its surveyed cases minus the centre's, when any.
    pub csat_gap: Option<f64>,
    /// Consequence: the share of its cases whose customer came back on the same issue.
    pub repeat_rate: Option<f64>,
    /// Its quadrant.
    pub quadrant: Quadrant,
}

/// The frequency × impact matrix of the improvement toolkit, defined once: per problem category,
/// frequency = cases in the period, impact = distinct customers affected, with the consequence
/// (CSAT gap against `centre_csat`, repeat-contact rate) beside it; quadrants split by `split`.
/// Problems come most frequent first (ties by name).
pub fn frequency_impact(
    cases: &[ProblemCaseFacts],
    centre_csat: Option<f64>,
    split: MatrixSplit,
) -> Vec<MatrixItem> {
    use std::collections::{BTreeMap, BTreeSet};
    #[derive(Default)]
    struct Tally<'a> {
        cases: usize,
        customers: BTreeSet<&'a str>,
        unknown_customers: usize,
        csat_sum: i64,
        csat_count: usize,
        repeated: usize,
        repeat_known: usize,
    }
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for case in cases {
        let mut seen = BTreeSet::new();
        for problem in case.problems {
            if !seen.insert(problem.as_str()) {
                continue;
            }
            let tally = tallies.entry(problem.as_str()).or_default();
            tally.cases += 1;
            match case.customer {
                Some(customer) => {
                    tally.customers.insert(customer);
                }
                None => tally.unknown_customers += 1,
            }
            if let Some(csat) = case.csat {
                tally.csat_sum += csat;
                tally.csat_count += 1;
            }
            if let Some(repeated) = case.repeated {
                tally.repeat_known += 1;
                tally.repeated += usize::from(repeated);
            }
        }
    }
    let mut items: Vec<MatrixItem> = tallies
        .into_iter()
        .map(|(name, tally)| MatrixItem {
            name: name.to_owned(),
            frequency: tally.cases as f64,
            impact: (tally.customers.len() + tally.unknown_customers) as f64,
            csat_gap: (tally.csat_count > 0)
                .then(|| tally.csat_sum as f64 / tally.csat_count as f64)
                .zip(centre_csat)
                .map(|(mean, centre)| mean - centre),
            repeat_rate: (tally.repeat_known > 0)
                .then(|| tally.repeated as f64 / tally.repeat_known as f64),
            quadrant: Quadrant::Watch,
        })
        .collect();
    let median = |mut values: Vec<f64>| -> f64 {
        values.sort_by(f64::total_cmp);
        match values.len() {
            0 => 0.0,
            n if n % 2 == 1 => values[n / 2],
            n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        }
    };
    let (frequency_split, impact_split) = match split {
        MatrixSplit::Medians => (
            median(items.iter().map(|i| i.frequency).collect()),
            median(items.iter().map(|i| i.impact).collect()),
        ),
        MatrixSplit::At { frequency, impact } => (frequency, impact),
    };
    for item in &mut items {
        item.quadrant = match (
            item.frequency >= frequency_split,
            item.impact >= impact_split,
        ) {
            (true, true) => Quadrant::ActFirst,
            (true, false) => Quadrant::FrequentMinor,
            (false, true) => Quadrant::RareSevere,
            (false, false) => Quadrant::Watch,
        };
    }
    items.sort_by(|a, b| {
        b.frequency
            .total_cmp(&a.frequency)
            .then_with(|| a.name.cmp(&b.name))
    });
    items
}

#[cfg(test)]
mod matrix_tests {
    use super::*;

    /// By hand: "wait" in 3 cases of 2 customers (one twice), CSAT 1 and 3 against a centre of
    /// 4 → gap −2, one of two known repeats; "tone" in 1 case of an unknown customer; "fee" in 2
    /// cases of 2 customers. Medians: frequency 2, impact 2.
    #[test]
    fn frequency_is_cases_impact_is_distinct_customers() {
        let (wait, tone, fee) = (
            vec!["wait".to_owned()],
            vec!["tone".to_owned(), "tone".to_owned()],
            vec!["fee".to_owned(), "wait".to_owned()],
        );
        let cases = [
            ProblemCaseFacts {
                problems: &wait,
                customer: Some("a"),
                csat: Some(1),
                repeated: Some(true),
            },
            ProblemCaseFacts {
                problems: &wait,
                customer: Some("a"),
                csat: None,
                repeated: None,
            },
            ProblemCaseFacts {
                problems: &fee,
                customer: Some("b"),
                csat: Some(3),
                repeated: Some(false),
            },
            ProblemCaseFacts {
                problems: &tone,
                customer: None,
                csat: None,
                repeated: None,
            },
            ProblemCaseFacts {
                problems: &fee[..1],
                customer: Some("c"),
                csat: None,
                repeated: None,
            },
        ];
        let items = frequency_impact(&cases, Some(4.0), MatrixSplit::Medians);
        let by_name = |name: &str| items.iter().find(|i| i.name == name).unwrap();
        let wait = by_name("wait");
        assert_eq!((wait.frequency, wait.impact), (3.0, 2.0));
        assert_eq!(wait.csat_gap, Some(-2.0));
        assert_eq!(wait.repeat_rate, Some(0.5));
        assert_eq!(wait.quadrant, Quadrant::ActFirst);
        let tone = by_name("tone");
        assert_eq!(
            (tone.frequency, tone.impact),
            (1.0, 1.0),
            "a repeat within a case counts once"
        );
        assert_eq!(tone.quadrant, Quadrant::Watch);
        assert_eq!(by_name("fee").impact, 2.0);
        assert_eq!(items[0].name, "wait", "most frequent first");
        let fixed = frequency_impact(
            &cases,
            None,
            MatrixSplit::At {
                frequency: 3.0,
                impact: 1.0,
            },
        );
        assert_eq!(
            fixed.iter().find(|i| i.name == "fee").unwrap().quadrant,
            Quadrant::RareSevere
        );
        assert_eq!(fixed[0].csat_gap, None);
    }
}
