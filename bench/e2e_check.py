#!/usr/bin/env python3
"""Compare newshound's recorded matches with the generated corpus' ground truth.

    e2e_check.py snapshot NEWSHOUND CONFIG OUT
        writes the (watchlist, guid) pairs newshound has recorded, one per line
    e2e_check.py compare CORPUS_DIR all|new BEFORE AFTER
        prints one JSON line: precision, recall, true/false positives, misses, with up
        to five examples of each kind of error.
        all: AFTER against every match in the corpus' current round;
        new: AFTER minus BEFORE against the matches new in the current round.

Precision and recall are over (watchlist, guid) pairs, the GUIDs being the RSS
<guid> / Atom <id> values that the ground truth uses.
"""
import json
import os
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


def truth_pairs(corpus, key):
    state = json.load(open(os.path.join(corpus, "corpus-state.json")))
    truth = json.load(open(os.path.join(corpus, "truth", "round-%03d.json" % state["round"])))
    table = truth["matches" if key == "all" else "new_matches"]
    return {"%s\t%s" % (w, guid) for w, guids in table.items() for guid in guids}


def compare(corpus, key, before, after):
    got = read_pairs(after)
    if key == "new":
        got -= read_pairs(before)
    want = truth_pairs(corpus, key)
    tp = len(got & want)
    fp = sorted(got - want)
    fn = sorted(want - got)
    result = {
        "truth": key,
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


def main(argv):
    if len(argv) == 4 and argv[0] == "snapshot":
        snapshot(*argv[1:])
    elif len(argv) == 5 and argv[0] == "compare":
        compare(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
