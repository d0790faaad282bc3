#!/usr/bin/env python3
"""Write a newshound config for a corpus made by ../shared/bench/gen_corpus.py.

    e2e_config.py CORPUS_DIR URL_BASE DB_PATH SMTP_PORT [FULL_TEXT] > newshound.toml

One feed per line of CORPUS_DIR/feeds.txt, served under URL_BASE; the corpus'
watchlists (watchlists.json) written as queries; one digest to one recipient
through the SMTP server on 127.0.0.1:SMTP_PORT. Polling is configured for one
host serving every feed: the per-host limit is the global one.

FULL_TEXT ("auto" or "always"; default "never") reads the articles the items link to.
The generated corpus is dated 2024, so a first poll's bounds are widened to take in
every item (article_backlog, article_max_age), and since one host serves every feed's
articles, a poll waits for them as long as the whole first poll may take (article_wait).
"""
import json
import os
import sys


def quote(term):
    return '"%s"' % term.replace('"', "")


def query(spec):
    if "any" in spec:
        return " OR ".join(quote(t) for t in spec["any"])
    return " ".join("(%s)" % " OR ".join(quote(t) for t in group) for group in spec["all"])


def main():
    corpus, base, db, smtp_port = sys.argv[1:5]
    full_text = sys.argv[5] if len(sys.argv) > 5 else "never"
    watchlists = json.load(open(os.path.join(corpus, "watchlists.json")))["watchlists"]
    out = []
    out.append('[storage]\npath = "%s"\n' % db)
    out.append(
        "[polling]\n"
        'interval = "1h"\n'
        "adaptive = false\n"
        "concurrency = 16\n"
        "concurrency_per_host = 16\n"
        'timeout = "60s"\n'
        'full_text = "%s"\n' % full_text
        + ("article_backlog = 1000\n"
           'article_max_age = "3650d"\n'
           'article_wait = "30m"\n' if full_text != "never" else "")
    )
    out.append(
        "[email]\n"
        'host = "127.0.0.1"\n'
        "port = %s\n"
        'security = "none"\n'
        'from = "newshound <bench@bench.invalid>"\n' % smtp_port
    )
    for name, spec in watchlists.items():
        out.append("[[watchlists]]\nname = %s\nquery = '%s'\n" % (json.dumps(name), query(spec)))
    out.append(
        "[[digests]]\n"
        'name = "bench"\n'
        'to = ["bench@bench.invalid"]\n'
        'schedule = "every 24h"\n'
        "max_items = 0\n"
    )
    with open(os.path.join(corpus, "feeds.txt")) as feeds:
        for path in feeds:
            path = path.strip()
            if path:
                name = os.path.splitext(os.path.basename(path))[0]
                out.append('[[feeds]]\nname = "%s"\nurl = "%s/%s"\n' % (name, base, path))
    print("\n".join(out))


if __name__ == "__main__":
    main()
