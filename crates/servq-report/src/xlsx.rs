//! The workbook: the snapshot's raw numbers (ratios as fractions shown in percent, seconds,
//! scores) on one sheet per section, with native Excel charts over the cells, so an analyst can
//! re-chart or re-compute. Text is written as text cells (never formulas), so a name such as
//! `=HYPERLINK(…)` stays text.

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};
use servq_kpi::Unit;

use crate::ReportError;
use crate::snapshot::{Estimate, Measure, MonthlyReport};
use crate::view::{Labels, ReportView};

fn render_error(error: XlsxError) -> ReportError {
    ReportError::Render(error.to_string())
}

struct Formats {
    bold: Format,
    percent: Format,
    decimal: Format,
    rating: Format,
    whole: Format,
}

impl Formats {
    fn of(&self, metric: &str) -> &Format {
        match servq_kpi::metric(metric).map(|m| m.unit) {
            Some(Unit::Ratio) => &self.percent,
            Some(Unit::Count) => &self.whole,
            Some(Unit::Rating) => &self.rating,
            _ => &self.decimal,
        }
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(text: &str) -> String {
    text.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

fn number(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    value: Option<f64>,
    format: &Format,
) -> Result<(), XlsxError> {
    if let Some(value) = value.filter(|v| v.is_finite()) {
        sheet.write_number_with_format(row, column, value, format)?;
    }
    Ok(())
}

fn header(
    sheet: &mut Worksheet,
    row: u32,
    names: &[String],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (column, name) in names.iter().enumerate() {
        sheet.write_string_with_format(row, column as u16, name, bold)?;
    }
    Ok(())
}

/// Writes measures from `row`; returns the next free row.
fn measures(
    sheet: &mut Worksheet,
    mut row: u32,
    list: &[Measure],
    labels: &Labels<'_>,
    formats: &Formats,
) -> Result<u32, XlsxError> {
    for measure in list {
        let format = formats.of(&measure.metric);
        sheet.write_string(row, 0, (labels.text)(&format!("kpi.{}", measure.metric)))?;
        sheet.write_string(row, 1, &measure.metric)?;
        number(sheet, row, 2, measure.value, format)?;
        number(sheet, row, 3, measure.previous, format)?;
        number(
            sheet,
            row,
            4,
            measure.target.as_ref().map(|t| t.value),
            format,
        )?;
        if let Some(status) = measure.target.as_ref().and_then(|t| t.status.as_ref()) {
            sheet.write_string(row, 5, (labels.text)(&format!("targets.status_{status}")))?;
        }
        row += 1;
    }
    Ok(row)
}

fn estimate(
    sheet: &mut Worksheet,
    row: u32,
    metric: &str,
    value: &Estimate,
    labels: &Labels<'_>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let format = formats.of(metric);
    sheet.write_string(row, 0, (labels.text)(&format!("kpi.{metric}")))?;
    number(sheet, row, 1, value.value, format)?;
    number(sheet, row, 2, value.lower, format)?;
    number(sheet, row, 3, value.upper, format)?;
    sheet.write_number(row, 4, value.n as f64)?;
    Ok(())
}

/// The workbook of `report`, labelled for `labels`' reader (`view` is the same report's view).
pub fn xlsx(
    report: &MonthlyReport,
    view: &ReportView,
    labels: &Labels<'_>,
) -> Result<Vec<u8>, ReportError> {
    write(report, view, labels).map_err(render_error)
}

fn write(
    report: &MonthlyReport,
    view: &ReportView,
    labels: &Labels<'_>,
) -> Result<Vec<u8>, XlsxError> {
    let t = |key: &str| (labels.text)(&format!("report.{key}"));
    let formats = Formats {
        bold: Format::new().set_bold(),
        percent: Format::new().set_num_format("0.0%"),
        decimal: Format::new().set_num_format("0.0"),
        rating: Format::new().set_num_format("0.00"),
        whole: Format::new().set_num_format("0"),
    };
    let mut workbook = Workbook::new();

    // summary: headline and ticket measures, findings
    let summary_name = sheet_name(&t("sheet_summary"));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&summary_name)?;
    sheet.write_string_with_format(0, 0, &view.title, &formats.bold)?;
    sheet.write_string(1, 0, &view.subtitle)?;
    let mut columns = vec![t("measure"), t("metric_id"), t("this_month")];
    columns.extend(view.measure_header.get(2).cloned());
    columns.extend([t("target"), t("status")]);
    header(sheet, 3, &columns, &formats.bold)?;
    let row = measures(sheet, 4, &report.headline, labels, &formats)?;
    let row = measures(sheet, row, &report.tickets, labels, &formats)?;
    sheet.write_string_with_format(row + 1, 0, &view.headings["findings"], &formats.bold)?;
    for (index, sentence) in view.findings.iter().enumerate() {
        sheet.write_string(row + 2 + index as u32, 0, sentence)?;
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 24)?;
    for column in 2..6 {
        sheet.set_column_width(column, 16)?;
    }

    // daily values with charts
    let daily_name = sheet_name(&t("sheet_daily"));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&daily_name)?;
    let metrics: Vec<&String> = report.daily.series.keys().collect();
    let mut names = vec![t("day")];
    names.extend(metrics.iter().map(|m| (labels.text)(&format!("kpi.{m}"))));
    header(sheet, 0, &names, &formats.bold)?;
    for (index, day) in report.daily.days.iter().enumerate() {
        sheet.write_string(index as u32 + 1, 0, day)?;
        for (column, metric) in metrics.iter().enumerate() {
            let value = report.daily.series[*metric].get(index).copied().flatten();
            number(
                sheet,
                index as u32 + 1,
                column as u16 + 1,
                value,
                formats.of(metric),
            )?;
        }
    }
    let last = report.daily.days.len() as u32;
    sheet.set_column_width(0, 12)?;
    for (chart_index, (metric, kind)) in [
        ("offered", ChartType::Column),
        ("service_level", ChartType::Line),
        ("csat", ChartType::Line),
        ("aht_seconds", ChartType::Line),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(column) = metrics.iter().position(|m| m.as_str() == metric) else {
            continue;
        };
        if last == 0 {
            continue;
        }
        let column = column as u16 + 1;
        let mut chart = Chart::new(kind);
        chart
            .add_series()
            .set_categories((daily_name.as_str(), 1, 0, last, 0))
            .set_values((daily_name.as_str(), 1, column, last, column))
            .set_name((daily_name.as_str(), 0, column));
        chart
            .title()
            .set_name(&(labels.text)(&format!("kpi.{metric}")));
        chart.legend().set_hidden();
        sheet.insert_chart(
            1 + chart_index as u32 * 16,
            metrics.len() as u16 + 2,
            &chart,
        )?;
    }

    // teams: scores and grade counts, grades as a stacked column chart
    let teams_name = sheet_name(&t("sheet_teams"));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&teams_name)?;
    let mut names = view.teams.header.clone();
    let grade_start = names.len() as u16;
    names.extend(report.grades.iter().cloned());
    header(sheet, 0, &names, &formats.bold)?;
    for (index, team) in report.teams.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, &team.team)?;
        for (column, score) in team.scores.iter().enumerate() {
            number(sheet, row, column as u16 + 1, *score, &formats.decimal)?;
        }
        let after = team.scores.len() as u16 + 1;
        number(sheet, row, after, team.composite, &formats.decimal)?;
        if let Some(grade) = &team.grade {
            sheet.write_string(row, after + 1, grade)?;
        }
        for (column, count) in team.grade_counts.iter().enumerate() {
            sheet.write_number(row, grade_start + column as u16, *count as f64)?;
        }
    }
    if !report.teams.is_empty() {
        let last = report.teams.len() as u32;
        let mut chart = Chart::new(ChartType::ColumnStacked);
        for column in 0..report.grades.len() as u16 {
            let column = grade_start + column;
            chart
                .add_series()
                .set_categories((teams_name.as_str(), 1, 0, last, 0))
                .set_values((teams_name.as_str(), 1, column, last, column))
                .set_name((teams_name.as_str(), 0, column));
        }
        chart.title().set_name(&view.headings["grades"]);
        sheet.insert_chart(last + 3, 0, &chart)?;
    }
    sheet.set_column_width(0, 18)?;

    // agents: best and bottom
    let agents_name = sheet_name(&t("sheet_agents"));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&agents_name)?;
    let mut row = 0;
    for (heading, agents) in [
        (&view.headings["best"], &report.best_agents),
        (&view.headings["bottom"], &report.bottom_agents),
    ] {
        sheet.write_string_with_format(row, 0, heading, &formats.bold)?;
        header(
            sheet,
            row + 1,
            &[
                t("agent_id"),
                t("agent"),
                t("team"),
                t("composite"),
                t("grade"),
            ],
            &formats.bold,
        )?;
        row += 2;
        for agent in agents {
            sheet.write_string(row, 0, &agent.agent_id)?;
            sheet.write_string(row, 1, &agent.name)?;
            sheet.write_string(row, 2, &agent.team)?;
            sheet.write_number_with_format(row, 3, agent.composite, &formats.decimal)?;
            if let Some(grade) = &agent.grade {
                sheet.write_string(row, 4, grade)?;
            }
            row += 1;
        }
        row += 1;
    }

    // QA and surveys
    let quality_name = sheet_name(&t("sheet_quality"));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&quality_name)?;
    sheet.write_string_with_format(0, 0, &view.headings["qa"], &formats.bold)?;
    sheet.write_string(1, 0, (labels.text)("kpi.qa_evaluations"))?;
    sheet.write_number(1, 1, report.qa.evaluations as f64)?;
    sheet.write_string(2, 0, (labels.text)("kpi.qa_score"))?;
    number(sheet, 2, 1, report.qa.mean_score, &formats.decimal)?;
    number(sheet, 2, 2, report.qa.previous_mean_score, &formats.decimal)?;
    header(sheet, 4, &view.qa_problems.header, &formats.bold)?;
    let mut row = 5;
    for problem in &report.qa.problems {
        sheet.write_string(row, 0, &problem.name)?;
        sheet.write_string(
            row,
            1,
            (labels.text)(&format!("performance.problem_{}", problem.kind)),
        )?;
        sheet.write_number_with_format(row, 2, problem.share, &formats.percent)?;
        sheet.write_number(row, 3, problem.agents as f64)?;
        sheet.write_string(
            row,
            4,
            t(if problem.common {
                "remedy_training"
            } else {
                "remedy_coaching"
            }),
        )?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, &view.headings["surveys"], &formats.bold)?;
    header(
        sheet,
        row + 1,
        &[
            t("measure"),
            t("value"),
            t("lower"),
            t("upper"),
            t("answers"),
        ],
        &formats.bold,
    )?;
    let s = &report.surveys;
    for (index, (metric, value)) in [
        ("survey_response_rate", &s.response_rate),
        ("csat", &s.csat),
        ("csat_mean", &s.csat_mean),
        ("nps", &s.nps),
        ("ces", &s.ces),
    ]
    .into_iter()
    .enumerate()
    {
        estimate(
            sheet,
            row + 2 + index as u32,
            metric,
            value,
            labels,
            &formats,
        )?;
    }
    sheet.set_column_width(0, 30)?;

    // the Pareto with its chart
    let pareto_name = sheet_name(&t("sheet_pareto"));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&pareto_name)?;
    header(sheet, 0, &view.pareto.header, &formats.bold)?;
    for (index, line) in report.pareto.rows.iter().enumerate() {
        let row = index as u32 + 1;
        let name = line
            .names
            .get(labels.language)
            .filter(|n| !n.is_empty())
            .unwrap_or(&line.name);
        sheet.write_number(row, 0, (index + 1) as f64)?;
        sheet.write_string(row, 1, name)?;
        sheet.write_number(row, 2, line.cases as f64)?;
        sheet.write_number_with_format(row, 3, line.share, &formats.percent)?;
        sheet.write_number_with_format(row, 4, line.cumulative_share, &formats.percent)?;
        sheet.write_boolean(row, 5, line.vital)?;
    }
    if !report.pareto.rows.is_empty() {
        let last = report.pareto.rows.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        chart
            .add_series()
            .set_categories((pareto_name.as_str(), 1, 1, last, 1))
            .set_values((pareto_name.as_str(), 1, 2, last, 2))
            .set_name((pareto_name.as_str(), 0, 2));
        let mut cumulative = Chart::new(ChartType::Line);
        cumulative
            .add_series()
            .set_categories((pareto_name.as_str(), 1, 1, last, 1))
            .set_values((pareto_name.as_str(), 1, 4, last, 4))
            .set_name((pareto_name.as_str(), 0, 4))
            .set_secondary_axis(true);
        chart.combine(&cumulative);
        chart.title().set_name(&view.headings["pareto"]);
        sheet.insert_chart(1, 7, &chart)?;
    }
    sheet.set_column_width(0, 4)?;
    sheet.set_column_width(1, 24)?;

    // forecast against actual
    if let Some(forecast) = &report.forecast {
        let forecast_name = sheet_name(&t("sheet_forecast"));
        let sheet = workbook.add_worksheet();
        sheet.set_name(&forecast_name)?;
        header(
            sheet,
            0,
            &[t("day"), t("forecast"), t("actual")],
            &formats.bold,
        )?;
        for (index, day) in report.daily.days.iter().enumerate() {
            let row = index as u32 + 1;
            sheet.write_string(row, 0, day)?;
            number(
                sheet,
                row,
                1,
                forecast.forecast.get(index).copied(),
                &formats.decimal,
            )?;
            number(
                sheet,
                row,
                2,
                forecast.actual.get(index).copied().flatten(),
                &formats.whole,
            )?;
        }
        let last = report.daily.days.len() as u32;
        if last > 0 {
            let mut chart = Chart::new(ChartType::Line);
            for column in [1u16, 2] {
                chart
                    .add_series()
                    .set_categories((forecast_name.as_str(), 1, 0, last, 0))
                    .set_values((forecast_name.as_str(), 1, column, last, column))
                    .set_name((forecast_name.as_str(), 0, column));
            }
            chart.title().set_name(&view.headings["forecast"]);
            sheet.insert_chart(1, 4, &chart)?;
        }
        sheet.set_column_width(0, 12)?;
    }
    workbook.save_to_buffer()
}
