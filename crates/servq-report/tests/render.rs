//! The three renderings of one snapshot with hostile values: names that are markup in HTML
//! (`<script>`), in typst (`#panic()`, `]`, `$`) and formulas in a spreadsheet (`=HYPERLINK(…)`)
//! come out as the text they are, and the numbers as the snapshot has them.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use calamine::{Data, Reader, Xlsx};
use servq_report::*;

const SCRIPT: &str = "<script>alert(1)</script>";
const FORMULA: &str = "=HYPERLINK(\"http://evil\",\"x\")";
const TYPST: &str = "#panic(\"boom\") ] $x$ *bold*";

fn snapshot() -> MonthlyReport {
    let measure = |metric: &str, value: f64, previous: f64| Measure {
        metric: metric.into(),
        value: Some(value),
        previous: Some(previous),
        target: None,
    };
    MonthlyReport {
        schema: SCHEMA,
        month: "2026-11".into(),
        previous_month: "2026-10".into(),
        time_zone: "Asia/Shanghai".into(),
        generated_at: "2026-12-01T06:00:03+08:00".into(),
        model: ModelRef {
            name: TYPST.into(),
            version: 2,
        },
        days_with_data: 2,
        previous_days_with_data: 0,
        headline: vec![
            measure("offered", 1234.0, 1000.0),
            Measure {
                target: Some(TargetRef {
                    value: 0.8,
                    status: Some("missed".into()),
                }),
                ..measure("service_level", 0.75, 0.82)
            },
        ],
        tickets: vec![measure("complaints", 3.0, 5.0)],
        findings: vec![Finding {
            metric: "service_level".into(),
            previous: 0.82,
            value: 0.75,
            p_value: 0.004,
            judgement: "worse".into(),
        }],
        daily: Daily {
            days: vec!["2026-11-01".into(), "2026-11-02".into()],
            series: BTreeMap::from([("offered".to_owned(), vec![Some(600.0), Some(634.0)])]),
        },
        dimensions: vec![DimensionName {
            id: "satisfaction".into(),
            names: BTreeMap::from([("en".to_owned(), "Satisfaction".to_owned())]),
        }],
        grades: vec!["A".into(), "B".into()],
        teams: vec![TeamScore {
            team: SCRIPT.into(),
            scores: vec![Some(81.25)],
            composite: Some(81.25),
            grade: Some("B".into()),
            grade_counts: vec![0, 1],
        }],
        best_agents: vec![AgentScore {
            agent_id: "A1".into(),
            name: FORMULA.into(),
            team: SCRIPT.into(),
            composite: 81.25,
            grade: Some("B".into()),
        }],
        bottom_agents: Vec::new(),
        agents_graded: 1,
        qa: QaSummary::default(),
        surveys: SurveySummary::default(),
        pareto: ParetoSummary {
            cases: 4,
            rows: vec![ParetoLine {
                name: "tone".into(),
                names: BTreeMap::from([("en".to_owned(), TYPST.to_owned())]),
                cases: 4,
                share: 1.0,
                cumulative_share: 1.0,
                vital: true,
            }],
        },
        forecast: None,
    }
}

fn labels_text(key: &str) -> String {
    key.to_owned()
}

#[test]
fn hostile_names_stay_text_in_every_rendering() {
    let report = snapshot();
    let text = labels_text;
    let labels = Labels {
        language: "en",
        text: &text,
    };
    let view = view(&report, &labels);

    let page = html(&view, &[]).unwrap();
    assert!(!page.contains(SCRIPT), "raw markup in the HTML");
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || page.contains("&lt;script&gt;")
    );
    assert!(page.contains("81.2") || page.contains("81.3"));
    assert!(!page.contains("<script"), "no script at all");

    let book = xlsx(&report, &view, &labels).unwrap();
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(book)).unwrap();
    let names = workbook.sheet_names();
    let agents = workbook.worksheet_range(&names[3]).unwrap();
    let cells: Vec<&Data> = agents.used_cells().map(|(_, _, cell)| cell).collect();
    assert!(cells.contains(&&Data::String(FORMULA.into())), "{cells:?}");
    let formulas = workbook.worksheet_formula(&names[3]).unwrap();
    assert!(
        formulas.used_cells().next().is_none(),
        "a name became a formula"
    );
    let summary = workbook.worksheet_range(&names[0]).unwrap();
    let values: Vec<&Data> = summary.used_cells().map(|(_, _, cell)| cell).collect();
    assert!(values.contains(&&Data::Float(0.75)), "{values:?}");
    assert!(values.contains(&&Data::Float(1234.0)), "{values:?}");

    // typst sets the names as text (the font: the one servq uses, installed by install-deps.sh)
    let font = std::fs::read("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
        .expect("fonts-wqy-microhei (scripts/install-deps.sh)");
    let fonts = Fonts::parse(font).unwrap();
    let first = pdf(&view, &fonts).unwrap();
    assert!(first.starts_with(b"%PDF"));
    assert_eq!(
        first,
        pdf(&view, &fonts).unwrap(),
        "the same view sets the same PDF"
    );
}

#[test]
fn a_font_without_chinese_is_refused() {
    assert!(matches!(Fonts::parse(Vec::new()), Err(ReportError::NoFont)));
}
