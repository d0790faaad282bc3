//! The arithmetic of polling, kept apart from the I/O so that it can be read and tested on
//! its own: how a feed's interval adapts to how often it changes, how long a failing feed
//! waits before the next try, and the jitter that keeps a thousand feeds with the same
//! interval from firing in the same second. (Digest calendars are [`crate::schedule`].)

use std::time::Duration;

use crate::config::Cadence;

/// How much faster a feed is polled after a poll that brought new items.
const BUSY_FACTOR: f64 = 1.5;
/// How much slower after a poll that brought nothing new.
const QUIET_FACTOR: f64 = 1.25;

/// The feed's interval after a successful poll that brought `new_items`: shorter when
/// the feed is busy, longer when it is quiet, within the cadence's bounds. A fixed
/// (non-adaptive) cadence keeps its interval.
pub fn adapt(cadence: &Cadence, current: Duration, new_items: usize) -> Duration {
    if !cadence.adaptive {
        return cadence.interval;
    }
    let next = if new_items > 0 {
        current.div_f64(BUSY_FACTOR)
    } else {
        current.mul_f64(QUIET_FACTOR)
    };
    next.clamp(cadence.min_interval, cadence.max_interval)
}

/// The wait after a successful poll: the interval, lengthened to what the server or the
/// feed asks for (`Cache-Control`, `<ttl>`, …) but never beyond `max_interval`.
pub fn wait_after_success(
    cadence: &Cadence,
    interval: Duration,
    hint: Option<Duration>,
) -> Duration {
    let hint = hint.unwrap_or_default().min(cadence.max_interval);
    jittered(interval.max(hint))
}

/// The wait after the `failures`-th failure in a row: the interval doubled per failure,
/// capped at `max_backoff` (but never shorter than the interval itself), and never
/// sooner than a `Retry-After` the server sent.
pub fn wait_after_failure(
    interval: Duration,
    failures: u32,
    max_backoff: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    let doubled = interval.saturating_mul(1 << failures.saturating_sub(1).min(20));
    let backoff = jittered(doubled.min(max_backoff.max(interval)));
    match retry_after {
        // Spread the feeds of a host that asked for a pause, rather than all coming
        // back in the same second it ends.
        Some(wait) => backoff.max(wait + jittered(Duration::from_secs(5)).mul_f64(0.5)),
        None => backoff,
    }
}

/// `d` plus or minus up to 10%.
pub fn jittered(d: Duration) -> Duration {
    d.mul_f64(0.9 + fastrand::f64() * 0.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn cadence(adaptive: bool) -> Cadence {
        Cadence {
            interval: 15 * MINUTE,
            min_interval: 5 * MINUTE,
            max_interval: 120 * MINUTE,
            adaptive,
        }
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_spreads() {
        let mut seconds = std::collections::HashSet::new();
        for _ in 0..1000 {
            let d = jittered(Duration::from_secs(1000)).as_secs_f64();
            assert!((900.0..=1100.0).contains(&d), "{d}");
            seconds.insert(d as u64);
        }
        // 1,000 feeds with the same interval land on many different seconds.
        assert!(seconds.len() > 150, "{}", seconds.len());
    }

    #[test]
    fn a_quiet_feed_drifts_to_the_longest_interval() {
        let c = cadence(true);
        let mut interval = c.interval;
        let mut steps = 0;
        while interval < c.max_interval {
            interval = adapt(&c, interval, 0);
            steps += 1;
        }
        assert_eq!(interval, c.max_interval);
        assert!(steps <= 12, "{steps}");
        assert_eq!(adapt(&c, interval, 0), c.max_interval);
    }

    #[test]
    fn a_busy_feed_drifts_to_the_shortest_interval() {
        let c = cadence(true);
        let mut interval = c.max_interval;
        for _ in 0..10 {
            interval = adapt(&c, interval, 3);
        }
        assert_eq!(interval, c.min_interval);
    }

    #[test]
    fn a_fixed_cadence_keeps_its_interval() {
        let c = cadence(false);
        assert_eq!(adapt(&c, 40 * MINUTE, 0), c.interval);
        assert_eq!(adapt(&c, 40 * MINUTE, 9), c.interval);
    }

    #[test]
    fn hints_lengthen_the_wait_up_to_the_longest_interval() {
        let c = cadence(true);
        let secs = |hint| wait_after_success(&c, 15 * MINUTE, hint).as_secs();
        assert!((810..=990).contains(&secs(None)));
        // A short max-age does not make polling more eager.
        assert!((810..=990).contains(&secs(Some(MINUTE))));
        assert!((54 * 60..=66 * 60).contains(&secs(Some(60 * MINUTE))));
        // `<ttl>` of a week is held to max_interval.
        assert!(secs(Some(7 * 24 * 60 * MINUTE)) <= 132 * 60);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let cap = Duration::from_secs(6 * 3600);
        let secs = |failures| wait_after_failure(MINUTE, failures, cap, None).as_secs();
        assert!((54..=66).contains(&secs(1)));
        assert!((108..=132).contains(&secs(2)));
        assert!((216..=264).contains(&secs(3)));
        assert!(secs(40) <= 6 * 3600 * 11 / 10);
        assert!(secs(40) >= 6 * 3600 * 9 / 10);
        // A feed polled every 12 h is not retried less often than that.
        let slow = wait_after_failure(12 * 60 * MINUTE, 1, cap, None).as_secs();
        assert!(slow >= 12 * 3600 * 9 / 10);
    }

    #[test]
    fn retry_after_is_never_cut_short() {
        let cap = Duration::from_secs(6 * 3600);
        let wait = wait_after_failure(MINUTE, 1, cap, Some(30 * MINUTE));
        assert!(wait >= 30 * MINUTE && wait <= 30 * MINUTE + Duration::from_secs(3));
        // A backoff already longer than Retry-After stands.
        let wait = wait_after_failure(MINUTE, 10, cap, Some(MINUTE));
        assert!(wait >= Duration::from_secs(5 * 3600));
    }
}
