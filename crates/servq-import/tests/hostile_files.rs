//! Every file parser against arbitrary bytes (proptest with byte-level generators): CSV in any
//! encoding guess, spreadsheets (random bytes and damaged real workbooks), transcripts JSONL.
//! None may panic; each ends with rows or a reported error. Memory is bounded by the readers'
//! limits (16 MiB lines, 256 KiB cells, unpacked-size and cell caps), tested in the library.

use proptest::prelude::*;
use servq_core::Contact;
use servq_import::{
    CONTACT_COLUMNS, CONTACT_REQUIRED, ColumnMap, OpenOptions, SheetLimits, TableReader,
    TextEncoding,
};

fn options(encoding: TextEncoding) -> OpenOptions<'static> {
    OpenOptions {
        columns: CONTACT_COLUMNS,
        required: CONTACT_REQUIRED,
        map: ColumnMap::default(),
        encoding,
        sheet: None,
        limits: SheetLimits::default(),
    }
}

/// Reads every row of `bytes` saved as `name` the way an import does (shape check, then the
/// contact parser): true when it ended with rows or an error, never a panic.
fn read_everything(bytes: &[u8], name: &str, encoding: TextEncoding) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let Ok(mut reader) = TableReader::open(&path, &options(encoding)) else {
        return true;
    };
    let mut row = Vec::new();
    let zone = jiff::tz::TimeZone::UTC;
    for _ in 0..100_000 {
        match reader.next_row(&mut row) {
            Ok(None) | Err(_) => return true,
            Ok(Some(_line)) => {
                if reader.shape_error(&row).is_some() {
                    continue;
                }
                let record = servq_import::contact_record(&reader.columns, &row);
                let _ = Contact::parse(&record, &zone);
            }
        }
    }
    false
}

/// Bytes that look like a contacts CSV often enough to reach the row parser: a real header,
/// then arbitrary bytes drawn mostly from CSV's own characters.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b",\"\r\n;:-. 0123456789aT+Z".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..2048).prop_map(|body| {
        let mut file = CONTACT_REQUIRED.join(",").into_bytes();
        file.push(b'\n');
        file.extend(body);
        file
    })
}

/// A small real workbook, to be damaged.
fn workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, name) in CONTACT_REQUIRED.iter().enumerate() {
        sheet.write_string(0, column as u16, *name).unwrap();
    }
    sheet.write_string(1, 0, "c1").unwrap();
    sheet.write_string(1, 1, "phone").unwrap();
    sheet.write_number(1, 2, 46_000.5).unwrap();
    workbook.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_csv_end_with_rows_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for encoding in [TextEncoding::Utf8, TextEncoding::Gb18030, TextEncoding::Auto] {
            prop_assert!(read_everything(&bytes, "calls.csv", encoding));
        }
    }

    #[test]
    fn csv_like_bytes_end_with_rows_or_an_error(bytes in csvish()) {
        prop_assert!(read_everything(&bytes, "calls.csv", TextEncoding::Auto));
    }

    #[test]
    fn any_bytes_as_a_workbook_are_refused_or_read(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert!(read_everything(&bytes, "calls.xlsx", TextEncoding::Utf8));
        prop_assert!(read_everything(&bytes, "calls.ods", TextEncoding::Utf8));
    }

    #[test]
    fn a_damaged_workbook_is_refused_or_read(
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = workbook();
        for (at, value) in damage {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        prop_assert!(read_everything(&bytes, "calls.xlsx", TextEncoding::Utf8));
        let end = cut.index(bytes.len());
        prop_assert!(read_everything(&bytes[..end], "calls.xlsx", TextEncoding::Utf8));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_transcript_lines_end_with_an_outcome_or_an_error(
        lines in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..200),
                Just(br#"{"contact_id":"c1","turns":[{"speaker":"agent","start":0,"end":1,"text":"hi"}]}"#.to_vec()),
                Just(br#"{"contact_id":"c1","turns":[{"speaker":"agent","start":5,"end":1,"text":""}]}"#.to_vec()),
                Just(br#"{"contact_id":"","turns":[{"speaker":"robot","start":1e308,"end":-0.0}]}"#.to_vec()),
            ],
            0..12,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, lines.join(&b'\n')).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let database = servq_store::testing::TestDatabase::sqlite();
            let store = servq_store::Store::open(&database.url).await.unwrap();
            let scanner = servq_qa::Scanner::new(servq_qa::RuleSet::default_rules()).unwrap();
            // rows or reported errors; a panic fails the test
            let _ = servq_import::import_transcripts(&store, &path, "t.jsonl", &scanner, 100, 0).await;
        });
    }
}
