//! Named points in a delivery where a test can freeze the daemon, so that it can kill the
//! process (SIGKILL) exactly between two steps and check what a restart makes of it. The
//! point to freeze at is read once from `NEWSHOUND_PAUSE_AT`; unset, as in service, every
//! point is a no-op. A frozen daemon says so on stderr and waits forever.

use std::sync::OnceLock;

const VARIABLE: &str = "NEWSHOUND_PAUSE_AT";

fn pause_at() -> Option<&'static str> {
    static POINT: OnceLock<Option<String>> = OnceLock::new();
    POINT
        .get_or_init(|| std::env::var(VARIABLE).ok().filter(|p| !p.is_empty()))
        .as_deref()
}

fn announce(point: &str) {
    tracing::warn!(point, "paused ({VARIABLE}); waiting to be killed");
    eprintln!("newshound: paused at {point}");
}

/// Freezes the task at `point` if asked to.
pub(super) async fn pause(point: &str) {
    if pause_at() == Some(point) {
        announce(point);
        std::future::pending::<()>().await;
    }
}

/// Freezes the thread at `point` if asked to: for points inside a database transaction,
/// which runs on a blocking thread.
pub(super) fn pause_blocking(point: &str) {
    if pause_at() == Some(point) {
        announce(point);
        loop {
            std::thread::park();
        }
    }
}
