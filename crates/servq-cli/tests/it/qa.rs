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

#[tokio::test]
async fn transcripts_import_all_or_nothing_with_their_hits() {
    for db in TestDatabase::both().await {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("transcripts.jsonl");
        let good = [
            json!({"contact_id": "t1", "turns": [
                {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "您好，請問有什麼可以幫您？"},
                {"speaker": "customer", "start": 3.5, "end": 6.0, "text": "查帳單"},
                {"speaker": "agent", "start": 6.5, "end": 9.0, "text": "這肯定不是我們的原因。再見"}]}),
            json!({"contact_id": "t2", "turns": [
                {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "您好"},
                {"speaker": "agent", "start": 60.0, "end": 62.0, "text": "再见"}]}),
        ];
        let mut text: String = good.iter().map(|l| format!("{l}\n")).collect();
        text.push_str("not json\n");
        text.push_str(&format!(
            "{}\n",
            json!({"contact_id": "t3", "turns": [{"speaker": "agent", "start": 5.0, "end": 2.0, "text": "x"}]})
        ));
        text.push_str(&format!("{}\n", good[1]));
        std::fs::write(&file, &text).unwrap();
        let path = file.to_str().unwrap();
        let refused = servq(&db, &["import", "transcripts", path]);
        assert_eq!(refused.status.code(), Some(1));
        let err = stderr(&refused);
        assert!(
            err.contains("transcripts.jsonl:3: json: expected ident"),
            "{err}"
        );
        assert!(
            err.contains("transcripts.jsonl:4: turns[0]: ends (2) before it starts (5)"),
            "{err}"
        );
        assert!(
            err.contains("transcripts.jsonl:5: contact_id: 't2' appears again (first on line 2)"),
            "{err}"
        );
        assert!(err.contains("nothing imported: 3 bad row(s)"), "{err}");
        let store = servq_store::Store::open(&db.url).await.unwrap();
        assert!(
            store.transcript("t1").await.unwrap().is_none(),
            "a bad file writes nothing"
        );

        let good_text: String = good.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&file, &good_text).unwrap();
        let imported = super::servq_ok(&db, &["import", "transcripts", path]);
        assert!(
            stderr(&imported).contains("imported 2 row(s): 2 new, 0 updated"),
            "{}",
            stderr(&imported)
        );
        let t1 = store.transcript("t1").await.unwrap().unwrap();
        let hits: Vec<(&str, Option<i64>, &str)> = t1
            .hits
            .iter()
            .map(|h| (h.kind.as_str(), h.turn, h.text.as_str()))
            .collect();
        assert_eq!(
            hits,
            [("forbidden_phrase", Some(2), "這肯定不是我們的原因")]
        );
        // t2: greeting and closing said; a 58-second silence, and only the agent speaks in a call
        // long enough for over-talk to be judged (45 s)
        let t2 = store.transcript("t2").await.unwrap().unwrap();
        let kinds: Vec<&str> = t2.hits.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds, ["silence", "over_talk"]);
        assert_eq!((t2.hits[0].turn, t2.hits[0].at_ms), (Some(1), 2000));
        // again: the same transcripts, replaced
        let again = super::servq_ok(&db, &["import", "transcripts", path]);
        assert!(
            stderr(&again).contains("0 new, 2 updated"),
            "{}",
            stderr(&again)
        );
        assert_eq!(store.transcript("t1").await.unwrap().unwrap().hits.len(), 1);
        store.close().await;
    }
}
