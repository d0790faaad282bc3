//! Live configuration: the daemon notices an edit of its config file or of `conf.d/` (or is
//! asked by SIGHUP), loads the files again and, if they validate, carries on with the new
//! settings. A broken edit is refused with its file, key and reason, and the daemon keeps
//! the last good settings.
//!
//! Files are watched by reading them once a second and comparing a hash of their names
//! and contents, rather than through inotify: a handful of small files is cheap to read,
//! and this sees every way an edit reaches the disk (editors that replace the file, a
//! `conf.d/` file added or removed, bind mounts and ConfigMap symlink swaps, where change
//! events are unreliable). An edit is applied once the files have stopped changing for a
//! moment, so a file caught half-written is not taken for a broken edit.
//!
//! Work in flight keeps the settings it started with; see [`super::Context::reopen`].

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::Context;
use super::timetable::Timetable;
use crate::config::{self, Settings};
use crate::digest::send::Mailer;
use crate::feed::fetch::Fetcher;
use crate::webhook::post::Poster;

/// How often the config files are read for changes.
pub(super) const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How long the files must stay the same before a change is applied.
const SETTLE: Duration = Duration::from_millis(300);

/// Where a running daemon gets new settings from.
pub struct ConfigSource {
    /// The main config file, watched together with its `conf.d/`. `None`: the settings
    /// never change.
    path: Option<PathBuf>,
    /// Each message asks for a reload now (SIGHUP), changed files or not.
    pub(super) requests: Option<UnboundedReceiver<()>>,
    /// The files as last applied or refused, so one broken edit is reported once.
    seen: Option<u64>,
    /// The files as last loaded, until the settings built from them are applied.
    loaded: Option<u64>,
}

impl ConfigSource {
    /// Settings that never change (tests that drive [`super::run_with_clock`]).
    pub fn fixed() -> ConfigSource {
        ConfigSource {
            path: None,
            requests: None,
            seen: None,
            loaded: None,
        }
    }

    /// Watches the config at `path` (and its `conf.d/`), and reloads on each message of
    /// `requests`. Call it before loading the settings the daemon starts with, so that an
    /// edit made in between is not missed.
    pub fn watching(path: PathBuf, requests: UnboundedReceiver<()>) -> ConfigSource {
        let seen = Some(fingerprint(&path));
        ConfigSource {
            path: Some(path),
            requests: Some(requests),
            seen,
            loaded: None,
        }
    }

    pub(super) fn watches_files(&self) -> bool {
        self.path.is_some()
    }

    /// Whether the files differ from those last loaded, and have stayed so for a moment.
    pub(super) async fn changed(&mut self) -> bool {
        let Some(path) = self.path.clone() else {
            return false;
        };
        let read = |path: PathBuf| async move {
            tokio::task::spawn_blocking(move || fingerprint(&path))
                .await
                .ok()
        };
        let Some(now) = read(path.clone()).await else {
            return false;
        };
        if Some(now) == self.seen {
            return false;
        }
        tokio::time::sleep(SETTLE).await;
        read(path).await == Some(now)
    }

    /// The settings last loaded are in use: the files are not read again until they
    /// change. Until then (the settings could not be applied, e.g. the database was
    /// busy), the next check loads them again.
    pub(super) fn applied(&mut self) {
        if let Some(loaded) = self.loaded.take() {
            self.seen = Some(loaded);
        }
    }

    /// Loads the settings again. A broken edit is logged and `None` returned: the caller
    /// keeps what it has. Settings that only take effect at a restart are kept as they are,
    /// with a warning.
    pub(super) async fn load(&mut self, current: &Settings) -> Option<Settings> {
        let path = self.path.clone()?;
        let (seen, loaded) = tokio::task::spawn_blocking(move || {
            let seen = fingerprint(&path);
            (seen, config::load(&path))
        })
        .await
        .ok()?;
        match loaded {
            Ok(mut settings) => {
                self.loaded = Some(seen);
                if settings.storage.path != current.storage.path {
                    tracing::warn!(
                        database = %current.storage.path.display(),
                        "storage.path changed: the daemon keeps its database until it is restarted"
                    );
                    settings.storage.path = current.storage.path.clone();
                }
                if settings.server.listen != current.server.listen {
                    tracing::warn!(
                        "server.listen changed: the HTTP listener keeps its address until the daemon is restarted"
                    );
                    settings.server.listen = current.server.listen;
                }
                Some(settings)
            }
            Err(e) => {
                self.seen = Some(seen);
                // One line per problem, with its file and key as fields of their own.
                for problem in &e.problems {
                    tracing::error!(
                        file = %problem.origin,
                        key = %problem.key,
                        reason = %problem.reason,
                        "configuration change refused"
                    );
                }
                tracing::error!("running on the last good configuration");
                None
            }
        }
    }
}

/// A hash of the config files' names and contents. A file that cannot be read counts
/// with its error, so that fixing it is a change too.
fn fingerprint(path: &std::path::Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    match config::config_files(path) {
        Ok(files) => {
            for file in files {
                file.hash(&mut hasher);
                match std::fs::read(&file) {
                    Ok(bytes) => bytes.hash(&mut hasher),
                    Err(e) => e.kind().to_string().hash(&mut hasher),
                }
            }
        }
        Err(e) => e.to_string().hash(&mut hasher),
    }
    hasher.finish()
}

/// What the loop carries on with after a reload.
pub(super) struct Reconfigured {
    pub ctx: Arc<Context>,
    pub timetable: Timetable,
    pub mailer: Mailer,
    pub fetcher: Fetcher,
    pub poster: Poster,
}

/// Builds everything the loop needs from new settings. The loop's own state is not
/// touched, so on an error it carries on as it was; the store may by then have recorded
/// the new feeds and recipients, which is harmless, since the retry records them again.
pub(super) async fn reconfigure(
    ctx: &Context,
    settings: Settings,
    timetable: &Timetable,
) -> anyhow::Result<Reconfigured> {
    let mailer = Mailer::new(&settings.email)?;
    let fetcher = Fetcher::new(&settings.polling)?;
    let poster = Poster::new(&settings.polling.user_agent).map_err(anyhow::Error::msg)?;
    let changes = Changes::between(&ctx.settings, &settings);
    let new = ctx.reopen(settings).await?;
    let timetable = Timetable::load(&new, Some(timetable)).await?;
    tracing::info!(
        feeds = new.settings.feeds.len(),
        watchlists = new.settings.watchlists.len(),
        digests = new.settings.digests.len(),
        changes = %changes,
        "configuration reloaded"
    );
    Ok(Reconfigured {
        ctx: new,
        timetable,
        mailer,
        fetcher,
        poster,
    })
}

/// What a reload added, removed or changed, by name, for the log.
struct Changes(Vec<String>);

impl Changes {
    fn between(old: &Settings, new: &Settings) -> Changes {
        let mut out = Vec::new();
        let mut compare = |kind: &str, old: Vec<(String, String)>, new: Vec<(String, String)>| {
            let names = |list: &[(String, String)]| -> BTreeSet<String> {
                list.iter().map(|(n, _)| n.clone()).collect()
            };
            let (before, after) = (names(&old), names(&new));
            for name in after.difference(&before) {
                out.push(format!("+{kind} {name}"));
            }
            for name in before.difference(&after) {
                out.push(format!("-{kind} {name}"));
            }
            for (name, definition) in &new {
                if old.iter().any(|(n, d)| n == name && d != definition) {
                    out.push(format!("~{kind} {name}"));
                }
            }
        };
        let feeds = |s: &Settings| {
            s.feeds
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        format!("{} {:?} {:?}", f.url, f.cadence, f.tags),
                    )
                })
                .collect()
        };
        let watchlists = |s: &Settings| {
            s.watchlists
                .iter()
                .map(|w| (w.name.clone(), super::backfill::definition(w)))
                .collect()
        };
        let digests = |s: &Settings| {
            s.digests
                .iter()
                .map(|d| (d.name.clone(), format!("{d:?}")))
                .collect()
        };
        // Their Debug hides the secret and header values: a change of those alone is not
        // named, and neither is the secret.
        let webhooks = |s: &Settings| {
            s.webhooks
                .iter()
                .map(|w| (w.name.clone(), format!("{w:?}")))
                .collect()
        };
        compare("feed", feeds(old), feeds(new));
        compare("watchlist", watchlists(old), watchlists(new));
        compare("digest", digests(old), digests(new));
        compare("webhook", webhooks(old), webhooks(new));
        Changes(out)
    }
}

impl std::fmt::Display for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("no feed, watchlist, digest or webhook changed")
        } else {
            f.write_str(&self.0.join(", "))
        }
    }
}
