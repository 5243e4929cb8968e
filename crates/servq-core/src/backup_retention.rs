//! Which scheduled backups to keep: the newest of each of the last `daily` days that have one,
//! and the newest of each of the last `weekly` ISO weeks that have one (keep N daily / M
//! weekly). A backup kept for either reason stays; every other one may be deleted.

use std::collections::BTreeSet;

use jiff::civil::Date;

/// The days, among `days` (one entry per backup day), whose backups are kept.
pub fn backups_to_keep(days: &[Date], daily: usize, weekly: usize) -> BTreeSet<Date> {
    let mut newest_first: Vec<Date> = days.to_vec();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    newest_first.dedup();
    let mut keep: BTreeSet<Date> = newest_first.iter().take(daily).copied().collect();
    let mut weeks_seen = BTreeSet::new();
    for day in &newest_first {
        let week = day.iso_week_date();
        if weeks_seen.len() >= weekly && !weeks_seen.contains(&(week.year(), week.week())) {
            break;
        }
        if weeks_seen.insert((week.year(), week.week())) {
            keep.insert(*day);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn keeps_the_last_days_and_the_newest_of_each_recent_week() {
        // every day from Monday 2026-11-02 to Friday 2026-12-04 (ISO weeks 45 to 49)
        let days: Vec<Date> = (0..33)
            .map(|n| {
                date(2026, 11, 2)
                    .checked_add(jiff::Span::new().days(n))
                    .unwrap()
            })
            .collect();
        let keep = backups_to_keep(&days, 7, 4);
        let expected: BTreeSet<Date> = [
            // the last seven days
            date(2026, 11, 28),
            date(2026, 11, 29),
            date(2026, 11, 30),
            date(2026, 12, 1),
            date(2026, 12, 2),
            date(2026, 12, 3),
            date(2026, 12, 4),
            // the newest of weeks 49 (4 Dec, above), 48 (Sun 29 Nov, above), 47 and 46
            date(2026, 11, 22),
            date(2026, 11, 15),
        ]
        .into_iter()
        .collect();
        assert_eq!(keep, expected);
    }

    #[test]
    fn a_gap_in_the_backups_keeps_older_ones() {
        // a server that was down: only three backups in the last weeks
        let days = [
            date(2026, 10, 1),
            date(2026, 11, 20),
            date(2026, 12, 4),
            date(2026, 12, 4),
        ];
        assert_eq!(
            backups_to_keep(&days, 2, 0),
            [date(2026, 11, 20), date(2026, 12, 4)]
                .into_iter()
                .collect()
        );
        assert_eq!(backups_to_keep(&days, 0, 3), days.iter().copied().collect());
        assert!(backups_to_keep(&days, 0, 0).is_empty());
    }
}
