//! Customer measures (`docs/kpi.md#customer-measures`): churn, repeat contacts of a customer in
//! any category, and customers who complained. They exist for the centre and per customer
//! segment only; a report by segment uses each customer's **current** segment.

use jiff::civil::Date;

/// Customer counts of one group (a segment, a period or both). All but `complaint_customers`
/// add up across groups; that one counts distinct customers within the group, and groups of a
/// table are disjoint, so their sum is still the distinct count of their union.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerCounters {
    /// Customers active at the period's start: `since` empty or before it, and `closed_at`
    /// empty or not before it.
    pub active_at_start: i64,
    /// Customers whose `closed_at` falls in the period.
    pub churned: i64,
    /// Answered contacts with a customer id.
    pub repeat_eligible: i64,
    /// Of those, the ones followed by another contact of the same customer (any category) within
    /// the FCR window.
    pub repeat_followed: i64,
    /// Distinct customers with a complaint ticket created in the period.
    pub complaint_customers: i64,
}

impl CustomerCounters {
    /// Adds another group's counters.
    pub fn merge(&mut self, other: &CustomerCounters) {
        self.active_at_start += other.active_at_start;
        self.churned += other.churned;
        self.repeat_eligible += other.repeat_eligible;
        self.repeat_followed += other.repeat_followed;
        self.complaint_customers += other.complaint_customers;
    }
}

/// 流失率 churn rate = customers whose `closed_at` falls in the period / customers active at its
/// start. (`docs/kpi.md#churn_rate`)
pub fn churn_rate(c: &CustomerCounters) -> Option<f64> {
    (c.active_at_start > 0).then(|| c.churned as f64 / c.active_at_start as f64)
}

/// 重复来电率 repeat-contact rate = answered contacts followed by another contact of the same
/// customer (any category) within the FCR window / answered contacts with a customer id.
/// (`docs/kpi.md#repeat_contact_rate`)
pub fn repeat_contact_rate(c: &CustomerCounters) -> Option<f64> {
    (c.repeat_eligible > 0).then(|| c.repeat_followed as f64 / c.repeat_eligible as f64)
}

/// Whether a customer with these dates is active at the start of `day`: `since` empty or before
/// it, and `closed_at` empty or not before it.
pub fn active_at(since: Option<Date>, closed_at: Option<Date>, day: Date) -> bool {
    since.is_none_or(|since| since < day) && closed_at.is_none_or(|closed| closed >= day)
}

/// Counts the customers of one segment active at the start of any day quickly: a customer who
/// closed before a day had started before it too (a closing day is never before `since`), so
/// active = started before the day − closed before the day.
#[derive(Debug, Clone, Default)]
pub struct ActiveCustomers {
    /// `since` of every customer, sorted; `None` (always there) sorts first.
    since: Vec<Option<Date>>,
    /// `closed_at` of the customers who closed, sorted.
    closed: Vec<Date>,
}

impl ActiveCustomers {
    /// Adds one customer.
    pub fn add(&mut self, since: Option<Date>, closed_at: Option<Date>) {
        self.since.push(since);
        if let Some(closed) = closed_at {
            self.closed.push(closed);
        }
    }

    /// Sorts what was added; call once before [`ActiveCustomers::at`].
    pub fn finish(&mut self) {
        self.since.sort_unstable();
        self.closed.sort_unstable();
    }

    /// Customers active at the start of `day`.
    pub fn at(&self, day: Date) -> i64 {
        let started = self
            .since
            .partition_point(|since| since.is_none_or(|since| since < day));
        let closed = self.closed.partition_point(|closed| *closed < day);
        (started - closed) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// Hand-computed: of five customers active at 1 March (one closed that day still counts),
    /// two closed in March; the one closed in February and the one starting in April are out.
    #[test]
    fn churn_counts_the_period_against_those_active_at_its_start() {
        let customers = [
            (None, None),
            (Some(date(2025, 1, 1)), Some(date(2026, 3, 1))),
            (Some(date(2025, 1, 1)), Some(date(2026, 3, 31))),
            (Some(date(2026, 2, 28)), None),
            (None, Some(date(2026, 2, 27))),
            (Some(date(2026, 3, 1)), None),
            (Some(date(2026, 4, 1)), None),
            (Some(date(2024, 5, 5)), Some(date(2026, 4, 2))),
        ];
        let start = date(2026, 3, 1);
        let end = date(2026, 4, 1);
        let active = customers
            .iter()
            .filter(|(since, closed)| active_at(*since, *closed, start))
            .count() as i64;
        let churned = customers
            .iter()
            .filter(|(_, closed)| closed.is_some_and(|c| c >= start && c < end))
            .count() as i64;
        assert_eq!((active, churned), (5, 2));
        let counters = CustomerCounters {
            active_at_start: active,
            churned,
            ..CustomerCounters::default()
        };
        assert_eq!(churn_rate(&counters), Some(0.4));
        assert_eq!(churn_rate(&CustomerCounters::default()), None);
    }

    /// The sorted counter agrees with the definition on every day of two years, for customers
    /// spread over them.
    #[test]
    fn the_sorted_count_equals_the_definition_on_every_day() {
        let mut customers = Vec::new();
        let first = date(2025, 1, 1);
        for n in 0..300i64 {
            let since =
                (n % 7 != 0).then(|| first.saturating_add(jiff::Span::new().days(n * 3 % 500)));
            let closed = (n % 3 == 0).then(|| {
                since
                    .unwrap_or(first)
                    .saturating_add(jiff::Span::new().days(n * 11 % 400))
            });
            customers.push((since, closed));
        }
        let mut counter = ActiveCustomers::default();
        for (since, closed) in &customers {
            counter.add(*since, *closed);
        }
        counter.finish();
        let mut day = date(2024, 12, 1);
        while day < date(2027, 1, 1) {
            let expected = customers
                .iter()
                .filter(|(since, closed)| active_at(*since, *closed, day))
                .count() as i64;
            assert_eq!(counter.at(day), expected, "{day}");
            day = day.tomorrow().unwrap();
        }
    }

    #[test]
    fn repeat_contact_rate_is_undefined_without_answered_contacts() {
        assert_eq!(repeat_contact_rate(&CustomerCounters::default()), None);
        let counters = CustomerCounters {
            repeat_eligible: 4,
            repeat_followed: 1,
            ..CustomerCounters::default()
        };
        assert_eq!(repeat_contact_rate(&counters), Some(0.25));
    }
}
