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

/// Sorts categories by count (largest first, ties by name) and marks the vital few: the longest
/// run of largest categories whose cumulative share is at most `cutoff` (0.8 for the 80/20
/// rule), and at least one.
pub fn pareto(items: &[(String, f64)], cutoff: f64) -> Vec<ParetoRow> {
    let mut sorted: Vec<&(String, f64)> = items.iter().filter(|(_, c)| *c > 0.0).collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: f64 = sorted.iter().map(|(_, c)| c).sum();
    let mut cumulative = 0.0;
    let mut rows = Vec::with_capacity(sorted.len());
    for (index, (name, count)) in sorted.into_iter().enumerate() {
        cumulative += count;
        let cumulative_share = cumulative / total;
        rows.push(ParetoRow {
            name: name.clone(),
            count: *count,
            share: count / total,
            cumulative_share,
            // a hair of tolerance: 4 categories of exactly 20 % each are within 80 %
            vital_few: index == 0 || cumulative_share <= cutoff + 1e-12,
        });
    }
    // once one category falls outside, the rest do too
    let mut inside = true;
    for row in &mut rows {
        inside &= row.vital_few;
        row.vital_few = inside;
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
