//! A gzip bomb (about 1 MiB on the wire, 1 GiB inflated) stops at the body cap and the
//! process never holds more than a sliver of it. In a test binary of its own because it
//! reads the process's peak resident memory (`VmHWM`), which other tests running in
//! parallel would push up.

mod support;

use std::time::Duration;

use newshound::config;
use newshound::daemon;
use newshound::feed::fetch::{Fetcher, Validators};
use support::FeedServer;
use support::fixtures::{feed_table, served_copy, write_config};

/// Peak resident set size of this process, in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM line");
    let kilobytes: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kilobytes * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_gzip_bomb_is_cut_off_at_the_cap_in_bounded_memory() {
    let served = served_copy(&[]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let body = format!(
        "[polling]\nmax_body_size = \"1MB\"\ntimeout = \"20s\"\n\n{}",
        feed_table("bomb", &http.url("bomb/1024"))
    );
    let settings = config::load(&write_config(work.path(), &body)).unwrap();
    let fetcher = Fetcher::new(&settings.polling).unwrap();
    let before = peak_memory();

    let reports = tokio::time::timeout(Duration::from_secs(60), daemon::poll_once(settings, None))
        .await
        .expect("the poll finishes")
        .unwrap();
    let error = reports[0].outcome.as_ref().unwrap_err();
    assert!(
        error.contains("larger than the 1000000-byte limit"),
        "{error}"
    );

    let url = url::Url::parse(&http.url("bomb/1024")).unwrap();
    let error = fetcher
        .fetch(&url, &Validators::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "too large");

    let grown = peak_memory().saturating_sub(before);
    assert!(
        grown < 200 << 20,
        "peak memory grew by {} MiB for a 1 GiB bomb",
        grown >> 20
    );
}
