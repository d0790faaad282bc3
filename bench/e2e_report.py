#!/usr/bin/env python3
"""Turn the records of bench/e2e.sh into bench/RESULTS.md.

    e2e_report.py --out RESULTS.md NEWSHOUND.jsonl [RSS2EMAIL.jsonl]

Timings are medians over the repetitions with min-max in brackets. The machine is
described from /proc and uname, as it is when this runs (run it where e2e.sh ran).
"""
import argparse
import collections
import datetime
import json
import os
import platform
import statistics
import subprocess

PHASES = ["first_poll", "first_digest", "second_nochange", "after_advance", "advance_digest"]
# newshound's phases against rss2email's for the same work: polling alone, polling and
# mailing, the poll where nothing changed, and the poll (and mail) after an advance.
SIDE_BY_SIDE = [
    ("first poll, nothing mailed", ["first_poll"], "first_nosend"),
    ("first poll and its digest mail", ["first_poll", "first_digest"], "first_send"),
    ("re-poll, every feed 304", ["second_nochange"], "second_nochange"),
    ("poll after advance and its mail", ["after_advance", "advance_digest"], "after_advance"),
]


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def med(values):
    return statistics.median(values) if values else None


def spread(values, fmt="{:.2f}"):
    if not values:
        return "-"
    if len(values) == 1:
        return fmt.format(values[0])
    return "%s (%s-%s)" % (fmt.format(med(values)), fmt.format(min(values)), fmt.format(max(values)))


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    os_name = "?"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    return "%d cores (%s), %.0f GiB RAM, %s, kernel %s" % (
        os.cpu_count(), model, mem_kb / 2**20, os_name, platform.release())


def git_revision(root):
    try:
        return subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("ours")
    ap.add_argument("peer", nargs="?")
    a = ap.parse_args()
    ours = load(a.ours)
    peer = load(a.peer) if a.peer else []
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    by = collections.defaultdict(list)
    for r in ours:
        by[(r["label"], str(r["n"]))].append(r)
    sizes = sorted({str(r["n"]) for r in ours}, key=int)
    peer_by = collections.defaultdict(list)
    for r in peer:
        if r.get("mode", "digest") == "digest":
            peer_by[(r["label"], str(r["n"]))].append(r)
    version = next((r.get("version") for r in ours if r.get("version")), "?")
    full_text = next((r.get("full_text") for r in ours if r.get("full_text")), "never")
    peer_version = next((r.get("version") for r in peer if r.get("version")), None)

    def values(label, n, key):
        return [r[key] for r in by[(label, n)] if r.get(key) is not None]

    def summed(labels, n, key):
        """Per repetition, the sum of `key` over `labels`."""
        reps = collections.defaultdict(float)
        for label in labels:
            for r in by[(label, n)]:
                reps[r.get("rep")] += r.get(key) or 0.0
        return list(reps.values())

    out = []
    w = out.append
    w("# End-to-end benchmark results")
    w("")
    w("Made by `bench/e2e.sh` on %s (UTC) from newshound %s (commit %s)." % (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"), version,
        git_revision(root)))
    w("")
    w("* Machine: %s." % machine())
    w("* Corpus: `gen_corpus.py` of the shared harness, seed 42; served by nginx (1 worker, "
      "no gzip) on 127.0.0.1; mail to the harness' SMTP sink on 127.0.0.1. nginx and the "
      "sink run on the same cores and their CPU is not counted.")
    w("* Config: the corpus' four watchlists as queries, one digest, `concurrency = 16` "
      "and `concurrency_per_host = 16` (every feed is on one host). See "
      "`bench/e2e_config.py`.")
    if full_text != "never":
        w("* Full text: `full_text = \"%s\"`, the corpus generated with an article page per "
          "item (`gen_corpus.py --articles`), a first poll's bounds widened for its 2024 dates "
          "(`article_backlog = 1000`, `article_max_age = \"3650d\"`, `article_wait = \"30m\"`); "
          "matches are checked against `fulltext_matches`." % full_text)
    w("* Wall, CPU (user + system) and peak RSS come from `/usr/bin/time -v` on the "
      "command; medians over the repetitions, min-max in brackets. The VM is noisy: "
      "identical runs differ by 10-30%.")
    w("")

    w("## newshound")
    w("")
    w("| N | phase | runs | wall s | CPU s | peak RSS MiB | items/s | HTTP req | 200 | 304 | mails | rc≠0 |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        for phase in PHASES:
            rs = by[(phase, n)]
            if not rs:
                continue
            wall = values(phase, n, "wall_s")
            items = None
            if phase == "first_poll":
                items = [int(r["items"]) / r["wall_s"] for r in rs]
            elif phase == "after_advance":
                items = [int(r["new_items"]) / r["wall_s"] for r in rs]
            http = rs[0].get("http") or {}
            mail = rs[0].get("mail") or {}
            w("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                n, phase, len(rs), spread(wall), spread(values(phase, n, "cpu_s")),
                spread([k / 1024 for k in values(phase, n, "max_rss_kb")], "{:.0f}"),
                spread(items, "{:,.0f}") if items else "-",
                http.get("requests", "-"), http.get("n200", "-"), http.get("n304", "-"),
                mail.get("messages", "-"), sum(1 for r in rs if r.get("rc") != 0)))
    w("")
    w("`items/s`: the corpus' items (new items, after advance) per second of wall time.")
    w("")

    w("## Matches against the ground truth")
    w("")
    w("| N | after | runs | expected | found | precision | recall |")
    w("|---|---|---|---|---|---|---|")
    for n in sizes:
        for label, what in (("check_first", "first poll (all matches)"),
                            ("check_advance", "advance (new matches)")):
            rs = by[(label, n)]
            if rs and rs[0].get("fulltext"):
                what += ", full text truth"
            if rs:
                w("| %s | %s | %d | %s | %s | %s | %s |" % (
                    n, what, len(rs), rs[0]["expected"], rs[0]["found"],
                    " / ".join("%.2f%%" % (100 * r["precision"]) for r in rs),
                    " / ".join("%.2f%%" % (100 * r["recall"]) for r in rs)))
    w("")

    if any(by[("requests_first_poll", n)] for n in sizes):
        w("## Requests and storage")
        w("")
        w("Requests of each poll for feeds and for article pages (every one to the same "
          "host, the nginx on loopback), and the database after the first poll and after "
          "the advance: its pages in use, bytes per item, the items' text (bodies) per item, "
          "and how many items hold their article. Medians over the repetitions.")
        w("")
        w("| N | poll | feed requests | article requests | article statuses |")
        w("|---|---|---|---|---|")
        for n in sizes:
            for phase in ("first_poll", "second_nochange", "after_advance"):
                rs = by[("requests_" + phase, n)]
                if rs:
                    statuses = rs[0].get("article_status") or {}
                    w("| %s | %s | %s | %s | %s |" % (
                        n, phase, spread(values("requests_" + phase, n, "feed_requests"), "{:.0f}"),
                        spread(values("requests_" + phase, n, "article_requests"), "{:.0f}"),
                        ", ".join("%s: %d" % kv for kv in sorted(statuses.items())) or "-"))
        w("")
        w("| N | after | items | items with article | database MB | bytes per item | text bytes per item |")
        w("|---|---|---|---|---|---|---|")
        for n in sizes:
            for label, what in (("storage_first", "first poll"), ("storage_advance", "advance")):
                rs = by[(label, n)]
                if rs:
                    w("| %s | %s | %s | %s | %s | %s | %s |" % (
                        n, what, rs[0]["items"], rs[0]["items_with_article"],
                        spread([b / 1e6 for b in values(label, n, "db_bytes")], "{:.1f}"),
                        spread(values(label, n, "bytes_per_item"), "{:,.0f}"),
                        spread(values(label, n, "body_bytes_per_item"), "{:,.0f}")))
        w("")

    w("## Idle daemon")
    w("")
    w("`newshound run` with every feed just polled, watched for `watched s` seconds once "
      "its start-up work was done (`settled after`: the first run after `poll --once` "
      "matches the stored items against the watchlists it has not recorded yet). Peak RSS "
      "includes that start-up work.")
    w("")
    w("| N | runs | settled after s | watched s | CPU s in that time | RSS MiB | peak RSS MiB | HTTP req |")
    w("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        rs = by[("idle", n)]
        if rs:
            w("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                n, len(rs), spread(values("idle", n, "settled_after_s"), "{:.0f}"), rs[0]["idle_s"], spread(values("idle", n, "idle_cpu_s")),
                spread([k / 1024 for k in values("idle", n, "rss_kb")], "{:.0f}"),
                spread([k / 1024 for k in values("idle", n, "max_rss_kb")], "{:.0f}"),
                spread(values("idle", n, "http_requests"), "{:.0f}")))
    w("")

    w("## Against the parse floor")
    w("")
    w("`examples/parse_floor.rs` parses the same files from memory: `bare` is feed-rs "
      "alone, `newshound` the project's parser (feed-rs, HTML to text, identities, links).")
    w("")
    w("| N | MB | items | bare feed-rs CPU s | newshound parse CPU s | first poll CPU s | first poll ÷ bare |")
    w("|---|---|---|---|---|---|---|")
    for n in sizes:
        floors = {r["mode"]: r for r in by[("parse_floor", n)]}
        bare = floors.get("bare")
        ours_parse = floors.get("newshound")
        first = med(values("first_poll", n, "cpu_s"))
        if bare and first is not None:
            w("| %s | %.1f | %s | %.2f | %s | %.2f | %.1f× |" % (
                n, bare["bytes"] / 1e6, bare["items"], bare["cpu_s"],
                "%.2f" % ours_parse["cpu_s"] if ours_parse else "-", first,
                first / bare["cpu_s"] if bare["cpu_s"] else float("nan")))
    w("")

    if peer:
        w("## Side by side with rss2email %s" % (peer_version or ""))
        w("")
        w("rss2email runs the same corpus through the harness' `run_peer_rss2email.sh` "
          "(`digest = True`: one mail per feed; `first_nosend` is `r2e run --no-send`). "
          "Ratio: rss2email's figure over newshound's.")
        w("")
        w("| N | work | runs (ours/peer) | newshound wall s | rss2email wall s | wall ratio | newshound CPU s | rss2email CPU s | CPU ratio | peak RSS MiB (ours/peer) |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for n in sizes:
            for what, labels, peer_label in SIDE_BY_SIDE:
                prs = peer_by[(peer_label, n)]
                if not prs or not all(by[(label, n)] for label in labels):
                    continue
                our_wall = med(summed(labels, n, "wall_s"))
                our_cpu = med(summed(labels, n, "cpu_s"))
                their_wall = med([r["wall_s"] for r in prs])
                their_cpu = med([r.get("cpu_s", 0.0) for r in prs])
                our_rss = max(med(values(label, n, "max_rss_kb")) for label in labels) / 1024
                their_rss = med([r.get("max_rss_kb", 0) for r in prs]) / 1024
                w("| %s | %s | %d/%d | %.2f | %.2f | %.1f× | %.2f | %.2f | %.1f× | %.0f / %.0f |" % (
                    n, what, len(by[(labels[0], n)]), len(prs), our_wall, their_wall,
                    their_wall / our_wall, our_cpu, their_cpu, their_cpu / our_cpu,
                    our_rss, their_rss))
        w("")

    w("## Targets")
    w("")
    if full_text != "never":
        w("These are the targets of polling feeds alone (`bench/RESULTS.md`). With full text "
          "a first poll also fetches and reads the article behind every new item that wants it, "
          "so its CPU, wall time and memory are not held to them; "
          "precision and recall are against the articles' truth, which `auto` does not "
          "reach for long feed content it takes as whole (see the README).")
        w("")
    w("| target | measured (median) | holds |")
    w("|---|---|---|")

    def target(label, figure, ok):
        w("| %s | %s | %s |" % (label, figure, "yes" if ok else "**no**"))

    if by[("first_poll", "1000")]:
        cpu = med(values("first_poll", "1000", "cpu_s"))
        target("first poll of 1,000 feeds ≤ 1.5 CPU-s", "%.2f CPU-s" % cpu, cpu <= 1.5)
    if by[("first_poll", "10000")]:
        wall = med(values("first_poll", "10000", "wall_s"))
        rss = med(values("first_poll", "10000", "max_rss_kb")) * 1024 / 1e6
        target("first poll of 10,000 feeds < 20 s wall", "%.1f s" % wall, wall < 20)
        target("first poll of 10,000 feeds < 150 MB peak RSS", "%.0f MB" % rss, rss < 150)
    for n, limit in (("1000", 0.3), ("10000", 3.0)):
        if by[("second_nochange", n)]:
            wall = med(values("second_nochange", n, "wall_s"))
            target("re-poll of %s unchanged feeds < %g s wall" % (format(int(n), ","), limit),
                   "%.2f s" % wall, wall < limit)
    if by[("idle", "10000")]:
        rss = med(values("idle", "10000", "rss_kb")) * 1024 / 1e6
        cpu = med(values("idle", "10000", "idle_cpu_s"))
        seconds = by[("idle", "10000")][0]["idle_s"]
        target("idle daemon with 10,000 feeds < 40 MB RSS", "%.0f MB" % rss, rss < 40)
        target("idle daemon: near-zero CPU between polls",
               "%.2f CPU-s in %s s" % (cpu, seconds), cpu <= 0.01 * float(seconds))
    checks = [r for label in ("check_first", "check_advance") for n in sizes
              for r in by[(label, n)]]
    if checks:
        perfect = all(r["precision"] == 1.0 and r["recall"] == 1.0 for r in checks)
        target("matches: 100% precision and recall", "%d checks" % len(checks), perfect)
    w("")
    w("Matching throughput (≥ 300 MB/s against 10,000 terms) is measured by "
      "`cargo bench --bench pipeline`, not here.")
    w("")

    with open(a.out, "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
