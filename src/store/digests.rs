//! Digest state and deliveries. A match counts as sent by a digest only once a delivery row
//! links them, and that row is written after the mail server accepted the message: a
//! failed send leaves everything unsent for the next run.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::items::{MATCH_COLUMNS, read_match};
use super::{Result, Store, from_unix, to_unix};
use crate::config::DigestSettings;
use crate::model::MatchRecord;

/// A digest message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub digest: String,
    pub message_id: String,
    pub subject: String,
    pub recipients: Vec<String>,
    pub sent_at: DateTime<Utc>,
    pub match_ids: Vec<i64>,
}

impl Store {
    /// Registers digests seen for the first time. A new digest starts from now: it sends
    /// matches recorded from its creation on, not the whole history.
    pub fn sync_digests(&mut self, digests: &[DigestSettings], now: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO digests (name, created_at) VALUES (?1, ?2)
                 ON CONFLICT (name) DO NOTHING",
            )?;
            for digest in digests {
                insert.execute(params![digest.name, to_unix(now)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// When the digest last ran (sent, or found nothing to send); `None` if never.
    pub fn digest_last_run(&self, digest: &str) -> Result<Option<DateTime<Utc>>> {
        let last: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT last_run_at FROM digests WHERE name = ?1",
                [digest],
                |r| r.get(0),
            )
            .optional()?;
        Ok(last.flatten().map(from_unix))
    }

    pub fn mark_digest_run(&mut self, digest: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE digests SET last_run_at = ?2 WHERE name = ?1",
            params![digest, to_unix(now)],
        )?;
        Ok(())
    }

    /// The matches of `watchlists` this digest has not delivered yet, oldest first, leaving
    /// out the items it delivered under any watchlist.
    pub fn unsent_matches(&self, digest: &str, watchlists: &[String]) -> Result<Vec<MatchRecord>> {
        let names = serde_json::to_string(watchlists).unwrap_or_default();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {MATCH_COLUMNS}
             JOIN digests d ON d.name = ?1
             WHERE m.watchlist IN (SELECT value FROM json_each(?2))
               AND m.matched_at >= d.created_at
               AND NOT EXISTS (
                   SELECT 1 FROM delivery_matches dm JOIN deliveries dl ON dl.id = dm.delivery_id
                   WHERE dm.match_id = m.id AND dl.digest = ?1)
               -- An article this digest sent under one watchlist is not sent again when
               -- another of its watchlists matches it later (seen in another feed).
               AND NOT EXISTS (
                   SELECT 1 FROM matches sent
                   JOIN delivery_matches dm ON dm.match_id = sent.id
                   JOIN deliveries dl ON dl.id = dm.delivery_id
                   WHERE sent.item_id = m.item_id AND dl.digest = ?1)
             ORDER BY m.matched_at, m.id"
        ))?;
        let rows = stmt.query_map(params![digest, names], read_match)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records that `delivery` was accepted by the server, in one transaction with the
    /// digest's last run.
    pub fn record_delivery(&mut self, delivery: &Delivery) -> Result<i64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO deliveries (digest, message_id, subject, recipients, sent_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                delivery.digest,
                delivery.message_id,
                delivery.subject,
                delivery.recipients.join(", "),
                to_unix(delivery.sent_at)
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut link =
                tx.prepare("INSERT INTO delivery_matches (delivery_id, match_id) VALUES (?1, ?2)")?;
            for match_id in &delivery.match_ids {
                link.execute(params![id, match_id])?;
            }
        }
        tx.execute(
            "UPDATE digests SET last_run_at = ?2 WHERE name = ?1",
            params![delivery.digest, to_unix(delivery.sent_at)],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Deliveries of one digest, oldest first, with the matches each covered.
    pub fn deliveries(&self, digest: &str) -> Result<Vec<Delivery>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, message_id, subject, recipients, sent_at FROM deliveries
             WHERE digest = ?1 ORDER BY id",
        )?;
        let mut matches = self.conn.prepare(
            "SELECT match_id FROM delivery_matches WHERE delivery_id = ?1 ORDER BY match_id",
        )?;
        let rows: Vec<(i64, String, String, String, i64)> = stmt
            .query_map([digest], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(id, message_id, subject, recipients, sent_at)| {
                let match_ids = matches
                    .query_map([id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(Delivery {
                    digest: digest.to_string(),
                    message_id,
                    subject,
                    recipients: recipients.split(", ").map(str::to_string).collect(),
                    sent_at: from_unix(sent_at),
                    match_ids,
                })
            })
            .collect()
    }
}
