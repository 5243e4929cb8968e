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
}
