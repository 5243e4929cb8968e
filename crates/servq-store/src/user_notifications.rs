//! Notifications for people, derived from events the store already keeps: audit entries
//! (evaluations created, disputed, re-reviewed), ticket events (created, transferred) and fired
//! escalations. A pass (in `servq-app`) reads the events after its cursors, decides who is told,
//! and records the notifications, their e-mails and the new cursors in one transaction; a unique
//! key makes every (user, event) pair once, whatever passes run at once.

use sqlx::Row;

use crate::{Result, Store};

/// Where a notification's event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationSource {
    /// `audit_log` (evaluations).
    Audit,
    /// `ticket_events` (created, transferred).
    TicketEvent,
    /// `notifications` rows the escalation pass writes.
    Escalation,
    /// `kpi_alerts` episodes the trend-alert job opens.
    KpiAlert,
}

impl NotificationSource {
    /// Every source, in cursor order.
    pub const ALL: [NotificationSource; 4] = [
        NotificationSource::Audit,
        NotificationSource::TicketEvent,
        NotificationSource::Escalation,
        NotificationSource::KpiAlert,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            NotificationSource::Audit => "audit",
            NotificationSource::TicketEvent => "ticket_event",
            NotificationSource::Escalation => "escalation",
            NotificationSource::KpiAlert => "kpi_alert",
        }
    }

    fn cursor_key(self) -> String {
        format!("notify.cursor.{}", self.name())
    }

    fn head_sql(self) -> &'static str {
        match self {
            NotificationSource::Audit => {
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM audit_log WHERE at < $1"
            }
            NotificationSource::TicketEvent => {
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM ticket_events WHERE at < $1"
            }
            NotificationSource::Escalation => {
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM notifications WHERE created_at < $1"
            }
            NotificationSource::KpiAlert => {
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM kpi_alerts WHERE created_at < $1"
            }
        }
    }
}

/// An event a notification may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEvent {
    /// Its source.
    pub source: NotificationSource,
    /// Its id in the source (increasing).
    pub id: i64,
    /// The audit action (`create`, `disputed`, `rereviewed`), the ticket event kind (`created`,
    /// `transfer`) or the escalation level (`warning`, `breach`).
    pub what: String,
    /// The evaluation or ticket.
    pub subject_id: String,
    /// The escalation's clock (`first_response`, …); for an audit entry who acted.
    pub metric: String,
    /// When, UTC ms.
    pub at_ms: i64,
}

/// A notification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Who is told.
    pub user_id: String,
    /// What kind (the app's names).
    pub kind: String,
    /// The event it comes from.
    pub source: NotificationSource,
    /// Its id there.
    pub source_id: i64,
    /// The evaluation or ticket.
    pub subject_id: String,
    /// The text's values, JSON.
    pub detail: String,
    /// UTC ms.
    pub created_ms: i64,
}

/// An e-mail for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationEmail {
    /// The address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// A recorded notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    /// Increasing id.
    pub id: i64,
    /// Its kind.
    pub kind: String,
    /// The evaluation or ticket.
    pub subject_id: String,
    /// The text's values, JSON.
    pub detail: String,
    /// UTC ms.
    pub created_ms: i64,
    /// Read, UTC ms.
    pub read_ms: Option<i64>,
}

/// A user's choice for one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationPref {
    /// The user.
    pub user_id: String,
    /// The kind.
    pub kind: String,
    /// Shown in the app.
    pub in_app: bool,
    /// Sent by e-mail (to the user's address).
    pub email: bool,
}

impl Store {
    /// The pass's cursors (the last event id read per source), or `None` before the first pass.
    pub async fn notification_cursors(&self) -> Result<Option<Vec<i64>>> {
        let mut cursors = Vec::new();
        for source in NotificationSource::ALL {
            let value: Option<String> =
                sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(source.cursor_key())
                    .fetch_optional(&self.pool)
                    .await?;
            match value.and_then(|v| v.parse().ok()) {
                Some(cursor) => cursors.push(cursor),
                None => return Ok(None),
            }
        }
        Ok(Some(cursors))
    }

    /// The newest event id of each source among the events before `before_ms`.
    pub async fn notification_heads(&self, before_ms: i64) -> Result<Vec<i64>> {
        let mut heads = Vec::new();
        for source in NotificationSource::ALL {
            heads.push(
                sqlx::query_scalar(source.head_sql())
                    .bind(before_ms)
                    .fetch_one(&self.pool)
                    .await?,
            );
        }
        Ok(heads)
    }

    /// Events after `cursors` (one per source, in [`NotificationSource::ALL`] order), at most
    /// `limit` per source, oldest first.
    pub async fn notification_events(
        &self,
        cursors: &[i64],
        limit: i64,
    ) -> Result<Vec<SourceEvent>> {
        let queries = [
            // a course's assignment is `course_assign` (a task's is `assign`)
            "SELECT id, CASE WHEN entity = 'course' THEN 'course_assign' ELSE action END, \
             entity_id, username AS metric, at FROM audit_log WHERE id > $1 \
             AND ((entity = 'evaluation' AND action IN ('create', 'disputed', 'rereviewed')) \
               OR (entity = 'coaching_session' AND action = 'coaching') \
               OR (entity = 'task' AND action IN ('assign', 'overdue', 'comment')) \
               OR (entity = 'problem' AND action = 'reopen') \
               OR (entity = 'course' AND action = 'assign') \
               OR (entity = 'drill' AND action IN ('drill_ahead', 'drill_today', 'drill_overdue')) \
               OR (entity = 'risk' AND action IN ('review_ahead', 'review_today', 'review_overdue'))) \
             ORDER BY id LIMIT $2",
            "SELECT id, kind, ticket_id, '' AS metric, at FROM ticket_events WHERE id > $1 \
             AND kind IN ('created', 'transfer') ORDER BY id LIMIT $2",
            "SELECT id, level, ticket_id, metric, created_at FROM notifications WHERE id > $1 \
             AND level <> '' ORDER BY id LIMIT $2",
            "SELECT CAST(id AS BIGINT) AS id, rule, CAST(id AS TEXT) AS subject, metric, created_at \
             FROM kpi_alerts \
             WHERE id > $1 ORDER BY id LIMIT $2",
        ];
        let mut events = Vec::new();
        for ((source, sql), cursor) in NotificationSource::ALL
            .into_iter()
            .zip(queries)
            .zip(cursors)
        {
            for row in sqlx::query(sql)
                .bind(*cursor)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            {
                events.push(SourceEvent {
                    source,
                    id: row.try_get(0)?,
                    what: row.try_get(1)?,
                    subject_id: row.try_get(2)?,
                    metric: row.try_get(3)?,
                    at_ms: row.try_get(4)?,
                });
            }
        }
        Ok(events)
    }

    /// Records notifications (each (user, source event) once), their e-mails (sent from
    /// `send_after`) and the new cursors, in one transaction; the number of new notifications.
    pub async fn record_notifications(
        &self,
        notifications: &[NewNotification],
        emails: &[NotificationEmail],
        cursors: &[i64],
        now_ms: i64,
    ) -> Result<u64> {
        let mut transaction = self.begin_write().await?;
        let mut recorded = 0;
        for notification in notifications {
            recorded += sqlx::query(
                "INSERT INTO user_notifications (user_id, kind, source, source_id, subject_id, \
                 detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (user_id, source, source_id) DO NOTHING",
            )
            .bind(notification.user_id.as_str())
            .bind(notification.kind.as_str())
            .bind(notification.source.name())
            .bind(notification.source_id)
            .bind(notification.subject_id.as_str())
            .bind(notification.detail.as_str())
            .bind(notification.created_ms)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        }
        for email in emails {
            crate::outbox::enqueue(
                &mut transaction,
                crate::outbox::Outgoing {
                    channel: "email",
                    recipient: &email.recipient,
                    subject: &email.subject,
                    body: &email.body,
                    created_ms: now_ms,
                    send_after_ms: now_ms,
                },
            )
            .await?;
        }
        for (source, cursor) in NotificationSource::ALL.into_iter().zip(cursors) {
            // a slower pass never moves a cursor back
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE \
                 SET value = CASE WHEN CAST(settings.value AS BIGINT) < CAST(excluded.value AS BIGINT) \
                 THEN excluded.value ELSE settings.value END",
            )
            .bind(source.cursor_key())
            .bind(cursor.to_string())
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(recorded)
    }

    /// A user's notifications, newest first (only unread ones when asked), and how many are
    /// unread.
    pub async fn user_notifications(
        &self,
        user_id: &str,
        unread_only: bool,
        limit: i64,
    ) -> Result<(Vec<StoredNotification>, i64)> {
        let rows = sqlx::query(
            "SELECT id, kind, subject_id, detail, created_at, read_at FROM user_notifications \
             WHERE user_id = $1 AND ($2 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(i64::from(unread_only))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let unread: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM user_notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        let notifications = rows
            .iter()
            .map(|row| {
                Ok(StoredNotification {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    subject_id: row.try_get("subject_id")?,
                    detail: row.try_get("detail")?,
                    created_ms: row.try_get("created_at")?,
                    read_ms: row.try_get("read_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((notifications, unread))
    }

    /// Marks a user's notifications read: the given ids, or all of them; how many changed.
    pub async fn mark_notifications_read(
        &self,
        user_id: &str,
        ids: Option<&[i64]>,
        now_ms: i64,
    ) -> Result<u64> {
        let mut transaction = self.begin_write().await?;
        let mut changed = 0;
        match ids {
            None => {
                changed += sqlx::query(
                    "UPDATE user_notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
                )
                .bind(now_ms)
                .bind(user_id)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            }
            Some(ids) => {
                for id in ids {
                    changed += sqlx::query(
                        "UPDATE user_notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 \
                         AND read_at IS NULL",
                    )
                    .bind(now_ms)
                    .bind(user_id)
                    .bind(*id)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                }
            }
        }
        transaction.commit().await?;
        Ok(changed)
    }

    /// Every stored preference (kinds without a row follow the default).
    pub async fn notification_prefs(&self) -> Result<Vec<NotificationPref>> {
        sqlx::query(
            "SELECT user_id, kind, in_app, email FROM notification_prefs ORDER BY user_id, kind",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(NotificationPref {
                user_id: row.try_get(0)?,
                kind: row.try_get(1)?,
                in_app: row.try_get::<i64, _>(2)? != 0,
                email: row.try_get::<i64, _>(3)? != 0,
            })
        })
        .collect()
    }

    /// Stores a user's e-mail address and their preferences (replacing them); audited.
    pub async fn set_notification_prefs(
        &self,
        user_id: &str,
        email: &str,
        prefs: &[NotificationPref],
        actor: &crate::Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("UPDATE users SET email = $1 WHERE user_id = $2")
            .bind(email)
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM notification_prefs WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        for pref in prefs {
            sqlx::query(
                "INSERT INTO notification_prefs (user_id, kind, in_app, email) VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(pref.kind.as_str())
            .bind(i64::from(pref.in_app))
            .bind(i64::from(pref.email))
            .execute(&mut *transaction)
            .await?;
        }
        crate::users::audit(
            &mut transaction,
            actor,
            now_ms,
            "update",
            "notification_prefs",
            user_id,
            &serde_json::json!({"email": !email.is_empty()}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
