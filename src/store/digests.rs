//! Digest state and recipients: when each digest last ran, who receives it and from when
//! on, and which matches a recipient has not been sent. What was sent is the outbox's
//! business ([`super::outbox`]): a match counts as sent to a recipient once a message to
//! them that covers it is in the outbox.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::items::{MATCH_COLUMNS, read_match};
use super::{Result, Store, from_unix, to_unix};
use crate::config::{DigestSettings, WEBHOOK_PREFIX, WebhookSettings, recipient_key};
use crate::model::MatchRecord;

/// How long a recipient taken out of the config may come back and carry on where it was.
pub const RECIPIENT_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// A digest or a webhook as the store keeps it: who receives it, and how much history a
/// receiver added later gets.
struct Subscription {
    name: String,
    receivers: Vec<String>,
    backfill: std::time::Duration,
}

impl Store {
    /// Registers digests and recipients seen for the first time, and forgets recipients
    /// no longer configured (what was sent to them stays). A new recipient gets the
    /// matches recorded from `backfill` before now on, not the digest's whole history; a
    /// recipient removed and configured again within [`RECIPIENT_GRACE`] (a config edit
    /// saved halfway) carries on where it was; later, it starts afresh.
    pub fn sync_digests(&mut self, digests: &[DigestSettings], now: DateTime<Utc>) -> Result<()> {
        let subscriptions: Vec<Subscription> = digests
            .iter()
            .map(|d| Subscription {
                name: d.name.clone(),
                receivers: d.to.iter().map(recipient_key).collect(),
                backfill: d.backfill,
            })
            .collect();
        self.sync_subscriptions(&subscriptions, false, now)
    }

    /// [`Store::sync_digests`] for webhooks: each is a digest of one recipient, both
    /// named by its key (`webhook:NAME`), so that what it is owed, what it was sent and
    /// what retention keeps for it follow the same rules as mail.
    pub fn sync_webhooks(
        &mut self,
        webhooks: &[WebhookSettings],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let subscriptions: Vec<Subscription> = webhooks
            .iter()
            .map(|w| Subscription {
                name: w.key(),
                receivers: vec![w.key()],
                backfill: w.backfill,
            })
            .collect();
        self.sync_subscriptions(&subscriptions, true, now)
    }

    /// Registers `subscriptions` (all the digests, or all the webhooks) and forgets the
    /// receivers of the others of their kind.
    fn sync_subscriptions(
        &mut self,
        subscriptions: &[Subscription],
        webhooks: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        // First, so that a recipient gone for longer than the grace and configured again
        // is added afresh.
        let grace = chrono::Duration::from_std(RECIPIENT_GRACE).unwrap_or_default();
        tx.execute(
            "DELETE FROM recipients WHERE removed_at < ?1",
            [to_unix(now - grace)],
        )?;
        {
            let mut digest_row = tx.prepare(
                "INSERT INTO digests (name, created_at) VALUES (?1, ?2)
                 ON CONFLICT (name) DO NOTHING",
            )?;
            // A digest's first recipients start from the digest's own start if that is
            // earlier: a digest from before recipients were registered keeps everything it
            // has not sent.
            let mut recipient_row = tx.prepare(
                "INSERT INTO recipients (digest, address, added_at, since)
                 SELECT ?1, ?2, ?3,
                        CASE WHEN d.recipients_synced THEN ?4 ELSE MIN(?4, d.created_at) END
                 FROM digests d WHERE d.name = ?1
                 ON CONFLICT (digest, address) DO UPDATE SET removed_at = NULL",
            )?;
            let mut synced =
                tx.prepare("UPDATE digests SET recipients_synced = 1 WHERE name = ?1")?;
            let mut forget = tx.prepare(
                "UPDATE recipients SET removed_at = ?3
                 WHERE digest = ?1 AND address NOT IN (SELECT value FROM json_each(?2))
                   AND removed_at IS NULL",
            )?;
            for subscription in subscriptions {
                let name = &subscription.name;
                digest_row.execute(params![name, to_unix(now)])?;
                let backfill = chrono::Duration::from_std(subscription.backfill)
                    .unwrap_or(chrono::Duration::zero());
                for address in &subscription.receivers {
                    recipient_row.execute(params![
                        name,
                        address,
                        to_unix(now),
                        to_unix(now - backfill)
                    ])?;
                }
                let keep = serde_json::to_string(&subscription.receivers).unwrap_or_default();
                forget.execute(params![name, keep, to_unix(now)])?;
                synced.execute([name])?;
            }
            let names: Vec<&str> = subscriptions.iter().map(|s| s.name.as_str()).collect();
            tx.execute(
                "UPDATE recipients SET removed_at = ?2
                 WHERE digest NOT IN (SELECT value FROM json_each(?1)) AND removed_at IS NULL
                   AND (substr(digest, 1, length(?3)) = ?3) = ?4",
                params![
                    serde_json::to_string(&names).unwrap_or_default(),
                    to_unix(now),
                    WEBHOOK_PREFIX,
                    webhooks
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When the digest last ran (queued its messages, or found nothing to send); `None`
    /// if never.
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

    /// The matches of `watchlists` that recipient `address` of `digest` is due and has
    /// not been sent, oldest first. An article sent to them once (by any digest or alert,
    /// under any watchlist) is not sent to them again when another watchlist matches it.
    pub fn unsent_matches(
        &self,
        digest: &str,
        address: &str,
        watchlists: &[String],
    ) -> Result<Vec<MatchRecord>> {
        let names = serde_json::to_string(watchlists).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MATCH_COLUMNS}
             JOIN recipients r ON r.digest = ?1 AND r.address = ?2
             WHERE m.watchlist IN (SELECT value FROM json_each(?3))
               AND m.matched_at >= r.since
               -- `+o.recipient` keeps SQLite from walking the recipient's whole outbox
               -- for each match: from the item's matches to their messages is shorter.
               AND NOT EXISTS (
                   SELECT 1 FROM matches sent
                   JOIN outbox_matches om ON om.match_id = sent.id
                   JOIN outbox o ON o.id = om.outbox_id
                   WHERE sent.item_id = m.item_id AND +o.recipient = ?2)
             ORDER BY m.matched_at, m.id"
        ))?;
        let rows = stmt.query_map(params![digest, address, names], read_match)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, day, 12, 0, 0).unwrap()
    }

    fn digest(to: &[&str], backfill_hours: u64) -> DigestSettings {
        crate::store::tests::digests_of(&format!(
            "[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n\
             [[digests]]\nname = \"weekly\"\nto = {to:?}\nbackfill = \"{backfill_hours}h\"\n"
        ))
        .remove(0)
    }

    /// SQL for feed `wire` and an item of the 12th in it, matched by `s400`.
    fn a_match_of_the_12th() -> String {
        format!(
            "INSERT INTO feeds (id, url, name) VALUES (1, 'https://wire.example/feed', 'wire');
             INSERT INTO items (id, feed_id, identity, title, body, first_seen_at)
             VALUES (1, 1, 'guid:w-1', 'Turkey tests S-400', 'Radars.', {t});
             INSERT INTO matches (item_id, watchlist, matched_terms, snippet, highlights,
                                  matched_at)
             VALUES (1, 's400', '[]', 'Radars.', '[]', {t});",
            t = at(12).timestamp(),
        )
    }

    /// A database from before recipients: a weekly digest created on the 10th that has
    /// sent nothing yet, and a match of the 12th waiting for it.
    #[test]
    fn an_upgraded_digest_keeps_what_it_had_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        crate::store::tests::older_database(
            &path,
            3,
            &format!(
                "{}
                 INSERT INTO sightings (feed_id, identity, item_id, seen_at)
                 VALUES (1, 'guid:w-1', 1, {t});
                 INSERT INTO digests (name, created_at) VALUES ('weekly', {created});",
                a_match_of_the_12th(),
                t = at(12).timestamp(),
                created = at(10).timestamp()
            ),
        );
        let mut store = Store::open(&path).unwrap();
        let lists = ["s400".to_string()];
        store
            .sync_digests(&[digest(&["desk@example.org"], 24)], at(15))
            .unwrap();
        assert_eq!(
            store
                .unsent_matches("weekly", "desk@example.org", &lists)
                .unwrap()
                .len(),
            1
        );
        // A recipient added later starts from the backfill: the match is too old.
        store
            .sync_digests(
                &[digest(&["desk@example.org", "late@example.org"], 24)],
                at(16),
            )
            .unwrap();
        assert!(
            store
                .unsent_matches("weekly", "late@example.org", &lists)
                .unwrap()
                .is_empty()
        );
    }

    /// Regression: with live config, saving an edit halfway removed a recipient for a
    /// moment, and put back it started afresh from the backfill, losing the older matches
    /// it had not been sent.
    #[test]
    fn a_recipient_back_within_the_grace_carries_on_and_later_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        crate::store::tests::older_database(
            &path,
            crate::store::MIGRATIONS.len(),
            &a_match_of_the_12th(),
        );
        let mut store = Store::open(&path).unwrap();
        let lists = ["s400".to_string()];
        let unsent = |store: &Store| {
            store
                .unsent_matches("weekly", "desk@example.org", &lists)
                .unwrap()
                .len()
        };
        let both = digest(&["desk@example.org", "night@example.org"], 72);
        let night = digest(&["night@example.org"], 72);
        store
            .sync_digests(std::slice::from_ref(&both), at(11))
            .unwrap();
        assert_eq!(unsent(&store), 1);

        // Out and back two days later: within the grace, nothing is lost.
        let later = at(14);
        store
            .sync_digests(std::slice::from_ref(&night), later)
            .unwrap();
        store
            .sync_digests(
                std::slice::from_ref(&both),
                later + chrono::Duration::minutes(1),
            )
            .unwrap();
        assert_eq!(unsent(&store), 1);
        // The whole digest out and back, the same.
        store.sync_digests(&[], later).unwrap();
        store
            .sync_digests(std::slice::from_ref(&both), later)
            .unwrap();
        assert_eq!(unsent(&store), 1);

        // Out for longer than the grace: back, it starts from its backfill (72 h before
        // the 20th), after the match of the 12th.
        store.sync_digests(&[night], at(18)).unwrap();
        store.sync_digests(&[both], at(20)).unwrap();
        assert_eq!(unsent(&store), 0);
    }
}
