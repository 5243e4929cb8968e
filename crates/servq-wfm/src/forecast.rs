//! Interval forecast of offered contacts and handle time from history, by weekday × time-of-day
//! seasonality with a linear trend (docs/wfm.md, "Forecast"):
//!
//! 1. daily totals y_d = level(d) · s_{weekday(d)}, with level(d) = α + β·d fitted by least squares
//!    to the deseasonalised totals and the weekday factors s_w (mean 1) re-estimated as the mean
//!    of y_d / level(d), alternating until they settle;
//! 2. each day's volume is spread over its intervals by the weekday's intraday profile, the share
//!    of that weekday's contacts that arrived in each interval;
//! 3. handle time per interval is the weekday × interval mean (total handle time / handled
//!    contacts), falling back to the interval over all weekdays, then to the overall mean.

use crate::WfmError;

/// One day of history in the centre's calendar. All vectors have one entry per interval of the
/// day (48 for half hours), interval 0 starting at local midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct DayHistory {
    /// Days since 1970-01-01 (a Thursday) in the centre's calendar.
    pub day: i64,
    /// Contacts offered in each interval.
    pub offered: Vec<f64>,
    /// Contacts handled (answered) in each interval.
    pub handled: Vec<f64>,
    /// Total handle time of those contacts, in seconds.
    pub handle_seconds: Vec<f64>,
}

/// The forecast of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayForecast {
    /// Days since 1970-01-01.
    pub day: i64,
    /// Expected offered contacts per interval.
    pub offered: Vec<f64>,
    /// Expected mean handle time per interval, in seconds.
    pub aht_seconds: Vec<f64>,
}

/// Forecast error over held-out days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoldoutError {
    /// Days held out (the most recent ones).
    pub days: usize,
    /// Intervals compared (those with contacts, for MAPE).
    pub intervals: usize,
    /// Mean absolute percentage error over intervals with contacts, in percent.
    pub mape: f64,
    /// Weighted absolute percentage error Σ|forecast − actual| / Σ actual, in percent.
    pub wape: f64,
    /// The same over daily totals, in percent.
    pub daily_wape: f64,
    /// WAPE of the seasonal naive forecast (each interval as it was a week earlier), the
    /// baseline a forecast has to beat, in percent.
    pub naive_wape: f64,
}

/// Weekday of a day number, 0 = Monday … 6 = Sunday.
pub fn weekday(day: i64) -> usize {
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    (day + 3).rem_euclid(7) as usize
}

/// The fewest history days that give every weekday a factor and a profile.
pub const MIN_HISTORY_DAYS: usize = 7;
/// With fewer days than this, a trend is not estimated (a week's pattern would pass for one).
pub const MIN_TREND_DAYS: usize = 14;

/// The fitted model: what a forecast needs.
#[derive(Debug, Clone)]
struct Fitted {
    level: f64,
    slope: f64,
    weekday_factor: [f64; 7],
    profile: [Vec<f64>; 7],
    aht: [Vec<f64>; 7],
}

/// Forecasts `days` from `history` (which need not be sorted but must hold whole days of equal
/// length and at least [`MIN_HISTORY_DAYS`] days).
pub fn forecast(history: &[DayHistory], days: &[i64]) -> Result<Vec<DayForecast>, WfmError> {
    let fitted = fit(history)?;
    Ok(days.iter().map(|&day| fitted.predict(day)).collect())
}

/// Holds out the last `holdout_days` days of `history`, forecasts them from the days before,
/// and reports the error of offered contacts per interval and per day.
pub fn holdout(history: &[DayHistory], holdout_days: usize) -> Result<HoldoutError, WfmError> {
    let mut sorted: Vec<&DayHistory> = history.iter().collect();
    sorted.sort_by_key(|day| day.day);
    if holdout_days == 0 || sorted.len() < holdout_days + MIN_HISTORY_DAYS {
        return Err(WfmError::OutOfRange {
            name: "history days",
            expected: "at least 7 more than the days held out",
            value: sorted.len() as f64,
        });
    }
    let (train, test) = sorted.split_at(sorted.len() - holdout_days);
    let train: Vec<DayHistory> = train.iter().map(|day| (*day).clone()).collect();
    let fitted = fit(&train)?;
    let (mut abs_error, mut actual_sum, mut pct_sum, mut compared) = (0.0, 0.0, 0.0, 0);
    let (mut daily_abs_error, mut daily_actual) = (0.0, 0.0);
    let mut naive_abs_error = 0.0;
    for actual in test {
        let predicted = fitted.predict(actual.day);
        let week_before = sorted.iter().find(|day| day.day == actual.day - 7);
        for (slot, &a) in actual.offered.iter().enumerate() {
            let naive = week_before.map_or(0.0, |day| day.offered[slot]);
            naive_abs_error += (naive - a).abs();
        }
        for (&f, &a) in predicted.offered.iter().zip(&actual.offered) {
            abs_error += (f - a).abs();
            actual_sum += a;
            if a > 0.0 {
                pct_sum += (f - a).abs() / a;
                compared += 1;
            }
        }
        let day_actual: f64 = actual.offered.iter().sum();
        let day_forecast: f64 = predicted.offered.iter().sum();
        daily_abs_error += (day_forecast - day_actual).abs();
        daily_actual += day_actual;
    }
    let percent = |numerator: f64, denominator: f64| {
        if denominator > 0.0 {
            100.0 * numerator / denominator
        } else {
            0.0
        }
    };
    Ok(HoldoutError {
        days: holdout_days,
        intervals: compared,
        mape: percent(pct_sum, compared as f64),
        wape: percent(abs_error, actual_sum),
        daily_wape: percent(daily_abs_error, daily_actual),
        naive_wape: percent(naive_abs_error, actual_sum),
    })
}

fn fit(history: &[DayHistory]) -> Result<Fitted, WfmError> {
    if history.len() < MIN_HISTORY_DAYS {
        return Err(WfmError::OutOfRange {
            name: "history days",
            expected: "at least 7",
            value: history.len() as f64,
        });
    }
    let slots = history[0].offered.len();
    if slots == 0
        || history.iter().any(|day| {
            day.offered.len() != slots
                || day.handled.len() != slots
                || day.handle_seconds.len() != slots
        })
    {
        return Err(WfmError::OutOfRange {
            name: "intervals per day",
            expected: "the same positive number on every day",
            value: slots as f64,
        });
    }
    let totals: Vec<(f64, f64, usize)> = history
        .iter()
        .map(|day| (day.day as f64, day.offered.iter().sum(), weekday(day.day)))
        .collect();
    let (level, slope, weekday_factor) = fit_daily_totals(&totals);

    let mut profile: [Vec<f64>; 7] = std::array::from_fn(|_| vec![0.0; slots]);
    let mut weekday_total = [0.0; 7];
    let mut all_profile = vec![0.0; slots];
    let mut handled: [Vec<f64>; 7] = std::array::from_fn(|_| vec![0.0; slots]);
    let mut handle: [Vec<f64>; 7] = std::array::from_fn(|_| vec![0.0; slots]);
    for day in history {
        let w = weekday(day.day);
        for slot in 0..slots {
            profile[w][slot] += day.offered[slot];
            all_profile[slot] += day.offered[slot];
            handled[w][slot] += day.handled[slot];
            handle[w][slot] += day.handle_seconds[slot];
        }
        weekday_total[w] += day.offered.iter().sum::<f64>();
    }
    let all_total: f64 = all_profile.iter().sum();
    for w in 0..7 {
        // A weekday without contacts borrows the overall shape (its factor is 0 anyway).
        let (shape, total) = if weekday_total[w] > 0.0 {
            (profile[w].clone(), weekday_total[w])
        } else {
            (all_profile.clone(), all_total)
        };
        profile[w] = shape
            .iter()
            .map(|&v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
    }

    let slot_handled: Vec<f64> = (0..slots)
        .map(|s| handled.iter().map(|h| h[s]).sum())
        .collect();
    let slot_handle: Vec<f64> = (0..slots)
        .map(|s| handle.iter().map(|h| h[s]).sum())
        .collect();
    let total_handled: f64 = slot_handled.iter().sum();
    let total_handle: f64 = slot_handle.iter().sum();
    let overall_aht = if total_handled > 0.0 {
        total_handle / total_handled
    } else {
        0.0
    };
    let aht = std::array::from_fn(|w| {
        (0..slots)
            .map(|s| {
                if handled[w][s] > 0.0 {
                    handle[w][s] / handled[w][s]
                } else if slot_handled[s] > 0.0 {
                    slot_handle[s] / slot_handled[s]
                } else {
                    overall_aht
                }
            })
            .collect()
    });
    Ok(Fitted {
        level,
        slope,
        weekday_factor,
        profile,
        aht,
    })
}

/// Alternates between the weekday factors (mean 1 over the weekdays seen) and the least-squares
/// line through the deseasonalised totals. Returns (α, β, factors).
fn fit_daily_totals(totals: &[(f64, f64, usize)]) -> (f64, f64, [f64; 7]) {
    let with_trend = totals.len() >= MIN_TREND_DAYS;
    let mut factors = [1.0; 7];
    let (mut level, mut slope) = (0.0, 0.0);
    for _ in 0..100 {
        // line through y_d / s_w
        let points: Vec<(f64, f64)> = totals
            .iter()
            .filter(|(_, _, w)| factors[*w] > 0.0)
            .map(|&(t, y, w)| (t, y / factors[w]))
            .collect();
        (level, slope) = if with_trend {
            least_squares_line(&points)
        } else {
            let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len().max(1) as f64;
            (mean, 0.0)
        };
        // factors from y_d / level(d)
        let mut sum = [0.0; 7];
        let mut count = [0_usize; 7];
        for &(t, y, w) in totals {
            let base = level + slope * t;
            if base > 0.0 {
                sum[w] += y / base;
                count[w] += 1;
            }
        }
        let mut next = [0.0; 7];
        for w in 0..7 {
            if count[w] > 0 {
                next[w] = sum[w] / count[w] as f64;
            }
        }
        let seen: Vec<usize> = (0..7).filter(|&w| count[w] > 0).collect();
        let mean = seen.iter().map(|&w| next[w]).sum::<f64>() / seen.len().max(1) as f64;
        if mean > 0.0 {
            for value in &mut next {
                *value /= mean;
            }
        }
        let change = (0..7)
            .map(|w| (next[w] - factors[w]).abs())
            .fold(0.0, f64::max);
        factors = next;
        if change < 1e-13 {
            break;
        }
    }
    (level, slope, factors)
}

/// Ordinary least squares y = α + β·t, centred for accuracy.
fn least_squares_line(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    if points.is_empty() {
        return (0.0, 0.0);
    }
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_t).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_t) * (p.1 - mean_y)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (mean_y - slope * mean_t, slope)
}

impl Fitted {
    fn predict(&self, day: i64) -> DayForecast {
        let w = weekday(day);
        let total = ((self.level + self.slope * day as f64) * self.weekday_factor[w]).max(0.0);
        DayForecast {
            day,
            offered: self.profile[w].iter().map(|share| total * share).collect(),
            aht_seconds: self.aht[w].clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOTS: usize = 48;
    const FACTORS: [f64; 7] = [1.3, 1.15, 1.05, 1.0, 0.95, 0.8, 0.75];

    /// A day from a known model: level 2 000 + 5·(day − 20 000), weekday factors, a two-peak
    /// intraday shape, AHT 200 s in the morning and 260 s after noon.
    fn synthetic_day(day: i64, noise: impl Fn(usize) -> f64) -> DayHistory {
        let total = (2000.0 + 5.0 * (day - 20_000) as f64) * FACTORS[weekday(day)] / mean_factor();
        let shape: Vec<f64> = (0..SLOTS).map(shape_weight).collect();
        let shape_sum: f64 = shape.iter().sum();
        let offered: Vec<f64> = shape
            .iter()
            .enumerate()
            .map(|(slot, w)| total * w / shape_sum * noise(slot))
            .collect();
        let handled = offered.iter().map(|v| v * 0.9).collect::<Vec<_>>();
        let handle_seconds = handled
            .iter()
            .enumerate()
            .map(|(slot, h)| h * if slot < 24 { 200.0 } else { 260.0 })
            .collect();
        DayHistory {
            day,
            offered,
            handled,
            handle_seconds,
        }
    }

    fn mean_factor() -> f64 {
        FACTORS.iter().sum::<f64>() / 7.0
    }

    fn shape_weight(slot: usize) -> f64 {
        let hour = slot as f64 / 2.0;
        if !(8.0..21.0).contains(&hour) {
            0.0
        } else {
            1.0 + (-(hour - 10.5).powi(2) / 2.0).exp() * 3.0
                + (-(hour - 15.0).powi(2) / 3.0).exp() * 2.0
        }
    }

    #[test]
    fn recovers_a_noise_free_model_exactly() {
        let history: Vec<DayHistory> = (20_000..20_056)
            .map(|d| synthetic_day(d, |_| 1.0))
            .collect();
        let targets = [20_056, 20_060, 20_062];
        let forecasts = forecast(&history, &targets).unwrap();
        for (forecast, &day) in forecasts.iter().zip(&targets) {
            let truth = synthetic_day(day, |_| 1.0);
            for slot in 0..SLOTS {
                let (f, a) = (forecast.offered[slot], truth.offered[slot]);
                assert!(
                    (f - a).abs() <= 1e-9 * a.max(1.0),
                    "day {day} slot {slot}: {f} vs {a}"
                );
            }
            assert!((forecast.aht_seconds[18] - 200.0).abs() < 1e-9);
            assert!((forecast.aht_seconds[30] - 260.0).abs() < 1e-9);
        }
        let error = holdout(&history, 7).unwrap();
        assert!(error.wape < 1e-9, "{error:?}");
        assert_eq!(error.intervals, 7 * 26);
    }

    #[test]
    fn noisy_history_gives_a_small_holdout_error() {
        // Deterministic ±10 % noise: the error reflects the noise, not a broken model.
        let noise = |day: i64| {
            move |slot: usize| {
                let x = ((day as usize * 7919 + slot * 104_729) % 1000) as f64 / 1000.0;
                0.9 + 0.2 * x
            }
        };
        let history: Vec<DayHistory> = (20_000..20_056)
            .map(|d| synthetic_day(d, noise(d)))
            .collect();
        let error = holdout(&history, 7).unwrap();
        assert!(error.wape > 1.0 && error.wape < 8.0, "{error:?}");
        assert!(error.daily_wape < 3.0, "{error:?}");
        // averaging weeks beats copying last week, whose noise is as large as this week's
        assert!(error.wape < error.naive_wape, "{error:?}");
    }

    #[test]
    fn closed_weekdays_forecast_zero() {
        let history: Vec<DayHistory> = (20_000..20_028)
            .map(|d| {
                let mut day = synthetic_day(d, |_| 1.0);
                if weekday(d) == 6 {
                    day.offered.iter_mut().for_each(|v| *v = 0.0);
                    day.handled.iter_mut().for_each(|v| *v = 0.0);
                    day.handle_seconds.iter_mut().for_each(|v| *v = 0.0);
                }
                day
            })
            .collect();
        let sunday = (20_028..20_035).find(|&d| weekday(d) == 6).unwrap();
        let forecasts = forecast(&history, &[sunday]).unwrap();
        assert_eq!(forecasts[0].offered.iter().sum::<f64>(), 0.0);
    }

    #[test]
    fn too_little_history_is_refused() {
        let history: Vec<DayHistory> = (0..5).map(|d| synthetic_day(20_000 + d, |_| 1.0)).collect();
        let error = forecast(&history, &[20_010]).unwrap_err();
        assert_eq!(error.to_string(), "history days must be at least 7, got 5");
    }

    #[test]
    fn weekday_numbering() {
        assert_eq!(weekday(0), 3); // 1970-01-01, Thursday
        assert_eq!(weekday(-1), 2);
        assert_eq!(weekday(20_416), 0); // 2025-11-24, Monday
    }
}
