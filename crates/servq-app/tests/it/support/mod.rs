//! What the app's integration tests share: contacts of a day with a chosen service level, and a
//! local SMTP server that speaks enough of the protocol to receive servq's e-mails.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use jiff::{civil::Date, tz::TimeZone};
use servq_core::{Contact, ContactRecord};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Ten contacts of `day` on queue `card`, `within` of them answered within 20 s (5 s waits; the
/// others after 60 s).
pub fn day_contacts(day: Date, within: usize) -> Vec<Contact> {
    (0..10)
        .map(|n| {
            let offered = format!("{day}T10:{n:02}:00Z");
            let answered = if n < within {
                format!("{day}T10:{n:02}:05Z")
            } else {
                format!("{day}T10:{:02}:00Z", n + 1)
            };
            let ended = format!("{day}T11:{n:02}:00Z");
            let id = format!("{day}-{n}");
            let record = ContactRecord {
                contact_id: &id,
                channel: "phone",
                direction: "inbound",
                queue: "card",
                customer_id: "",
                agent_id: "a1",
                offered_at: &offered,
                answered_at: &answered,
                ended_at: &ended,
                talk_seconds: "100",
                hold_seconds: "",
                wrap_seconds: "10",
                transferred: "0",
                category: "",
                resolved: "",
                recording_url: "",
            };
            Contact::parse(&record, &TimeZone::UTC).unwrap()
        })
        .collect()
}

/// A minimal SMTP server keeping each message: its `RCPT TO` lines, a blank line, its DATA.
pub async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                let mut envelope = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            kept.lock()
                                .unwrap()
                                .push(format!("{envelope}\n{}", std::mem::take(body)));
                            data = None;
                            write.write_all(b"250 OK\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    if verb == "RCPT" {
                        envelope.push_str(&line);
                        envelope.push('\n');
                    }
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}
