//! One daemon per database: `newshound run` holds an exclusive OS lock on a file beside
//! the database for as long as it runs. Two daemons would poll the same feeds and run the
//! same digests twice over; the outbox would still send each message once, but every
//! other piece of work would be doubled. The OS releases the lock however the process
//! ends (SIGKILL and the OOM killer included), so a crashed daemon never blocks the next
//! one. The CLI's commands do not take it: they are meant to run beside the daemon.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Locks `<database>.lock` and writes this process's id into it, or fails at once (with
/// the id of the daemon holding it, when it can be read) if another process holds it.
/// The lock lasts as long as the returned file is open.
pub(super) fn daemon_lock(database: &Path) -> anyhow::Result<File> {
    let path = PathBuf::from(format!("{}.lock", database.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let pid = match holder.trim().parse::<u32>() {
                Ok(pid) => format!(" (pid {pid})"),
                Err(_) => String::new(),
            };
            anyhow::bail!(
                "another newshound daemon{pid} is running on the database {}; \
                 stop it first, or give this one another `storage.path` (it holds {})",
                database.display(),
                path.display()
            );
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    // Only for the message above: the lock itself is what keeps a second daemon out.
    let written = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    if let Err(e) = written {
        tracing::warn!(lock = %path.display(), error = %e, "cannot write the pid into the lock file");
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("data/n.db");
        let first = daemon_lock(&database).unwrap();
        let error = daemon_lock(&database).unwrap_err().to_string();
        assert!(
            error.contains(&format!("(pid {})", std::process::id())),
            "{error}"
        );
        assert!(error.contains(&database.display().to_string()), "{error}");
        // Another database is another daemon's business.
        daemon_lock(&dir.path().join("other.db")).unwrap();
        drop(first);
        daemon_lock(&database).unwrap();
    }
}
