//! Chart geometry, computed once and drawn by every rendering (SVG in HTML, typst shapes in the
//! PDF) so the charts agree: a plot box in points, y ticks at round numbers, bars and lines as
//! coordinates from the top-left corner.

use serde::Serialize;

/// The chart's size in points (1/72 in; pixels in the HTML).
pub const WIDTH: f64 = 480.0;
/// Height.
pub const HEIGHT: f64 = 150.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;

/// Colours of the series, in order (colour-blind safe, Tableau 10).
pub const PALETTE: [&str; 4] = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"];

/// One chart, ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// The chart's title.
    pub title: String,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The plot box: left, top, right, bottom.
    pub plot: [f64; 4],
    /// Horizontal grid lines: y and label.
    pub y_ticks: Vec<Tick>,
    /// Labels under the x axis: x and label.
    pub x_labels: Vec<Tick>,
    /// Bars: x, y, width, height.
    pub bars: Vec<[f64; 4]>,
    /// The bars' colour.
    pub bar_colour: String,
    /// Lines; each is one or more runs of connected points (a day without a value breaks it).
    pub lines: Vec<Line>,
    /// A dashed horizontal line (the target), with its label (also in the legend).
    pub target: Option<Tick>,
    /// What each colour means.
    pub legend: Vec<(String, String)>,
}

/// A position on an axis and its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// The coordinate.
    pub pos: f64,
    /// The text.
    pub label: String,
}

/// A series drawn as a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Its colour.
    pub colour: String,
    /// Runs of connected points.
    pub runs: Vec<Vec<[f64; 2]>>,
    /// Each run as an SVG `points` attribute.
    pub svg_points: Vec<String>,
}

/// A step of 1, 2 or 5 × 10ⁿ giving about `count` intervals over `span`.
fn nice_step(span: f64, count: f64) -> f64 {
    let raw = (span / count).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// A series of a chart.
pub struct Series<'a> {
    /// What it means (legend).
    pub label: String,
    /// A value per x position.
    pub values: &'a [Option<f64>],
    /// Drawn as bars (else a line).
    pub bars: bool,
}

/// Builds a chart of `series` over `x_count` positions, labelled every few positions by
/// `x_label`; `format` writes the y labels; `target` draws a dashed line. The y axis starts at
/// zero for bars, and otherwise fits the values (and target) with a margin.
pub fn chart(
    title: String,
    x_count: usize,
    x_label: impl Fn(usize) -> String,
    series: &[Series<'_>],
    target: Option<(f64, String)>,
    format: impl Fn(f64) -> String,
) -> Chart {
    let plot = [LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM];
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .chain(target.iter().map(|(value, _)| *value))
        .filter(|v| v.is_finite());
    let (mut low, mut high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    let any_bars = series.iter().any(|s| s.bars);
    if any_bars || low >= 0.0 && low <= 0.25 * high {
        low = low.min(0.0);
    }
    if high <= low {
        high = low + 1.0;
    }
    let step = nice_step(high - low, 4.0);
    let axis_low = (low / step).floor() * step;
    let axis_high = ((high / step).ceil() * step).max(axis_low + step);
    let y =
        |value: f64| plot[3] - (value - axis_low) / (axis_high - axis_low) * (plot[3] - plot[1]);
    let slot = (plot[2] - plot[0]) / x_count.max(1) as f64;
    let x = |index: usize| plot[0] + slot * (index as f64 + 0.5);
    let mut y_ticks = Vec::new();
    let mut tick = axis_low;
    while tick <= axis_high + step * 1e-9 {
        y_ticks.push(Tick {
            pos: round(y(tick)),
            label: format(tick),
        });
        tick += step;
    }
    // at most 16 labels: every day of a short list, every other day of a month
    let every = x_count.div_ceil(16).max(1);
    let x_labels = (0..x_count)
        .filter(|i| i % every == 0)
        .map(|i| Tick {
            pos: round(x(i)),
            label: x_label(i),
        })
        .collect();
    let mut bars = Vec::new();
    let mut bar_colour = PALETTE[0].to_owned();
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for (index, series) in series.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()].to_owned();
        legend.push((colour.clone(), series.label.clone()));
        if series.bars {
            bar_colour = colour;
            for (i, value) in series.values.iter().enumerate() {
                if let Some(value) = value.filter(|v| v.is_finite()) {
                    let top = y(value.max(axis_low));
                    let base = y(0f64.max(axis_low));
                    bars.push([
                        round(x(i) - slot * 0.35),
                        round(top.min(base)),
                        round(slot * 0.7),
                        round((base - top).abs()),
                    ]);
                }
            }
        } else {
            let mut runs: Vec<Vec<[f64; 2]>> = Vec::new();
            let mut run = Vec::new();
            for (i, value) in series.values.iter().enumerate() {
                match value.filter(|v| v.is_finite()) {
                    Some(value) => run.push([round(x(i)), round(y(value))]),
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            if !run.is_empty() {
                runs.push(run);
            }
            let svg_points = runs
                .iter()
                .map(|run| {
                    run.iter()
                        .map(|[x, y]| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            lines.push(Line {
                colour,
                runs,
                svg_points,
            });
        }
    }
    Chart {
        title,
        width: WIDTH,
        height: HEIGHT,
        plot,
        y_ticks,
        x_labels,
        bars,
        bar_colour,
        lines,
        target: target.map(|(value, label)| Tick {
            pos: round(y(value)),
            label,
        }),
        legend,
    }
}

/// Two decimals are enough for a point on paper and keep the files small.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(100.0, 4.0), 50.0);
        assert_eq!(nice_step(0.3, 4.0), 0.1);
        assert_eq!(nice_step(7.0, 4.0), 2.0);
    }

    #[test]
    fn bars_start_at_zero_and_lines_break_at_gaps() {
        let volume = [Some(10.0), Some(30.0), None, Some(20.0)];
        let level = [Some(0.8), None, Some(0.9), Some(0.85)];
        let chart = chart(
            "t".into(),
            4,
            |i| i.to_string(),
            &[
                Series {
                    label: "v".into(),
                    values: &volume,
                    bars: true,
                },
                Series {
                    label: "l".into(),
                    values: &level,
                    bars: false,
                },
            ],
            Some((25.0, "target".into())),
            |v| format!("{v}"),
        );
        assert_eq!(chart.bars.len(), 3);
        // the axis starts at zero: a bar's bottom is the plot's bottom
        let [_, top, _, height] = chart.bars[1];
        assert!((top + height - chart.plot[3]).abs() < 0.02, "{chart:?}");
        // the tallest bar reaches the top tick (30 on an axis of 0..30 in steps of 10)
        assert_eq!(chart.y_ticks.last().unwrap().label, "30");
        assert_eq!(chart.lines[0].runs.len(), 2);
        assert!(chart.target.is_some());
    }
}
