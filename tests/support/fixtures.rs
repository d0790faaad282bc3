//! The project's own feed fixtures, and configuration files written for a test.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::FeedServer;

/// `tests/fixtures/feeds`.
pub fn feeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds")
}

/// A temporary folder holding copies of the named fixtures (so a test may change them).
pub fn served_copy(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in names {
        std::fs::copy(feeds_dir().join(name), dir.path().join(name)).expect("copy fixture");
    }
    dir
}

/// Every file in `dir` and below, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Copies of the named fixtures ([`served_copy`]) served on loopback, for a test that runs
/// the binary and has no tokio runtime of its own: the server runs on a thread of its own
/// either way, so a runtime is needed only to call [`FeedServer::start`]. Keep the folder
/// as long as the server.
pub fn serve_copies(names: &[&str]) -> (tempfile::TempDir, FeedServer) {
    let served = served_copy(names);
    let http = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime to start the server on")
        .block_on(FeedServer::start(served.path()));
    (served, http)
}

/// Writes `newshound.toml` with `body` into `dir`, after a `[storage]` table pointing at a
/// database inside `dir`. Returns the config's path.
pub fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("newshound.toml");
    let text = format!(
        "[storage]\npath = {:?}\n\n{body}",
        dir.join("newshound.db").display().to_string()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// The `[email]` table for an SMTP server on loopback without TLS.
pub fn smtp_email(port: u16) -> String {
    format!(
        "[email]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\ntimeout = \"5s\"\n\
         from = \"newshound <alerts@newshound.test>\"\n"
    )
}

/// A `[[feeds]]` table.
pub fn feed_table(name: &str, url: &str) -> String {
    format!("[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\n\n")
}

/// The titles of the items `watchlist` has matched in the database at `db`, sorted.
pub fn matched_titles(db: &Path, watchlist: &str) -> Vec<String> {
    let mut titles: Vec<String> = newshound::store::Store::open(db)
        .unwrap()
        .matches_since(Some(watchlist), chrono::DateTime::UNIX_EPOCH)
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect();
    titles.sort();
    titles
}

/// Adds S-400 item `n` to the copy of `wire.rss` in `dir` (at the top, as feeds do), with
/// a modification time newer than the last; its title.
pub fn publish(dir: &Path, n: usize) -> String {
    let title = format!("Turkey moves S-400 battery number {n} to Sinop");
    let path = dir.join("wire.rss");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "    <item>",
        &format!(
            "    <item>\n      <title>{title}</title>\n      \
             <link>https://wire.example.org/world/sinop-{n}</link>\n      \
             <guid isPermaLink=\"false\">wire-sinop-{n}</guid>\n      \
             <description>Turkey moved S-400 battery {n} to Sinop, officials in Ankara said.</description>\n    \
             </item>\n    <item>"
        ),
        1,
    );
    std::fs::write(&path, text).unwrap();
    super::http::set_modified(
        &path,
        SystemTime::now() + Duration::from_secs(n as u64 * 10),
    );
    title
}

/// Two feeds with three S-400 matches between them (`wire.rss` and `defense.atom`,
/// served), watchlist `s400`, and digest `desk` to `to` with `extra` lines in its table;
/// the `[email]` table is what `email` writes, given the folder the config is in (for a
/// password file, say). Keep it as long as the test runs: it owns the server.
pub struct DigestSetup {
    _served: tempfile::TempDir,
    pub work: tempfile::TempDir,
    _http: FeedServer,
    pub path: PathBuf,
}

pub async fn s400_digest(
    to: &[&str],
    extra: &str,
    email: impl FnOnce(&Path) -> String,
) -> DigestSetup {
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().expect("temp dir");
    let body = format!(
        "{}{}\
         [[watchlists]]\nname = \"s400\"\nquery = 'S-400 (Turkey OR Ankara)'\n\n{}\n\
         [[digests]]\nname = \"desk\"\nto = {to:?}\n{extra}\n",
        feed_table("wire", &http.url("wire.rss")),
        feed_table("review", &http.url("defense.atom")),
        email(work.path()),
    );
    let path = write_config(work.path(), &body);
    DigestSetup {
        _served: served,
        work,
        _http: http,
        path,
    }
}

/// One poll of every feed of the config at `path`, in this process.
pub async fn poll_config(path: &Path) {
    newshound::daemon::poll_once(newshound::config::load(path).expect("config"), None)
        .await
        .expect("poll");
}
