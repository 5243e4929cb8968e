//! `servq qa scan`: the JSON contract, one object per contact, on Chinese (both scripts) and
//! English transcripts, and `file:line` reports for lines that are not transcripts.

use serde_json::{Value, json};
use servq_store::testing::TestDatabase;

use super::{servq, stderr};

#[test]
fn scan_prints_one_object_per_contact_with_linked_hits() {
    let db = TestDatabase::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        r#"
[[forbidden]]
name = "forbidden"
phrases = ["你自己看吧", "not my problem"]

[[required]]
name = "greeting"
phrases = ["您好", "hello"]
within_first_seconds = 10

[interruption]
name = "interruption"
min_overlap_seconds = 1.0

[silence]
name = "silence"
min_seconds = 10
"#,
    )
    .unwrap();
    let transcripts = dir.path().join("calls.jsonl");
    let lines = [
        json!({"contact_id": "c1", "turns": [
            {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "您好，请问有什么可以帮您？"},
            {"speaker": "customer", "start": 3.5, "end": 8.0, "text": "我想查账单。"},
            {"speaker": "agent", "start": 8.5, "end": 12.0, "text": "好的，请稍等。"}]}),
        json!({"contact_id": "c2", "turns": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "喂？"},
            {"speaker": "customer", "start": 2.0, "end": 9.0, "text": "帳單有問題。"},
            {"speaker": "agent", "start": 7.0, "end": 10.0, "text": "你自己看吧。"},
            {"speaker": "customer", "start": 25.0, "end": 26.0, "text": "……"}]}),
        json!({"contact_id": "e1", "turns": [
            {"speaker": "agent", "start_seconds": 0.0, "end_seconds": 2.0, "text": "HELLO, servq bank."},
            {"speaker": "customer", "start_seconds": 2.5, "end_seconds": 5.0, "text": "It's Not My Problem that the app fails!"}]}),
    ];
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    text.push_str("{\"contact_id\": \"broken\", \"turns\": [{\"speaker\": \"robot\"}]}\n");
    std::fs::write(&transcripts, text).unwrap();
    let output = servq(
        &db,
        &[
            "qa",
            "scan",
            "--rules",
            rules.to_str().unwrap(),
            "--transcripts",
            transcripts.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "one bad line: {}",
        stderr(&output)
    );
    let err = stderr(&output);
    assert!(
        err.contains("calls.jsonl:4: unknown variant `robot`"),
        "{err}"
    );
    let objects: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        objects,
        [
            json!({"contact_id": "c1", "hits": []}),
            json!({"contact_id": "c2", "hits": [
                {"rule": "greeting", "kind": "required_phrase_missing", "turn": 0, "at_seconds": 0.0, "text": "您好 / hello"},
                {"rule": "forbidden", "kind": "forbidden_phrase", "turn": 2, "at_seconds": 7.0, "text": "你自己看吧"},
                {"rule": "interruption", "kind": "interruption", "turn": 2, "at_seconds": 7.0, "text": "你自己看吧。"},
                {"rule": "silence", "kind": "silence", "turn": 3, "at_seconds": 10.0, "text": "……"}]}),
            // the customer's words are not the agent's: no forbidden-phrase hit
            json!({"contact_id": "e1", "hits": []}),
        ]
    );
    // the default rules come with the binary
    let defaults = servq(&db, &["qa", "default-rules"]);
    assert!(
        String::from_utf8(defaults.stdout)
            .unwrap()
            .contains("这肯定不是我们的原因")
    );
}
