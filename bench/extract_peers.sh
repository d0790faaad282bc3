#!/bin/bash
# Main-content extraction, the peer side: trafilatura 2.3.1 (Python), with its default
# settings as `extract(html, url=...)`, plain text out, on the same article pages as
# `cargo bench --bench extract`, scored by the same script. Prints precision, recall, F1
# (all pages and each half: odd and even ids) and pages per CPU-second (CPU time of the
# extract calls alone, the pages read and gunzipped beforehand, as the Rust bench does).
#
#   bench/extract_peers.sh            the shared corpus (../shared/corpus/articles)
#
# Environment (all optional):
#   NEWSHOUND_ARTICLES=DIR   the pages (truth.jsonl, html/ID.html.gz)
#   NEWSHOUND_BENCH_HARNESS  the folder of score_extract.py (default ../shared/bench)
#   VENV=/tmp/newshound-extract-peers   where trafilatura is installed (pip, PyPI)
#   OUT=/tmp/newshound-extract-peers/out  where predictions and per-half files go
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTICLES=${NEWSHOUND_ARTICLES:-$ROOT/../shared/corpus/articles}
HARNESS=${NEWSHOUND_BENCH_HARNESS:-$ROOT/../shared/bench}
VENV=${VENV:-/tmp/newshound-extract-peers}
OUT=${OUT:-$VENV/out}
if [[ ! -f $ARTICLES/truth.jsonl || ! -f $HARNESS/score_extract.py ]]; then
    echo "extract_peers.sh: needs the article pages at $ARTICLES (truth.jsonl, html/)" >&2
    echo "  and score_extract.py in $HARNESS; set NEWSHOUND_ARTICLES / NEWSHOUND_BENCH_HARNESS." >&2
    exit 1
fi

if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import trafilatura' 2>/dev/null; then
    python3 -m venv "$VENV"
    # lxml_html_clean: justext, which trafilatura imports, needs lxml's cleaner, a package
    # of its own since lxml 5.2.
    "$VENV/bin/pip" install --quiet 'trafilatura==2.3.1' lxml_html_clean
fi
mkdir -p "$OUT"

"$VENV/bin/python" - "$ARTICLES" "$OUT" <<'PY'
import gzip, json, os, sys, time

import trafilatura

articles, out = sys.argv[1], sys.argv[2]
truth = [json.loads(line) for line in open(os.path.join(articles, "truth.jsonl")) if line.strip()]
pages = []
for row in truth:
    with gzip.open(os.path.join(articles, "html", row["id"] + ".html.gz")) as f:
        pages.append((row["id"], row.get("url"), f.read()))
cpu = 0.0
with open(os.path.join(out, "trafilatura.jsonl"), "w") as all_out, \
        open(os.path.join(out, "trafilatura-odd.jsonl"), "w") as odd, \
        open(os.path.join(out, "trafilatura-even.jsonl"), "w") as even:
    for id, url, html in pages:
        start = time.process_time()
        text = trafilatura.extract(html, url=url)
        cpu += time.process_time() - start
        line = json.dumps({"id": id, "text": text or ""}) + "\n"
        all_out.write(line)
        (odd if int(id) % 2 else even).write(line)
for half in ("odd", "even"):
    with open(os.path.join(out, f"truth-{half}.jsonl"), "w") as f:
        for row in truth:
            if (int(row["id"]) % 2 == 1) == (half == "odd"):
                f.write(json.dumps(row) + "\n")
print(f"trafilatura {trafilatura.__version__}: {len(pages)} pages, "
      f"{len(pages) / cpu:.1f} pages per CPU-second ({cpu:.1f} CPU-s)")
PY

echo "  all pages: $(python3 "$HARNESS/score_extract.py" "$ARTICLES/truth.jsonl" "$OUT/trafilatura.jsonl")"
for half in odd even; do
    echo "  $half ids: $(python3 "$HARNESS/score_extract.py" "$OUT/truth-$half.jsonl" "$OUT/trafilatura-$half.jsonl")"
done
