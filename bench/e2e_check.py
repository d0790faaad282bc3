#!/usr/bin/env python3
"""Compare newshound's recorded matches with the generated corpus' ground truth.

    e2e_check.py snapshot NEWSHOUND CONFIG OUT
        writes the (watchlist, guid) pairs newshound has recorded, one per line
    e2e_check.py compare CORPUS_DIR all|new BEFORE AFTER [fulltext]
        prints one JSON line: precision, recall, true/false positives, misses, with up
        to five examples of each kind of error.
        all: AFTER against every match in the corpus' current round;
        new: AFTER minus BEFORE against the matches new in the current round;
        fulltext: against what a monitor that reads the articles must find
        (`fulltext_matches`, `new_fulltext_matches`; corpus made with --articles).
    e2e_check.py storage DB
        prints one JSON line: the database's size (its pages in use), items, bytes per
        item, and the items' text (their bodies) and how many hold their article.
    e2e_check.py requests ACCESS_LOG FROM TO
        prints one JSON line: the requests of lines FROM < n <= TO of the nginx access
        log, for feeds and for article pages, by status.

Precision and recall are over (watchlist, guid) pairs, the GUIDs being the RSS
<guid> / Atom <id> values that the ground truth uses.
"""
import json
import os
import sqlite3
import subprocess
import sys


def snapshot(binary, config, out):
    listing = subprocess.run(
        [binary, "-c", config, "matches", "--json", "--since", "3650d"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pairs = set()
    for line in listing.splitlines():
        match = json.loads(line)
        pairs.add("%s\t%s" % (match["watchlist"], match["guid"]))
    with open(out, "w") as f:
        f.write("".join(p + "\n" for p in sorted(pairs)))


def read_pairs(path):
    with open(path) as f:
        return {line.rstrip("\n") for line in f if line.strip()}


def truth_pairs(corpus, key, fulltext=False):
    state = json.load(open(os.path.join(corpus, "corpus-state.json")))
    truth = json.load(open(os.path.join(corpus, "truth", "round-%03d.json" % state["round"])))
    names = {"all": "matches", "new": "new_matches"}
    if fulltext:
        names = {"all": "fulltext_matches", "new": "new_fulltext_matches"}
    table = truth[names[key]]
    return {"%s\t%s" % (w, guid) for w, guids in table.items() for guid in guids}


def compare(corpus, key, before, after, fulltext=None):
    got = read_pairs(after)
    if key == "new":
        got -= read_pairs(before)
    want = truth_pairs(corpus, key, fulltext == "fulltext")
    tp = len(got & want)
    fp = sorted(got - want)
    fn = sorted(want - got)
    result = {
        "truth": key,
        "fulltext": fulltext == "fulltext",
        "expected": len(want),
        "found": len(got),
        "true_positives": tp,
        "false_positives": len(fp),
        "missed": len(fn),
        "precision": round(tp / len(got), 4) if got else 1.0,
        "recall": round(tp / len(want), 4) if want else 1.0,
        "false_positive_examples": fp[:5],
        "missed_examples": fn[:5],
    }
    print(json.dumps(result))


def storage(db):
    conn = sqlite3.connect(db)
    one = lambda sql: conn.execute(sql).fetchone()[0]
    pages = one("PRAGMA page_count") - one("PRAGMA freelist_count")
    size = pages * one("PRAGMA page_size")
    items = one("SELECT COUNT(*) FROM items")
    body = one("SELECT COALESCE(SUM(LENGTH(CAST(body AS BLOB))), 0) FROM items")
    has_articles = bool(one("SELECT COUNT(*) FROM pragma_table_info('items') WHERE name = 'article_at'"))
    articles = one("SELECT COUNT(*) FROM items WHERE article_at IS NOT NULL") if has_articles else 0
    print(json.dumps({
        "db_bytes": size,
        "items": items,
        "bytes_per_item": round(size / items) if items else 0,
        "body_bytes_per_item": round(body / items) if items else 0,
        "items_with_article": articles,
    }))


def requests(log, start, end):
    counts = {"feed_requests": 0, "article_requests": 0, "article_status": {}}
    with open(log, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if lineno <= int(start) or lineno > int(end):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 9:
                continue
            if "/a/" in parts[4]:
                counts["article_requests"] += 1
                status = counts["article_status"]
                status[parts[1]] = status.get(parts[1], 0) + 1
            else:
                counts["feed_requests"] += 1
    print(json.dumps(counts))


def main(argv):
    if len(argv) == 4 and argv[0] == "snapshot":
        snapshot(*argv[1:])
    elif len(argv) in (5, 6) and argv[0] == "compare":
        compare(*argv[1:])
    elif len(argv) == 2 and argv[0] == "storage":
        storage(argv[1])
    elif len(argv) == 4 and argv[0] == "requests":
        requests(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
