//! The monthly quality report for real on both databases: October answers half its calls within
//! the service level, November nine in ten (alternating days, so both months have spread). The
//! scheduled job on 1 December makes November's report once however often it runs, its numbers
//! are the month's KPIs, the narrative tells the service-level rise (Welch's t-test) and only
//! it, a stored report renders identically again, and the e-mail reaches the report recipients
//! over SMTP with the PDF attached.
#![allow(missing_docs)]

use crate::support;

use jiff::civil::Date;
use servq_app::jobs::{Job, JobContext, run_once};
use servq_app::monthly_report::{self, Month, RenderFormat};
use servq_app::outbox::{OutboxConfig, SmtpTls, deliver_due};
use servq_store::{ReportOrigin, Store, testing::TestDatabase};
use support::{day_contacts, smtp_sink};

#[tokio::test]
async fn the_scheduled_report_is_made_once_told_significantly_and_mailed_with_its_pdf() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let mut import = store.begin_contact_import().await.unwrap();
        let mut line = 2;
        let mut day: Date = "2026-10-01".parse().unwrap();
        while day <= "2026-11-30".parse().unwrap() {
            // October 4 or 6 of 10 within the service level, November 8 or 10
            let even = day.day() % 2 == 0;
            let within = match (day.month(), even) {
                (10, true) => 6,
                (10, false) => 4,
                (_, true) => 10,
                (_, false) => 8,
            };
            for contact in day_contacts(day, within) {
                import.push(line, contact).await.unwrap();
                line += 1;
            }
            day = day.tomorrow().unwrap();
        }
        import.commit("test").await.unwrap();

        let (smtp_port, mails) = smtp_sink().await;
        let context = JobContext {
            backup: None,
            store: store.clone(),
            public_url: "https://servq.example.com".into(),
            outbox: OutboxConfig {
                smtp_host: Some("127.0.0.1".into()),
                smtp_port,
                smtp_tls: SmtpTls::None,
                email_from: "servq <servq@example.com>".into(),
                email_to: vec!["duty@example.com".into()],
                report_to: vec!["director@example.com".into()],
                ..OutboxConfig::default()
            },
        };
        let now: jiff::Timestamp = "2026-12-01T06:00:00Z".parse().unwrap();
        let first = run_once(&context, Job::MonthlyReport, now).await.unwrap();
        assert!(first.contains("made and announced"), "{first}");
        let again = run_once(&context, Job::MonthlyReport, now).await.unwrap();
        assert!(again.contains("exists already"), "{again}");
        let reports = store.reports().await.unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert_eq!(reports[0].origin, ReportOrigin::Scheduled);
        assert_eq!(reports[0].period, "2026-11");

        let (_, report) = monthly_report::stored(&store, reports[0].id)
            .await
            .unwrap()
            .unwrap();
        let measure = |name: &str| {
            report
                .headline
                .iter()
                .find(|m| m.metric == name)
                .unwrap()
                .clone()
        };
        // November: 15 even days of 10/10 and 15 odd of 8/10 → 270 of 300; October: 15 even days
        // of 6/10 and 16 odd of 4/10 → 154 of 310
        let level = measure("service_level");
        assert!(
            (level.value.unwrap() - 270.0 / 300.0).abs() < 1e-12,
            "{level:?}"
        );
        assert!(
            (level.previous.unwrap() - 154.0 / 310.0).abs() < 1e-12,
            "{level:?}"
        );
        assert_eq!(measure("offered").value, Some(300.0));
        // the service level (and the ASA it drags) changed significantly; volume is not judged
        let told: Vec<&str> = report.findings.iter().map(|f| f.metric.as_str()).collect();
        assert!(told.contains(&"service_level"), "{told:?}");
        assert!(!told.contains(&"offered"), "{told:?}");
        let finding = report
            .findings
            .iter()
            .find(|f| f.metric == "service_level")
            .unwrap();
        assert_eq!(finding.judgement, "better");
        assert!(finding.p_value < 1e-6, "{finding:?}");
        // AHT did not move at all: nothing said about it
        assert!(!told.contains(&"aht_seconds"), "{told:?}");
        assert_eq!(report.daily.days.len(), 30);

        // a stored report renders the same file again
        let pdf = monthly_report::render(&report, RenderFormat::Pdf, Default::default()).unwrap();
        let again = monthly_report::render(&report, RenderFormat::Pdf, Default::default()).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(pdf, again);
        let html = String::from_utf8(
            monthly_report::render(&report, RenderFormat::Html, servq_app::i18n::Locale::En)
                .unwrap(),
        )
        .unwrap();
        assert!(html.contains("90.0%") && html.contains("49.7%"), "{html}");
        assert!(
            html.contains("Service level improved from 49.7% to 90.0% (p &#60; 0.001)"),
            "{html}"
        );

        // a manual report of the same month is another archive entry
        let actor = servq_app::cli_actor();
        let manual = monthly_report::generate(
            &store,
            Month::parse("2026-11").unwrap(),
            ReportOrigin::Manual,
            &actor,
            None,
        )
        .await
        .unwrap();
        assert!(manual.is_some());
        assert_eq!(store.reports().await.unwrap().len(), 2);

        // the announcement: one e-mail to the report recipients with the PDF
        let delivery = deliver_due(&store, &context.outbox, servq_app::now_ms())
            .await
            .unwrap();
        assert_eq!(delivery.sent, 1, "{delivery:?}");
        let mails = mails.lock().unwrap().clone();
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert!(mail.contains("director@example.com"), "{mail}");
        assert!(!mail.contains("RCPT TO:<duty@example.com>"), "{mail}");
        assert!(mail.contains("application/pdf"), "{mail}");
        assert!(mail.contains("servq-quality-2026-11.pdf"), "{mail}");
        // the text part (base64: it is Chinese) names the month's measures and links the report
        let text_part = mail
            .split("Content-Transfer-Encoding: base64\n\n")
            .nth(1)
            .and_then(|part| part.split("\n--").next())
            .unwrap();
        let text = String::from_utf8(
            base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                text_part.replace('\n', ""),
            )
            .unwrap(),
        )
        .unwrap();
        assert!(text.contains("月度服务质量报告"), "{text}");
        assert!(text.contains("服务水平: 90.0% (2026-10 49.7%)"), "{text}");
        assert!(
            text.contains(&format!(
                "https://servq.example.com/reports/{}",
                reports[0].id
            )),
            "{text}"
        );
    }
}
