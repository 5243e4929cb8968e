//! Downloads a manager can send (docs/web.md#exports): CSV with the UTF-8 BOM and headings in
//! the user's language, `keys=1` with the stable keys, formula-looking text neutralized in every CSV;
//! XLSX with headings in the user's language, text never a formula, rates as numbers in percent.

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use reqwest::header::CONTENT_DISPOSITION;

use crate::support::*;

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// What a spreadsheet would run: the queue and the customer of contact c4.
const HOSTILE_QUEUE: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";
const HOSTILE_CUSTOMER: &str = "@SUM(1+1)";

/// The centre on UTC, the two agents' contacts (c1, c2 in queue card, c3 in loan) and c4, whose
/// queue and customer look like formulas.
async fn import_contacts(store: &Store) {
    store.set_centre_zone("UTC").await.unwrap();
    import_two_agents(store).await;
    let record = ContactRecord {
        contact_id: "c4",
        channel: "phone",
        direction: "inbound",
        queue: HOSTILE_QUEUE,
        customer_id: HOSTILE_CUSTOMER,
        agent_id: "a1",
        offered_at: "2026-11-02T10:00:00Z",
        answered_at: "2026-11-02T10:00:05Z",
        ended_at: "2026-11-02T10:02:00Z",
        talk_seconds: "100",
        ..ContactRecord::default()
    };
    let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
    let mut import = store.begin_contact_import().await.unwrap();
    import.push(2, contact).await.unwrap();
    import.commit("hostile.csv").await.unwrap();
}

/// A supervisor whose language is simplified Chinese.
async fn chinese_supervisor(app: &TestApp) -> Session {
    let supervisor = app.sign_in_as(Role::Supervisor).await;
    let (status, body) = supervisor
        .put_json("/api/v1/me/locale", &json!({"locale": "zh-CN"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    supervisor
}

/// `GET path`: the `Content-Disposition` header and the body's bytes.
async fn download(session: &Session, path: &str) -> (String, Vec<u8>) {
    let response = session
        .client
        .get(format!("{}{path}", session.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let disposition = response
        .headers()
        .get(CONTENT_DISPOSITION)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (disposition, response.bytes().await.unwrap().to_vec())
}

/// The records of a CSV file (after its BOM, if any), the header included.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn number(cell: Option<&Data>) -> Option<f64> {
    match cell? {
        Data::Float(number) => Some(*number),
        Data::Int(number) => Some(*number as f64),
        _ => None,
    }
}

fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

#[tokio::test]
async fn csv_downloads_open_in_a_spreadsheet_and_keys_keep_the_old_bytes() {
    for app in TestApp::on_both_databases().await {
        import_contacts(&app.store).await;
        let supervisor = chinese_supervisor(&app).await;

        // the KPI table: BOM, Chinese headings, machine-readable numbers
        let kpi = "/api/v1/kpi?by=queue&from=2026-11-02&to=2026-11-02&filter=queue%3Dcard\
                   &metrics=offered,answer_rate&format=csv";
        let (disposition, bytes) = download(&supervisor, kpi).await;
        assert!(bytes.starts_with(BOM), "{bytes:?}");
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}队列,进线量,接通率\ncard,2,1\n"
        );
        assert!(
            disposition.starts_with("attachment; filename=\"kpi.csv\"; filename*=UTF-8''KPI"),
            "{disposition}"
        );
        // keys=1: exactly what `servq kpi --format csv` writes, as before
        let (disposition, bytes) = download(&supervisor, &format!("{kpi}&keys=1")).await;
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "queue,offered,answer_rate\ncard,2,1\n"
        );
        assert_eq!(disposition, "attachment; filename=\"kpi.csv\"");

        // a formula-looking group is shown, not run
        let by_queue =
            "/api/v1/kpi?by=queue&from=2026-11-02&to=2026-11-02&metrics=offered&format=csv";
        let (_, bytes) = download(&supervisor, by_queue).await;
        let rows = records(&bytes);
        assert!(
            rows.contains(&vec![format!("'{HOSTILE_QUEUE}"), "1".to_owned()]),
            "{rows:?}"
        );
        // keys=1 (what `servq kpi --format csv` writes): the keys are for scripts, but the file
        // may still be opened in a spreadsheet, so formula-looking text is neutralized too
        let (_, bytes) = download(&supervisor, &format!("{by_queue}&keys=1")).await;
        let rows = records(&bytes);
        assert!(
            rows.contains(&vec![format!("'{HOSTILE_QUEUE}"), "1".to_owned()]),
            "{rows:?}"
        );

        // the contacts: BOM, Chinese headings, hostile text neutralized, times as before
        let contacts = "/api/v1/contacts?from=2026-11-02&to=2026-11-02&format=csv";
        let (disposition, bytes) = download(&supervisor, contacts).await;
        assert!(bytes.starts_with(BOM), "{bytes:?}");
        assert!(
            disposition.starts_with(
                "attachment; filename=\"contacts.csv\"; filename*=UTF-8''%E8%81%94%E7%BB%9C"
            ),
            "{disposition}"
        );
        let rows = records(&bytes);
        assert_eq!(
            rows[0][..5],
            ["联络编号", "进线时间", "渠道", "方向", "队列"],
            "{rows:?}"
        );
        assert_eq!(rows.len(), 5, "a header and four contacts: {rows:?}");
        let c4 = rows.iter().find(|row| row[0] == "c4").unwrap();
        assert_eq!(c4[1], "2026-11-02T10:00:00+00:00");
        assert_eq!(c4[4], format!("'{HOSTILE_QUEUE}"));
        assert_eq!(c4[5], format!("'{HOSTILE_CUSTOMER}"));
        assert_eq!(c4[10], "5", "seconds stay plain numbers");
        // keys=1: no BOM, the stable keys, text still neutralized
        let (disposition, bytes) = download(&supervisor, &format!("{contacts}&keys=1")).await;
        assert_eq!(disposition, "attachment; filename=\"contacts.csv\"");
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with(
                "contact_id,offered_at,channel,direction,queue,customer_id,agent_id,team,\
                 category,answered,wait_seconds,talk_seconds,hold_seconds,wrap_seconds,\
                 transferred,resolved,subsets\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",'@SUM(1+1),a1,"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn xlsx_downloads_have_localized_headings_and_number_formats() {
    for app in TestApp::on_both_databases().await {
        import_contacts(&app.store).await;
        let supervisor = chinese_supervisor(&app).await;

        let kpi = "/api/v1/kpi?by=queue&from=2026-11-02&to=2026-11-02&filter=queue%3Dcard\
                   &metrics=offered,answer_rate,asa_seconds&format=xlsx";
        let (disposition, bytes) = download(&supervisor, kpi).await;
        assert!(
            disposition.starts_with("attachment; filename=\"kpi.xlsx\"; filename*=UTF-8''"),
            "{disposition}"
        );
        let mut book = workbook(bytes);
        let cells = book.worksheet_range("kpi").unwrap();
        let text = |row: u32, column: u32| cells.get_value((row, column)).cloned();
        assert_eq!(text(0, 0), Some(Data::String("队列".into())));
        assert_eq!(text(0, 1), Some(Data::String("进线量".into())));
        assert_eq!(text(0, 2), Some(Data::String("接通率".into())));
        assert_eq!(text(0, 3), Some(Data::String("平均应答速度（秒）".into())));
        assert_eq!(text(1, 0), Some(Data::String("card".into())));
        assert_eq!(number(cells.get_value((1, 1))), Some(2.0));
        assert_eq!(
            number(cells.get_value((1, 2))),
            Some(1.0),
            "a rate is a number"
        );
        // waits of 10 s and 30 s
        assert_eq!(number(cells.get_value((1, 3))), Some(20.0));
        let styles = book.worksheet_style("kpi").unwrap();
        let format = |row: u32, column: u32| {
            styles
                .get((row, column))
                .and_then(|style| style.number_format.as_ref())
                .map(|format| format.format_code.clone())
        };
        assert_eq!(format(1, 2).as_deref(), Some("0.0%"));
        assert_eq!(format(1, 1).as_deref(), Some("#,##0"));
        assert_eq!(format(1, 3).as_deref(), Some("0.0"));
        assert!(
            styles
                .get((0, 0))
                .and_then(|style| style.font.as_ref())
                .is_some_and(|font| font.is_bold()),
            "a bold header"
        );

        // keys=1: the stable keys as headings
        let (_, bytes) = download(&supervisor, &format!("{kpi}&keys=1")).await;
        let mut book = workbook(bytes);
        let cells = book.worksheet_range("kpi").unwrap();
        assert_eq!(cells.get_value((0, 0)), Some(&Data::String("queue".into())));
        assert_eq!(
            cells.get_value((0, 2)),
            Some(&Data::String("answer_rate".into()))
        );

        // the contacts: text stays text (never a formula), the offer time is a date
        let contacts = "/api/v1/contacts?from=2026-11-02&to=2026-11-02&format=xlsx";
        let (_, bytes) = download(&supervisor, contacts).await;
        let mut book = workbook(bytes);
        let cells = book.worksheet_range("contacts").unwrap();
        let rows: Vec<&[Data]> = cells.rows().collect();
        assert_eq!(rows[0][0], Data::String("联络编号".into()));
        let c4 = rows
            .iter()
            .find(|row| row[0] == Data::String("c4".into()))
            .unwrap();
        assert_eq!(c4[4], Data::String(HOSTILE_QUEUE.into()));
        assert_eq!(c4[5], Data::String(HOSTILE_CUSTOMER.into()));
        assert!(matches!(c4[1], Data::DateTime(_)), "{:?}", c4[1]);
        assert_eq!(number(Some(&c4[10])), Some(5.0));
        let formulas = book.worksheet_formula("contacts").unwrap();
        assert!(
            formulas
                .used_cells()
                .all(|(_, _, formula)| formula.is_empty()),
            "no formulas"
        );
    }
}
