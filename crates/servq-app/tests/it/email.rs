//! The e-mail channel against a real IMAP server (Debian's Dovecot, started by
//! `scripts/imap-start.sh`, local only) and a local SMTP sink, on SQLite and PostgreSQL: a new
//! mail opens a ticket (customer created by address, attachment kept, acknowledgement sent); a
//! reply joins it by In-Reply-To, another by the subject mark; an auto-reply and a bounce are
//! ignored; two servers polling one mailbox import each message once; the agent's reply reaches
//! the sink with the right threading headers; an answer to a closed ticket opens a follow-up.
#![allow(missing_docs)]

use crate::support;

use std::{path::PathBuf, process::Command};

use jiff::Timestamp;
use servq_app::{
    desk::{self, TicketRequest},
    email::{self, Mailbox},
    jobs::{Job, JobContext, run_once},
    outbox::{OutboxConfig, SmtpTls, deliver_due},
};
use servq_store::{Actor, EmailOutcome, Store, testing::TestDatabase};
use support::smtp_sink;

/// A Dovecot server in a temporary folder, stopped when dropped.
struct Dovecot {
    dir: PathBuf,
    port: u16,
}

impl Dovecot {
    fn start() -> Dovecot {
        let dir = std::env::temp_dir().join(format!(
            "servq-imap-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/imap-start.sh");
        let output = Command::new("bash")
            .arg(script)
            .arg(&dir)
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "dovecot did not start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let port = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap();
        Dovecot { dir, port }
    }

    fn url(&self, user: &str, team: &str) -> String {
        format!(
            "imap://{user}:secret@127.0.0.1:{}/INBOX?team={team}&address={user}@centre.test",
            self.port
        )
    }

    /// Puts `raw` into `user`'s INBOX over IMAP (APPEND), as a mail server's delivery would.
    async fn deliver(&self, user: &str, raw: &str) {
        let mut session = self.session(user).await;
        session
            .append("INBOX", None, None, raw.replace('\n', "\r\n"))
            .await
            .unwrap();
        session.logout().await.unwrap();
    }

    async fn session(&self, user: &str) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client
            .login(user, "secret")
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// UIDs of `user`'s INBOX not yet marked \Seen.
    async fn unseen(&self, user: &str) -> usize {
        let mut session = self.session(user).await;
        session.select("INBOX").await.unwrap();
        let unseen = session.uid_search("UNSEEN").await.unwrap().len();
        session.logout().await.unwrap();
        unseen
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("doveadm")
            .arg("-c")
            .arg(self.dir.join("dovecot.conf"))
            .arg("stop")
            .output();
        if std::thread::panicking() {
            eprintln!("dovecot's log: {}", self.dir.join("dovecot.log").display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        .into()
}

fn mail(id: &str, from: &str, subject: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: desk@centre.test\nSubject: {subject}\nMessage-ID: <{id}>\n\
         Date: Thu, 03 Dec 2026 10:00:00 +0800\nMIME-Version: 1.0\n{extra_headers}\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

/// The header `name` of a mail the sink kept (its DATA, unfolded).
fn header(mail: &str, name: &str) -> Option<String> {
    let data = mail.split_once("\n\n").map_or(mail, |(_, data)| data);
    let mut lines = data.lines().peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            break;
        }
        if let Some((key, value)) = line.split_once(':')
            && key.eq_ignore_ascii_case(name)
        {
            let mut value = value.trim().to_owned();
            while let Some(next) = lines.peek()
                && next.starts_with([' ', '\t'])
            {
                value.push(' ');
                value.push_str(next.trim());
                lines.next();
            }
            return Some(value);
        }
    }
    None
}

#[tokio::test]
async fn mail_becomes_tickets_and_replies_go_back_threaded() {
    let dovecot = Dovecot::start();
    let (smtp_port, sink) = smtp_sink().await;
    for (round, db) in TestDatabase::both().await.into_iter().enumerate() {
        let store = Store::open(&db.url).await.unwrap();
        // each database its own mailbox user, so the rounds do not see each other's mail
        let user = ["desk", "desk2"][round];
        let outbox = OutboxConfig {
            smtp_host: Some("127.0.0.1".into()),
            smtp_port,
            smtp_tls: SmtpTls::None,
            email_from: "Centre <noreply@centre.test>".into(),
            mailboxes: vec![Mailbox::parse(&dovecot.url(user, "after_sales")).unwrap()],
            ..OutboxConfig::default()
        };
        let context = JobContext {
            backup: None,
            store: store.clone(),
            public_url: "https://service.centre.test".into(),
            outbox: outbox.clone(),
        };
        let now: Timestamp = "2026-12-03T02:00:00Z".parse().unwrap();
        let poll = || run_once(&context, Job::EmailPoll, now);
        let sent_before = sink.lock().unwrap().len();

        // 1. a new mail with an attachment opens a ticket for a new customer
        let boundary = "b1";
        dovecot
            .deliver(
                user,
                &format!(
                    "From: =?UTF-8?B?5p2O5aWz5aOr?= <Li@Example.CN>\nTo: {user}@centre.test\n\
                     Subject: 信用卡账单有误\nMessage-ID: <m1@example.cn>\nMIME-Version: 1.0\n\
                     Content-Type: multipart/mixed; boundary={boundary}\n\n--{boundary}\n\
                     Content-Type: text/plain; charset=utf-8\n\n您好，我的账单多扣了一笔 88 元。\n\
                     --{boundary}\nContent-Type: application/pdf\n\
                     Content-Disposition: attachment; filename=\"账单.pdf\"\n\
                     Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IK\n--{boundary}--\n"
                ),
            )
            .await;
        assert_eq!(
            poll().await.unwrap(),
            "1 opened, 0 threaded, 0 ignored, 0 already taken"
        );
        let first = store.email("m1@example.cn").await.unwrap().unwrap();
        assert_eq!(first.outcome, EmailOutcome::Opened);
        let ticket_id = first.ticket_id.clone().unwrap();
        let ticket = store.ticket(&ticket_id).await.unwrap().unwrap();
        assert_eq!(ticket.channel, "email");
        assert_eq!(ticket.subject, "信用卡账单有误");
        assert_eq!(ticket.team, "after_sales");
        assert!(ticket.description.contains("多扣了一笔 88 元"));
        let customer = store.customer(&ticket.customer_id).await.unwrap().unwrap();
        assert_eq!(customer.record.email, "li@example.cn");
        assert_eq!(customer.record.name, "李女士");
        assert_eq!(customer.record.language, "zh-CN");
        let attachments = store.attachments(&ticket_id).await.unwrap();
        assert_eq!(attachments.len(), 1);
        assert_eq!(attachments[0].file_name, "账单.pdf");
        assert_eq!(attachments[0].content_type, "application/pdf");
        assert_eq!(
            dovecot.unseen(user).await,
            0,
            "imported mail is marked seen"
        );
        // polling again finds nothing new
        assert_eq!(
            poll().await.unwrap(),
            "0 opened, 0 threaded, 0 ignored, 0 already taken"
        );

        // the acknowledgement: to the customer, from the address they wrote to, answering
        // their message, marked as an automatic reply, with the status link, in Chinese
        let delivery = deliver_due(&store, &outbox, now.as_millisecond())
            .await
            .unwrap();
        assert_eq!(delivery.sent, 1);
        let ack = sink.lock().unwrap()[sent_before].clone();
        assert!(ack.contains("RCPT TO:<li@example.cn>"), "{ack}");
        assert_eq!(
            header(&ack, "In-Reply-To").as_deref(),
            Some("<m1@example.cn>")
        );
        assert_eq!(
            header(&ack, "Auto-Submitted").as_deref(),
            Some("auto-replied")
        );
        assert!(
            header(&ack, "From")
                .unwrap()
                .contains(&format!("{user}@centre.test"))
        );
        let ack_id = header(&ack, "Message-ID").unwrap();
        let ack_body = mail_parser::MessageParser::default()
            .parse(ack.split_once("\n\n").unwrap().1.as_bytes())
            .unwrap();
        let ack_text = ack_body.body_text(0).unwrap().into_owned();
        assert!(ack_text.contains("我们已收到您的来信"), "{ack_text}");
        assert!(
            ack_text.contains("https://service.centre.test/t/"),
            "{ack_text}"
        );
        assert!(ack_body.subject().unwrap().contains(&ticket_id));

        // 2. the customer answers the acknowledgement: threaded by In-Reply-To, quote cut off
        dovecot
            .deliver(
                user,
                &mail(
                    "m2@example.cn",
                    "Li <li@example.cn>",
                    "回复：我们已收到您的来信",
                    &format!("In-Reply-To: {ack_id}\nReferences: <m1@example.cn> {ack_id}\n"),
                    "补充：扣款日期是 12 月 1 日。\n\n在 2026年12月3日 客服 写道：\n> 我们已收到",
                ),
            )
            .await;
        // 3. an out-of-office reply and a bounce are recorded and ignored
        dovecot
            .deliver(
                user,
                &mail(
                    "m3@example.cn",
                    "li@example.cn",
                    "自动回复: 信用卡账单有误",
                    "Auto-Submitted: auto-replied\n",
                    "我正在休假。",
                ),
            )
            .await;
        dovecot
            .deliver(
                user,
                &mail(
                    "m4@example.cn",
                    "MAILER-DAEMON@example.cn",
                    "Undelivered Mail",
                    "",
                    "delivery failed",
                ),
            )
            .await;
        // 4. a mail with only the ticket mark in its subject (no threading headers) joins it
        dovecot
            .deliver(
                user,
                &mail(
                    "m5@example.cn",
                    "li@example.cn",
                    &format!("Re: 账单 [{ticket_id}]"),
                    "",
                    "还有一张截图稍后发。",
                ),
            )
            .await;
        assert_eq!(
            poll().await.unwrap(),
            "0 opened, 2 threaded, 2 ignored, 0 already taken"
        );
        assert_eq!(
            store
                .email("m2@example.cn")
                .await
                .unwrap()
                .unwrap()
                .ticket_id
                .as_deref(),
            Some(ticket_id.as_str())
        );
        assert_eq!(
            store
                .email("m5@example.cn")
                .await
                .unwrap()
                .unwrap()
                .ticket_id
                .as_deref(),
            Some(ticket_id.as_str())
        );
        let ignored = store.email("m3@example.cn").await.unwrap().unwrap();
        assert_eq!(
            (ignored.outcome, ignored.reason.as_str()),
            (EmailOutcome::Ignored, "auto_submitted")
        );
        assert_eq!(
            store.email("m4@example.cn").await.unwrap().unwrap().reason,
            "bounce"
        );
        let events = store.ticket_events(&ticket_id).await.unwrap();
        let replies: Vec<&str> = events
            .iter()
            .filter(|event| event.kind == "customer_reply")
            .map(|event| event.detail.as_str())
            .collect();
        assert_eq!(
            replies,
            [
                "customer_reply: 补充：扣款日期是 12 月 1 日。",
                "customer_reply: 还有一张截图稍后发。"
            ]
        );
        // no acknowledgement for answers or ignored mail
        assert_eq!(
            deliver_due(&store, &outbox, now.as_millisecond())
                .await
                .unwrap()
                .sent,
            0
        );

        // 5. the agent answers on the ticket: the reply leaves by e-mail, threaded
        let agent = Actor {
            user_id: None,
            name: "agent1".into(),
        };
        desk::act(
            &store,
            &ticket_id,
            servq_desk::TicketAction::Reply,
            "李女士您好，多扣的 88 元已退回，请查收。",
            &agent,
            now,
        )
        .await
        .unwrap();
        assert_eq!(
            deliver_due(&store, &outbox, now.as_millisecond())
                .await
                .unwrap()
                .sent,
            1
        );
        let reply = sink.lock().unwrap().last().unwrap().clone();
        assert!(reply.contains("RCPT TO:<li@example.cn>"), "{reply}");
        assert_eq!(
            header(&reply, "In-Reply-To").as_deref(),
            Some("<m5@example.cn>")
        );
        let references = header(&reply, "References").unwrap();
        for id in [
            "<m1@example.cn>",
            "<m2@example.cn>",
            "<m5@example.cn>",
            ack_id.as_str(),
        ] {
            assert!(references.contains(id), "{references} lacks {id}");
        }
        assert!(
            !references.contains("m3@example.cn"),
            "ignored mail is not in the thread"
        );
        assert_eq!(header(&reply, "Auto-Submitted"), None);
        let reply_mail = mail_parser::MessageParser::default()
            .parse(reply.split_once("\n\n").unwrap().1.as_bytes())
            .unwrap();
        assert_eq!(
            reply_mail.subject().unwrap(),
            format!("Re: 信用卡账单有误 [{ticket_id}]")
        );
        let text = reply_mail.body_text(0).unwrap();
        assert!(text.contains("多扣的 88 元已退回"), "{text}");
        assert!(
            text.contains("直接回复本邮件即可继续沟通"),
            "signature in Chinese: {text}"
        );
        // an internal note is never mailed
        desk::add_note(&store, &ticket_id, "客户情绪平稳", true, &agent)
            .await
            .unwrap();
        assert_eq!(
            deliver_due(&store, &outbox, now.as_millisecond())
                .await
                .unwrap()
                .sent,
            0
        );

        // 6. two servers poll one mailbox at once: each message is imported once
        for n in 0..6 {
            dovecot
                .deliver(
                    user,
                    &mail(
                        &format!("burst{n}@example.org"),
                        &format!("Customer {n} <c{n}@example.org>"),
                        &format!("Question {n}"),
                        "",
                        "Where is my parcel?",
                    ),
                )
                .await;
        }
        let second_store = Store::open(&db.url).await.unwrap();
        let second = JobContext {
            backup: None,
            store: second_store.clone(),
            ..context.clone()
        };
        let (a, b) = tokio::join!(
            run_once(&context, Job::EmailPoll, now),
            run_once(&second, Job::EmailPoll, now)
        );
        let opened = |line: &str| -> u64 { line.split(' ').next().unwrap().parse().unwrap() };
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(opened(&a) + opened(&b), 6, "{a} / {b}");
        for n in 0..6 {
            let email = store
                .email(&format!("burst{n}@example.org"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(email.outcome, EmailOutcome::Opened);
            let ticket = store
                .ticket(email.ticket_id.as_deref().unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                ticket.customer_id,
                email::customer_id_for(&format!("c{n}@example.org"))
            );
        }
        let english = store
            .customer(&email::customer_id_for("c0@example.org"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(english.record.language, "en");
        second_store.close().await;

        // 7. an answer to a closed ticket opens a follow-up that names it
        let request = TicketRequest {
            ticket_type: "consult".into(),
            category: "consult".into(),
            priority: "normal".into(),
            subject: "old question".into(),
            description: String::new(),
            customer_id: "c-old".into(),
            segment: String::new(),
            channel: "email".into(),
            contact_id: None,
            team: String::new(),
        };
        let (closed_id, _) = desk::open_ticket(&store, &request, &agent, now)
            .await
            .unwrap();
        desk::move_stage(&store, &closed_id, None, "", &agent, now)
            .await
            .unwrap();
        for action in [
            servq_desk::TicketAction::Resolve,
            servq_desk::TicketAction::Close,
        ] {
            desk::act(&store, &closed_id, action, "", &agent, now)
                .await
                .unwrap();
        }
        let raw = mail(
            "late@example.org",
            "old@example.org",
            &format!("Re: old question [{closed_id}]"),
            "",
            "It broke again.",
        );
        let inbox = email::inbox_of(&outbox.mailboxes[0], &outbox, "https://service.centre.test");
        let received = email::receive(&store, raw.as_bytes(), &inbox, now)
            .await
            .unwrap();
        let email::Received::Opened(follow_up) = received else {
            panic!("{received:?}");
        };
        assert_ne!(follow_up, closed_id);
        let follow_up = store.ticket(&follow_up).await.unwrap().unwrap();
        assert!(
            follow_up.description.contains(&closed_id),
            "{}",
            follow_up.description
        );
        // the same message pushed again is a duplicate, and mail from our own address is not
        // imported
        assert_eq!(
            email::receive(&store, raw.as_bytes(), &inbox, now)
                .await
                .unwrap(),
            email::Received::Duplicate
        );
        let own = mail(
            "own@centre.test",
            &format!("{user}@centre.test"),
            "loop",
            "",
            "x",
        );
        assert_eq!(
            email::receive(&store, own.as_bytes(), &inbox, now)
                .await
                .unwrap(),
            email::Received::Ignored(email::Ignored::OwnAddress)
        );
        store.close().await;
    }
}
