//! The daemon's idea of "now". In service it is the system clock. A test can ask for a
//! clock that follows tokio's time instead: under `tokio::time::pause()` it stands still
//! and jumps with the timers, so days of scheduling (backoff caps, the week after which a
//! feed is flagged failing) run in moments and to the second.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// For a tokio clock: the wall time and tokio instant it started at.
    anchor: Option<(DateTime<Utc>, tokio::time::Instant)>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { anchor: None }
    }

    /// A clock that starts at the current wall time and then moves with tokio's time.
    pub fn tokio() -> Clock {
        Clock::tokio_at(Utc::now())
    }

    /// A clock that starts at `start` and then moves with tokio's time: a test of
    /// schedules in local time picks the days around a clock change.
    pub fn tokio_at(start: DateTime<Utc>) -> Clock {
        Clock {
            anchor: Some((start, tokio::time::Instant::now())),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.anchor {
            None => Utc::now(),
            Some((wall, instant)) => {
                let elapsed =
                    chrono::Duration::from_std(instant.elapsed()).unwrap_or(chrono::Duration::MAX);
                wall + elapsed
            }
        }
    }
}
