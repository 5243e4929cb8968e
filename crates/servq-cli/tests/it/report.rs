//! `servq report monthly` on both databases, checked with independent tools: `pdffonts` (the CJK
//! font is embedded), `pdftotext` (Chinese headings and every headline value equal to
//! `servq kpi` over the month), `pdftoppm` (the first page rasterises), openpyxl (the workbook's
//! sheets, its native charts, and its numbers equal to `servq kpi`); a stored report re-renders
//! byte for byte; bad arguments are refused by name.

use std::process::Command;

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{python_reference, servq, servq_ok, stderr};

/// A value as the report prints it, written out here rather than borrowed from servq.
fn printed(metric: &str, value: f64) -> String {
    match metric {
        "offered" => format!("{value:.0}"),
        "answer_rate" | "service_level" | "abandon_rate" | "fcr_rate" | "transfer_rate"
        | "occupancy" | "csat" => format!("{:.1}%", value * 100.0),
        "ces" => format!("{value:.2}"),
        _ => format!("{value:.1}"),
    }
}

fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} (poppler-utils, installed by scripts/install-deps.sh): {e}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        stderr(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_monthly_report_renders_chinese_and_the_months_kpis_in_pdf_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    for db in TestDatabase::both().await {
        servq_ok(
            &db,
            &[
                "demo",
                "--days",
                "45",
                "--end",
                "2026-11-30",
                "--daily-contacts",
                "250",
                "--agents",
                "12",
            ],
        );
        let kpi: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "kpi",
                    "--from",
                    "2026-11-01",
                    "--to",
                    "2026-11-30",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        let kpi = &kpi["rows"][0];
        let pdf = dir.path().join(format!("{:?}.pdf", db.backend));
        let pdf_path = pdf.to_str().unwrap();
        servq_ok(
            &db,
            &[
                "report", "monthly", "--month", "2026-11", "--format", "pdf", "--output", pdf_path,
            ],
        );
        let fonts = tool("pdffonts", &[pdf_path]);
        assert!(fonts.contains("WenQuanYi"), "{fonts}");
        let embedded = fonts.lines().skip(2).all(|line| line.contains(" yes yes "));
        assert!(embedded, "every font embedded and subset:\n{fonts}");
        let text = tool("pdftotext", &["-layout", pdf_path, "-"]);
        for heading in [
            "2026-11 月度服务质量报告",
            "核心指标",
            "班组维度得分",
            "不满意原因帕累托",
        ] {
            assert!(text.contains(heading), "{heading} missing:\n{text}");
        }
        for metric in [
            "offered",
            "answer_rate",
            "service_level",
            "abandon_rate",
            "aht_seconds",
            "fcr_rate",
            "csat",
            "nps",
        ] {
            let value = kpi[metric].as_f64().unwrap();
            let line = text
                .lines()
                .find(|line| {
                    let label = match metric {
                        "offered" => "进线量",
                        "answer_rate" => "接通率",
                        "service_level" => "服务水平",
                        "abandon_rate" => "放弃率",
                        "aht_seconds" => "平均处理时长",
                        "fcr_rate" => "首呼解决率",
                        "csat" => "满意度",
                        _ => "净推荐值",
                    };
                    line.trim_start().starts_with(label)
                })
                .unwrap_or_else(|| panic!("no line for {metric}:\n{text}"));
            let first_value = line.split_whitespace().find(|word| {
                word.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() || c == '-')
            });
            assert_eq!(
                first_value,
                Some(printed(metric, value).as_str()),
                "{metric}: {line}"
            );
        }
        let png = dir.path().join(format!("{:?}-page", db.backend));
        tool(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                pdf_path,
                png.to_str().unwrap(),
            ],
        );
        let rendered = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{:?}-page", db.backend))
            });
        assert!(rendered, "pdftoppm wrote no page");

        let xlsx = dir.path().join(format!("{:?}.xlsx", db.backend));
        servq_ok(
            &db,
            &[
                "report",
                "monthly",
                "--month",
                "2026-11",
                "--format",
                "xlsx",
                "--output",
                xlsx.to_str().unwrap(),
            ],
        );
        let book = python_reference("report_xlsx_check.py", &[xlsx.as_os_str()]);
        let sheets: Vec<&str> = book["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(
            sheets,
            [
                "概要",
                "每日",
                "班组",
                "坐席",
                "质检与满意度",
                "帕累托",
                "预测"
            ]
        );
        assert_eq!(book["charts"]["每日"], 4, "{book}");
        assert_eq!(book["charts"]["班组"], 1, "{book}");
        assert_eq!(book["charts"]["帕累托"], 1, "{book}");
        for metric in [
            "offered",
            "service_level",
            "aht_seconds",
            "fcr_rate",
            "csat",
            "nps",
            "ces",
        ] {
            let ours = book["measures"][metric].as_f64().unwrap_or(f64::NAN);
            let theirs = kpi[metric].as_f64().unwrap();
            assert!(
                (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
                "{metric}: {ours} vs {theirs}"
            );
        }

        // the archive holds both; a stored one renders the same bytes again
        let list: Value =
            serde_json::from_slice(&servq_ok(&db, &["report", "list", "--format", "json"]).stdout)
                .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
        let first_id = list
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .min()
            .unwrap()
            .to_string();
        let again = dir.path().join(format!("{:?}-again.pdf", db.backend));
        servq_ok(
            &db,
            &[
                "report",
                "render",
                &first_id,
                "--format",
                "pdf",
                "--output",
                again.to_str().unwrap(),
            ],
        );
        assert_eq!(std::fs::read(&pdf).unwrap(), std::fs::read(&again).unwrap());

        // refused by name, nothing written
        let bad = servq(
            &db,
            &[
                "report", "monthly", "--month", "2026-13", "--output", "x.pdf",
            ],
        );
        assert!(!bad.status.success());
        assert!(
            stderr(&bad).contains("--month '2026-13' is not a month"),
            "{}",
            stderr(&bad)
        );
        let bad = servq(
            &db,
            &[
                "report", "monthly", "--month", "2026-11", "--format", "docx", "--output", "x.docx",
            ],
        );
        assert!(
            stderr(&bad).contains("--format 'docx' is not one of pdf, xlsx, html"),
            "{}",
            stderr(&bad)
        );
        assert!(!std::path::Path::new("x.docx").exists());
    }
}
