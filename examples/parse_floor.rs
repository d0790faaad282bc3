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
    let mut paths = Vec::new();
    collect(Path::new(&dir), &mut paths);
    paths.sort();
    let files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let base = Url::parse("http://127.0.0.1/feed.xml").expect("a valid URL");

    let before = cpu_seconds();
    let mut items = 0;
    let mut failed = 0;
    for file in &files {
        let parsed = match mode.as_str() {
            "bare" => feed_rs::parser::parse(file.as_slice())
                .map(|feed| feed.entries.len())
                .map_err(|_| ()),
            "newshound" => parse::parse(file, &base)
                .map(|feed| feed.items.len())
                .map_err(|_| ()),
            other => {
                eprintln!("unknown mode `{other}`: bare or newshound");
                std::process::exit(2);
            }
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
    // /proc/self/stat fields 14 and 15 (utime, stime) in clock ticks; the command name
    // (field 2) may hold spaces, so count from the closing parenthesis.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields after the name start at field 3, index 0 here.
    (ticks(11) + ticks(12)) / 100.0
}
