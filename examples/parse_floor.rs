//! The floor under a first poll: how long parsing alone takes for a folder of feed files,
//! read into memory first. `bare` is feed-rs by itself; `newshound` is the project's parse
//! (feed-rs, then HTML to text, identities and links for every item), which a poll does on
//! top of fetching, matching and storing. `bench/e2e.sh` reports a poll's CPU time as a
//! multiple of these.
//!
//!     cargo run --release --example parse_floor -- DIR [bare|newshound]
//!
//! Prints one JSON line: files, bytes, items, CPU seconds (user + system, of this
//! process, for the parsing only).

use std::path::{Path, PathBuf};

use newshound::feed::parse;
use url::Url;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: parse_floor DIR [bare|newshound]");
        std::process::exit(2);
    };
    let mode = args.next().unwrap_or_else(|| "bare".to_string());
    if !matches!(mode.as_str(), "bare" | "newshound") {
        eprintln!("unknown mode `{mode}`: bare or newshound");
        std::process::exit(2);
    }
    let mut paths = Vec::new();
    collect(Path::new(&dir), &mut paths);
    if paths.is_empty() {
        eprintln!("no files in {dir}");
        std::process::exit(2);
    }
    paths.sort();
    let files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let base = Url::parse("http://127.0.0.1/feed.xml").expect("a valid URL");

    let before = cpu_seconds();
    let mut items = 0;
    let mut failed = 0;
    for file in &files {
        let parsed = if mode == "bare" {
            feed_rs::parser::parse(file.as_slice())
                .map(|feed| feed.entries.len())
                .map_err(|_| ())
        } else {
            parse::parse(file, &base)
                .map(|feed| feed.items.len())
                .map_err(|_| ())
        };
        match parsed {
            Ok(n) => items += n,
            Err(()) => failed += 1,
        }
    }
    let cpu = cpu_seconds() - before;
    println!(
        "{{\"mode\":\"{mode}\",\"files\":{},\"failed\":{failed},\"bytes\":{bytes},\"items\":{items},\"cpu_s\":{cpu:.3}}}",
        files.len()
    );
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// User and system CPU time of this process so far.
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given, which
    // points at one; RUSAGE_SELF is always a valid target.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return 0.0;
        }
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
