//! Site furniture learned across pages (`site_lines`, migration 0011): what
//! [`crate::article::furniture::Furniture`] has counted, read back at start and written
//! as it learns. Lines not counted for as long as unmatched items are kept go with
//! retention ([`prune_site_lines`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{Result, Store, to_unix};
use crate::article::furniture::Learned;

impl Store {
    /// Every line learned, for [`crate::article::furniture::Furniture::from_learned`].
    pub fn site_lines(&self) -> Result<Vec<Learned>> {
        let mut stmt = self
            .conn
            .prepare("SELECT site, line, pages FROM site_lines ORDER BY site")?;
        let rows = stmt.query_map([], |row| {
            Ok(Learned {
                site: row.get(0)?,
                line: row.get(1)?,
                pages: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores the counts of `lines`, counted at `now`, in one transaction.
    pub fn record_site_lines(&mut self, lines: &[Learned], now: DateTime<Utc>) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO site_lines (site, line, pages, seen_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site, line) DO UPDATE
                 SET pages = MAX(pages, excluded.pages), seen_at = excluded.seen_at",
            )?;
            for line in lines {
                upsert.execute(params![line.site, line.line, line.pages, to_unix(now)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// Deletes the lines last counted before `before` (Unix seconds); returns how many.
pub(super) fn prune_site_lines(conn: &Connection, before: i64) -> Result<usize> {
    Ok(conn.execute("DELETE FROM site_lines WHERE seen_at < ?1", [before])?)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;

    fn at(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::days(day)
    }

    fn line(site: &str, line: i64, pages: u32) -> Learned {
        Learned {
            site: site.into(),
            line,
            pages,
        }
    }

    #[test]
    fn learned_lines_are_read_back_with_their_latest_counts_and_pruned_when_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        store
            .record_site_lines(&[line("a.example", 1, 2), line("b.example", 1, 2)], at(0))
            .unwrap();
        store
            .record_site_lines(&[line("a.example", 1, 5), line("a.example", -7, 2)], at(20))
            .unwrap();
        let mut lines = store.site_lines().unwrap();
        lines.sort_by_key(|l| (l.site.clone(), l.line));
        assert_eq!(
            lines,
            [
                line("a.example", -7, 2),
                line("a.example", 1, 5),
                line("b.example", 1, 2)
            ]
        );
        // Thirty days on, b.example's line has not been seen for as long as unmatched
        // items are kept.
        store
            .prune(
                Duration::from_secs(25 * 86_400),
                Duration::from_secs(365 * 86_400),
                &[],
                at(30),
            )
            .unwrap();
        let lines = store.site_lines().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.site == "a.example"));
    }
}
