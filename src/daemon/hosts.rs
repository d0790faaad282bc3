//! Politeness per host: at most so many requests in flight to one host (many feeds on
//! one blog platform or RSSHub instance are not hit all at once), and a pause for the
//! whole host when it answers 429 or 503 with `Retry-After`, not only for the feed that
//! got the answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use url::Url;

pub struct Hosts {
    limit: usize,
    hosts: Mutex<HashMap<String, Host>>,
}

struct Host {
    permits: Arc<Semaphore>,
    paused_until: Option<DateTime<Utc>>,
}

impl Hosts {
    pub fn new(limit: usize) -> Hosts {
        Hosts {
            limit,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// What makes two URLs the same server: host and port. `None` for `file://`.
    pub fn key(url: &Url) -> Option<String> {
        let host = url.host_str()?;
        let port = url.port_or_known_default()?;
        Some(format!("{}:{port}", host.to_ascii_lowercase()))
    }

    /// The semaphore that bounds requests in flight to `host`.
    pub fn permits(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.lock();
        Arc::clone(
            &hosts
                .entry(host.to_string())
                .or_insert_with(|| Host {
                    permits: Arc::new(Semaphore::new(self.limit)),
                    paused_until: None,
                })
                .permits,
        )
    }

    /// When `host` asked to be left alone until, if that is still ahead of `now`.
    pub fn paused_until(&self, host: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.lock()
            .get(host)
            .and_then(|h| h.paused_until)
            .filter(|until| *until > now)
    }

    /// Leaves `host` alone until `until` (a later pause already set stands).
    pub fn pause(&self, host: &str, until: DateTime<Utc>) {
        self.with_host(host, |h| h.paused_until = h.paused_until.max(Some(until)));
    }

    /// Runs `f` on `host`'s entry, made on first use.
    fn with_host<T>(&self, host: &str, f: impl FnOnce(&mut Host) -> T) -> T {
        let mut hosts = self.lock();
        let entry = hosts.entry(host.to_string()).or_insert_with(|| Host {
            permits: Arc::new(Semaphore::new(self.limit)),
            paused_until: None,
        });
        f(entry)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Host>> {
        // The map holds no invariant a panic could break halfway.
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_make_the_key() {
        let key = |u: &str| Hosts::key(&Url::parse(u).unwrap());
        assert_eq!(
            key("https://Example.COM/feed"),
            Some("example.com:443".into())
        );
        assert_eq!(key("http://example.com/a"), Some("example.com:80".into()));
        assert_eq!(
            key("http://127.0.0.1:8080/a"),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(key("file:///tmp/feed.xml"), None);
    }

    #[test]
    fn a_pause_holds_until_it_ends_and_a_later_one_wins() {
        let hosts = Hosts::new(2);
        let now = Utc::now();
        let later = now + chrono::Duration::seconds(60);
        hosts.pause("a:80", later);
        hosts.pause("a:80", now + chrono::Duration::seconds(10));
        assert_eq!(hosts.paused_until("a:80", now), Some(later));
        assert_eq!(hosts.paused_until("a:80", later), None);
        assert_eq!(hosts.paused_until("b:80", now), None);
    }

    #[test]
    fn one_semaphore_per_host() {
        let hosts = Hosts::new(2);
        let a = hosts.permits("a:80");
        assert!(Arc::ptr_eq(&a, &hosts.permits("a:80")));
        assert_eq!(a.available_permits(), 2);
        assert!(!Arc::ptr_eq(&a, &hosts.permits("b:80")));
    }
}
