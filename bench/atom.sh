#!/bin/bash
# How fast the listener serves a watchlist's Atom feed from a database that bench/e2e.sh
# filled (N feeds polled twice, thousands of matches per watchlist, all within the
# feeds' 30 days), measured with wrk on loopback.
#
#   bench/atom.sh [DB_DIR]     default: $FB_RUN/newshound/n10000 (FB_RUN=/tmp/feedbench)
#
# Copies the database (the daemon writes to it) and runs `newshound run` on it with only
# the watchlists of its config and `[server] listen`, no feeds, so nothing else runs.
# Prints, per watchlist, the matches it has and one feed's size and time, then wrk's
# latency and rate for the busiest watchlist with 1 and 4 connections, and a 304's time.
# Needs wrk and sqlite3 (apt-get install wrk sqlite3) and a release build (cargo build
# --release).
set -euo pipefail
cd "$(dirname "$0")/.."
FB_RUN=${FB_RUN:-/tmp/feedbench}
SOURCE=${1:-$FB_RUN/newshound/n10000}
PORT=${PORT:-9191}
WORK=$(mktemp -d)
trap 'kill "$DAEMON" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cp "$SOURCE/newshound.db" "$WORK/newshound.db"
{
    printf '[storage]\npath = "%s"\n\n[server]\nlisten = "127.0.0.1:%s"\n\n' "$WORK/newshound.db" "$PORT"
    awk '/^\[\[watchlists\]\]/{on=1} /^\[\[/ && !/^\[\[watchlists\]\]/{on=0} on' "$SOURCE/newshound.toml"
} > "$WORK/newshound.toml"
target/release/newshound --config "$WORK/newshound.toml" run 2> "$WORK/daemon.log" &
DAEMON=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break
    sleep 0.2
done

echo "database: $SOURCE ($(du -h "$WORK/newshound.db" | cut -f1))"
busiest=""
while read -r name count; do
    [ -z "$busiest" ] && busiest=$name
    # The first request reads the database from disk; the figure is the second's.
    url="http://127.0.0.1:$PORT/watchlists/$name.atom"
    curl -s -o /dev/null "$url"
    curl -s -o /dev/null -w "  $name: $count matches, feed %{size_download} bytes in %{time_total} s\n" "$url"
done < <(sqlite3 "$WORK/newshound.db" \
    "SELECT watchlist || ' ' || COUNT(*) FROM matches GROUP BY watchlist ORDER BY COUNT(*) DESC")

url="http://127.0.0.1:$PORT/watchlists/$busiest.atom"
for connections in 1 4; do
    echo "wrk, $connections connection(s), 15 s, /watchlists/$busiest.atom:"
    wrk -t"$(( connections < 2 ? 1 : 2 ))" -c"$connections" -d15s --latency "$url" \
        | grep -E "^ +(50|90|99)%|Requests/sec"
done
etag=$(curl -sI "$url" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')
curl -s -o /dev/null -H "If-None-Match: $etag" -w "a 304 (If-None-Match): %{http_code} in %{time_total} s\n" "$url"
