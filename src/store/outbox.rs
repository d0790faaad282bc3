//! The outbox: every message, digest or alert (or the test message of `email test --to`),
//! and every webhook delivery, is committed here with the matches it covers before it is
//! sent, then marked sent, retried, or failed. A message is stored as the bytes that go on
//! the wire, so a message sent again after a crash is the same message, with the same
//! `Message-ID` (for a webhook, the same body and `Idempotency-Key`).
//!
//! A webhook delivery is a message of kind `webhook`: its `recipient` is the webhook's key
//! (`webhook:NAME`), its `digest` the webhook's name, its `message_id` the idempotency
//! key and its `message` the body. Mail and webhooks are sent by separate passes
//! ([`Channel`]), so that neither waits for the other.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Result, Store, StoreError, from_unix, to_unix};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Digest,
    Alert,
    /// The message `newshound email test --to` sends; it covers no matches.
    Test,
    /// A POST to a webhook.
    Webhook,
}

/// How a message goes out: each has its own pass over the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Mail,
    Webhook,
}

impl Channel {
    fn is_webhook(self) -> bool {
        self == Channel::Webhook
    }
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Digest => "digest",
            MessageKind::Alert => "alert",
            MessageKind::Test => "test",
            MessageKind::Webhook => "webhook",
        }
    }

    fn parse(text: &str) -> MessageKind {
        match text {
            "alert" => MessageKind::Alert,
            "test" => MessageKind::Test,
            "webhook" => MessageKind::Webhook,
            _ => MessageKind::Digest,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    /// Not accepted by the mail server yet (never tried, or to be tried again).
    Pending,
    Sent,
    /// Refused for good (a 5xx answer); not tried again unless asked to.
    Failed,
}

impl MessageState {
    fn parse(text: &str) -> MessageState {
        match text {
            "sent" => MessageState::Sent,
            "failed" => MessageState::Failed,
            _ => MessageState::Pending,
        }
    }
}

/// A rendered message for one recipient, to be committed to the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: MessageKind,
    pub digest: String,
    /// The address alone, lower case (see [`crate::config::recipient_key`]).
    pub recipient: String,
    pub message_id: String,
    pub subject: String,
    /// `from` when it was queued. It goes out with `from` as configured when it is sent,
    /// so that a fix of `from` applies to what waited.
    pub sender: String,
    /// The whole message as it goes on the wire.
    pub message: Vec<u8>,
    pub match_ids: Vec<i64>,
}

/// How the messages to one recipient stand, for `newshound webhook list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryCounts {
    pub sent: usize,
    pub pending: usize,
    pub failed: usize,
    pub last_sent: Option<DateTime<Utc>>,
    /// The error of the newest message not sent, if it has one.
    pub last_error: Option<String>,
}

/// A message in the outbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: MessageKind,
    pub digest: String,
    pub recipient: String,
    pub message_id: String,
    pub subject: String,
    pub sender: String,
    #[serde(skip)]
    pub message: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub state: MessageState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// How many matches the message covers.
    pub matches: usize,
}

const MESSAGE_COLUMNS: &str = "o.id, o.kind, o.digest, o.recipient, o.message_id, o.subject, \
     o.sender, o.message, o.created_at, o.state, o.attempts, o.next_attempt_at, o.last_error, \
     o.sent_at, (SELECT COUNT(*) FROM outbox_matches om WHERE om.outbox_id = o.id)";

fn read_message(r: &Row<'_>) -> rusqlite::Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get(0)?,
        kind: MessageKind::parse(&r.get::<_, String>(1)?),
        digest: r.get(2)?,
        recipient: r.get(3)?,
        message_id: r.get(4)?,
        subject: r.get(5)?,
        sender: r.get(6)?,
        message: r.get(7)?,
        created_at: from_unix(r.get(8)?),
        state: MessageState::parse(&r.get::<_, String>(9)?),
        attempts: r.get(10)?,
        next_attempt_at: from_unix(r.get(11)?),
        last_error: r.get(12)?,
        sent_at: r.get::<_, Option<i64>>(13)?.map(from_unix),
        matches: r.get::<_, i64>(14)? as usize,
    })
}

impl Store {
    /// Runs `work` in one IMMEDIATE transaction: what it reads cannot change under it,
    /// even from another process, until what it writes is committed; an error rolls
    /// everything back. `work` must not open a transaction of its own (savepoints are
    /// fine).
    pub fn atomically<T, E>(
        &mut self,
        work: impl FnOnce(&mut Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let sql = |conn: &rusqlite::Connection, statement: &str| {
            conn.execute_batch(statement)
                .map_err(|e| E::from(StoreError::from(e)))
        };
        sql(&self.conn, "BEGIN IMMEDIATE")?;
        match work(self) {
            Ok(value) => {
                sql(&self.conn, "COMMIT")?;
                Ok(value)
            }
            Err(error) => {
                // Nothing to do if the rollback fails: the transaction is gone already.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Commits `message` to the outbox, pending and due at `now`, with the matches it
    /// covers. Returns its id.
    pub fn queue_message(&mut self, message: &NewMessage, now: DateTime<Utc>) -> Result<i64> {
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO outbox (kind, digest, recipient, message_id, subject, sender, message,
                                 created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                message.kind.as_str(),
                message.digest,
                message.recipient,
                message.message_id,
                message.subject,
                message.sender,
                message.message,
                to_unix(now)
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut link = tx.prepare_cached(
                "INSERT INTO outbox_matches (outbox_id, match_id) VALUES (?1, ?2)",
            )?;
            for match_id in &message.match_ids {
                link.execute(params![id, match_id])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every pending message of `channel`, in the order they were queued.
    pub fn pending_messages(&self, channel: Channel) -> Result<Vec<OutboxMessage>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox o
             WHERE o.state = 'pending' AND (o.kind = 'webhook') = ?1 ORDER BY o.id"
        ))?;
        let rows = stmt.query_map([channel.is_webhook()], read_message)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Message `id`, in whatever state.
    pub fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox o WHERE o.id = ?1"
        ))?;
        Ok(stmt.query_row([id], read_message).optional()?)
    }

    /// When the next pending message of `channel` can go, if any is pending. A message
    /// waits behind the recipient's earlier ones, so only each recipient's first pending
    /// message counts.
    pub fn next_attempt(&self, channel: Channel) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = self.conn.query_row(
            "SELECT MIN(o.next_attempt_at) FROM outbox o
             WHERE o.state = 'pending' AND (o.kind = 'webhook') = ?1
               AND o.id = (SELECT MIN(p.id) FROM outbox p
                           WHERE p.state = 'pending' AND p.recipient = o.recipient)",
            [channel.is_webhook()],
            |r| r.get(0),
        )?;
        Ok(at.map(from_unix))
    }

    pub fn mark_sent(&mut self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1,
                               last_error = NULL
             WHERE id = ?1",
            params![id, to_unix(now)],
        )?;
        Ok(())
    }

    /// Records a failed attempt that is worth repeating, at `next_attempt_at`.
    pub fn mark_retry(
        &mut self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
             WHERE id = ?1",
            params![id, error, to_unix(next_attempt_at)],
        )?;
        Ok(())
    }

    /// Holds every pending message of `channel` until `until` at the earliest: the
    /// fault one met (the `[email]` settings') holds them all, so none is tried sooner.
    pub fn hold_pending(&mut self, channel: Channel, until: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET next_attempt_at = MAX(next_attempt_at, ?1)
             WHERE state = 'pending' AND (kind = 'webhook') = ?2",
            params![to_unix(until), channel.is_webhook()],
        )?;
        Ok(())
    }

    /// Records a refusal for good. The message's matches stay covered by it: they are
    /// not put into another message, and `newshound outbox retry` sends it again.
    pub fn mark_failed(&mut self, id: i64, error: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2
             WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// Makes failed message `id` pending again, due at `now`. False when no failed
    /// message has that id.
    pub fn retry_message(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let changed = self.conn.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2
             WHERE id = ?1 AND state = 'failed'",
            params![id, to_unix(now)],
        )?;
        Ok(changed == 1)
    }

    /// The newest `limit` messages (all states), oldest of them first.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxMessage>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT * FROM (SELECT {MESSAGE_COLUMNS} FROM outbox o ORDER BY o.id DESC LIMIT ?1)
             ORDER BY 1"
        ))?;
        let rows = stmt.query_map([limit as i64], read_message)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How the deliveries to `recipient` (a webhook's key) stand.
    pub fn delivery_counts(&self, recipient: &str) -> Result<DeliveryCounts> {
        let mut counts = self.conn.query_row(
            "SELECT COALESCE(SUM(state = 'sent'), 0), COALESCE(SUM(state = 'pending'), 0),
                    COALESCE(SUM(state = 'failed'), 0), MAX(sent_at)
             FROM outbox WHERE recipient = ?1",
            [recipient],
            |r| {
                Ok(DeliveryCounts {
                    sent: r.get::<_, i64>(0)? as usize,
                    pending: r.get::<_, i64>(1)? as usize,
                    failed: r.get::<_, i64>(2)? as usize,
                    last_sent: r.get::<_, Option<i64>>(3)?.map(from_unix),
                    last_error: None,
                })
            },
        )?;
        counts.last_error = self
            .conn
            .query_row(
                "SELECT last_error FROM outbox
                 WHERE recipient = ?1 AND state <> 'sent' AND last_error IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [recipient],
                |r| r.get(0),
            )
            .optional()?;
        Ok(counts)
    }

    /// When the last alert to `recipient` was queued, and whether it is still pending.
    /// For a webhook, its last delivery.
    pub fn last_alert(&self, recipient: &str) -> Result<Option<(DateTime<Utc>, bool)>> {
        let last: Option<(i64, bool)> = self
            .conn
            .query_row(
                "SELECT created_at, state = 'pending' FROM outbox
                 WHERE recipient = ?1 AND kind IN ('alert', 'webhook')
                 ORDER BY created_at DESC, id DESC LIMIT 1",
                [recipient],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(last.map(|(at, pending)| (from_unix(at), pending)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(recipient: &str, id: &str) -> NewMessage {
        NewMessage {
            kind: MessageKind::Digest,
            digest: "desk".into(),
            recipient: recipient.into(),
            message_id: id.into(),
            subject: "s".into(),
            sender: "newshound@example.org".into(),
            message: b"...".to_vec(),
            match_ids: Vec::new(),
        }
    }

    fn at(minute: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 21, 8, minute, 0).unwrap()
    }

    #[test]
    fn a_message_behind_one_waiting_for_a_retry_is_not_due_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let first = store
            .queue_message(&message("a@x.org", "<1@x>"), at(0))
            .unwrap();
        store.mark_retry(first, "451", at(30)).unwrap();
        store
            .queue_message(&message("a@x.org", "<2@x>"), at(5))
            .unwrap();
        assert_eq!(store.next_attempt(Channel::Mail).unwrap(), Some(at(30)));
        // Another recipient's message is not held up.
        store
            .queue_message(&message("b@x.org", "<3@x>"), at(6))
            .unwrap();
        assert_eq!(store.next_attempt(Channel::Mail).unwrap(), Some(at(6)));
        store.mark_sent(first, at(30)).unwrap();
        assert_eq!(store.next_attempt(Channel::Mail).unwrap(), Some(at(5)));
    }
}
