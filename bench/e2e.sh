#!/bin/bash
# End-to-end benchmark: newshound polling N generated news feeds served by nginx on
# loopback, mailing digests to a local SMTP server, measured side by side with rss2email.
#
#   bench/e2e.sh [N ...]                 default: 1000 10000
#
# Uses the feed-monitoring harness in ../shared/bench (gen_corpus.py, serve.sh,
# smtp_sink.sh, measure.py, run_peer_rss2email.sh); set NEWSHOUND_BENCH_HARNESS to its
# folder if it lives elsewhere. Writes bench/RESULTS.md (the table) and keeps the raw
# records in $FB_RUN/results/.
#
# Environment (all optional):
#   REPS=3                repetitions of newshound's sequence per N
#   REPS_LARGE=$REPS      repetitions at N >= 10000 (generating that corpus takes minutes)
#   PEER_N="1000"         sizes at which rss2email runs the same workload (REPS_PEER=1
#                         repetition; about 4 min at N=1000 and 40 min at N=10000)
#   IDLE_SECONDS=30       how long the idle daemon is watched
#   PORT=8088 SMTP_PORT=2525 FB_RUN=/tmp/feedbench SEED=42
#   FULLTEXT=             full text: "always" (or 1) or "auto" generates the corpus with
#                         an article page per item (`gen_corpus.py --articles`) and reads
#                         them, with a first poll's bounds widened for the corpus' 2024
#                         dates; matches are checked against `fulltext_matches`. Without
#                         it, full text is off ("never"). PEER_N defaults to none then.
#   REPORT=bench/RESULTS.md  (bench/RESULTS-fulltext.md with FULLTEXT) where the table goes
#
# Sequence per N and repetition, each step measured by measure.py (wall, CPU, peak RSS,
# HTTP requests and mails):
#   corpus reset to round 0, fresh database
#   first_poll       `poll --once`: every item new              then matches vs truth
#   first_digest     `digest send`: one digest of every match
#   second_nochange  `poll --once` at once: every feed 304
#   (gen_corpus.py advance: 10% of the feeds get 1-5 new items)
#   after_advance    `poll --once`                              then new matches vs truth
#   advance_digest   `digest send`: the new matches
#   idle             `run` with every feed polled, once its start-up work is done:
#                    RSS and CPU over IDLE_SECONDS
# after each poll, the requests it made for feeds and for article pages; after the first
# poll and after the advance, the database's size and bytes per item; and once per N the
# parse floor: bare feed-rs and newshound's parser over the same files.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${NEWSHOUND_BENCH_HARNESS:-$ROOT/../shared/bench}
if [[ ! -x $HARNESS/gen_corpus.py ]]; then
    echo "e2e.sh: the benchmark harness is not at $HARNESS (gen_corpus.py, serve.sh, ...)." >&2
    echo "        It is not part of this repository; set NEWSHOUND_BENCH_HARNESS to its folder." >&2
    exit 1
fi
HARNESS=$(cd "$HARNESS" && pwd)
export FB_RUN=${FB_RUN:-/tmp/feedbench}
PORT=${PORT:-8088}
SMTP_PORT=${SMTP_PORT:-2525}
REPS=${REPS:-3}
REPS_LARGE=${REPS_LARGE:-$REPS}
REPS_PEER=${REPS_PEER:-1}
# rss2email reads no articles: with full text it runs only when PEER_N is set.
if [[ -n ${FULLTEXT:-} ]]; then PEER_N=${PEER_N-}; else PEER_N=${PEER_N-1000}; fi
IDLE_SECONDS=${IDLE_SECONDS:-30}
SEED=${SEED:-42}
FULLTEXT=${FULLTEXT:-}
[[ $FULLTEXT != 1 ]] || FULLTEXT=always
if [[ -n $FULLTEXT ]]; then
    REPORT=${REPORT:-$ROOT/bench/RESULTS-fulltext.md}
fi
REPORT=${REPORT:-$ROOT/bench/RESULTS.md}
SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(1000 10000)
WWW=$FB_RUN/www
STAMP=$(date -u +%Y%m%dT%H%M%S)
RESULTS=$FB_RUN/results/newshound${FULLTEXT:+-fulltext}-$STAMP.jsonl
PEER_RESULTS=$FB_RUN/results/rss2email-$STAMP.jsonl
mkdir -p "$WWW" "$FB_RUN/results"

# --- what the harness needs -----------------------------------------------------------
missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
[[ -x /usr/bin/time ]] || missing+=(time)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || missing+=(python3-feedparser)
[[ -z $PEER_N ]] || command -v r2e >/dev/null || missing+=(rss2email)
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "e2e.sh: please install ${missing[*]} (Debian package names)" >&2
        exit 1
    fi
fi

echo "== building newshound (release)"
(cd "$ROOT" && cargo build --release --locked --bin newshound --example parse_floor)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/newshound
FLOOR=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/parse_floor
VERSION=$("$BIN" --version | awk '{print $2}')

# --- services ---------------------------------------------------------------------------
STARTED=()
DAEMON=
cleanup() {
    [[ -z $DAEMON ]] || kill "$DAEMON" 2>/dev/null || true
    for s in "${STARTED[@]}"; do
        case $s in
        nginx) "$HARNESS/serve.sh" stop ;;
        sink) "$HARNESS/smtp_sink.sh" stop ;;
        esac
    done
}
trap cleanup EXIT
if ! "$HARNESS/serve.sh" status >/dev/null 2>&1; then
    "$HARNESS/serve.sh" start "$WWW" "$PORT"
    STARTED+=(nginx)
fi
PORT=$(cat "$FB_RUN/nginx/port")
if ! "$HARNESS/smtp_sink.sh" status >/dev/null 2>&1; then
    "$HARNESS/smtp_sink.sh" start "$FB_RUN/mail" "$SMTP_PORT"
    STARTED+=(sink)
fi
MAILDIR=$(cat "$FB_RUN/smtp/dir")


# --- helpers ------------------------------------------------------------------------------
truth() { # truth N KEY -> value from the corpus' current-round truth file
    python3 - "$WWW/n$1" "$2" <<'EOF'
import json, sys, os
st = json.load(open(os.path.join(sys.argv[1], "corpus-state.json")))
t = json.load(open(os.path.join(sys.argv[1], "truth", "round-%03d.json" % st["round"])))
print(t[sys.argv[2]])
EOF
}

measure() { # measure LABEL N REP -- CMD...
    local label=$1 n=$2 rep=$3
    shift 4
    python3 "$HARNESS/measure.py" --out "$RESULTS" --label "$label" --maildir "$MAILDIR" \
        --nginx-log "$FB_RUN/nginx/access.log" \
        --meta peer=newshound --meta version="$VERSION" --meta n="$n" --meta rep="$rep" \
        --meta full_text="${FULLTEXT:-never}" \
        --meta items="$(truth "$n" n_items)" --meta new_items="$(truth "$n" new_items_this_round)" \
        -- "$@"
}

record() { # record JSON: one more line of results, with peer and version added
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r.update(peer="newshound", version=sys.argv[2]); print(json.dumps(r))' \
        "$1" "$VERSION" >>"$RESULTS"
}

check() { # check N REP LABEL all|new BEFORE AFTER
    local result
    result=$(python3 "$ROOT/bench/e2e_check.py" compare "$WWW/n$1" "$4" "$5" "$6" ${FULLTEXT:+fulltext})
    echo "   $3: $result"
    record "$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r.update(label=sys.argv[2], n=sys.argv[3], rep=sys.argv[4]); print(json.dumps(r))' \
        "$result" "$3" "$1" "$2")"
}

labelled() { # labelled LABEL N REP JSON: one more line of results, labelled
    record "$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r.update(label=sys.argv[2], n=sys.argv[3], rep=sys.argv[4]); print(json.dumps(r))' \
        "$4" "$1" "$2" "$3")"
}

polled() { # polled LABEL N REP CONFIG: measure a `poll --once`, then split its requests
    local before after
    before=$(wc -l <"$FB_RUN/nginx/access.log")
    measure "$1" "$2" "$3" -- "$BIN" -c "$4" poll --once
    after=$(wc -l <"$FB_RUN/nginx/access.log")
    local split
    split=$(python3 "$ROOT/bench/e2e_check.py" requests "$FB_RUN/nginx/access.log" "$before" "$after")
    echo "   $1 requests: $split"
    labelled "requests_$1" "$2" "$3" "$split"
}

stored() { # stored LABEL N REP DB: the database's size and bytes per item
    local line
    line=$(python3 "$ROOT/bench/e2e_check.py" storage "$4")
    echo "   $1: $line"
    labelled "$1" "$2" "$3" "$line"
}

TICKS=$(getconf CLK_TCK)
proc_cpu() { # CPU seconds (user + system) of PID so far
    awk -v hz="$TICKS" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

proc_kb() { # proc_kb PID FIELD -> kB from /proc/PID/status
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

idle() { # idle N REP CONFIG: the daemon with every feed just polled
    local n=$1 rep=$2 config=$3 log=$FB_RUN/logs/idle-n$1-$2.log
    mkdir -p "$FB_RUN/logs"
    local requests_before
    requests_before=$(wc -l <"$FB_RUN/nginx/access.log")
    "$BIN" -c "$config" run >"$log" 2>&1 &
    DAEMON=$!
    for _ in $(seq 100); do
        grep -q 'newshound started' "$log" && break
        sleep 0.1
    done
    if ! kill -0 "$DAEMON" 2>/dev/null || ! grep -q 'newshound started' "$log"; then
        echo "e2e.sh: the daemon did not start; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    # Start-up work first: the first `run` after `poll --once` matches the stored items
    # against the watchlists it has not recorded yet (backfill). Idle is what follows:
    # wait until a second passes with (almost) no CPU, for at most two minutes.
    local settle=0 before after
    before=$(proc_cpu "$DAEMON")
    while ((settle < 120)); do
        sleep 1
        settle=$((settle + 1))
        after=$(proc_cpu "$DAEMON")
        if awk -v a="$before" -v b="$after" 'BEGIN { exit !(b - a <= 0.02) }'; then
            break
        fi
        before=$after
    done
    local cpu0 cpu1
    cpu0=$(proc_cpu "$DAEMON")
    sleep "$IDLE_SECONDS"
    cpu1=$(proc_cpu "$DAEMON")
    local rss hwm requests
    rss=$(proc_kb "$DAEMON" VmRSS)
    hwm=$(proc_kb "$DAEMON" VmHWM)
    kill -TERM "$DAEMON"
    wait "$DAEMON" || true
    DAEMON=
    requests=$(($(wc -l <"$FB_RUN/nginx/access.log") - requests_before))
    local line
    line=$(printf '{"label":"idle","n":"%s","rep":"%s","settled_after_s":%s,"idle_s":%s,"idle_cpu_s":%s,"rss_kb":%s,"max_rss_kb":%s,"http_requests":%s}' \
        "$n" "$rep" "$settle" "$IDLE_SECONDS" "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" "$rss" "$hwm" "$requests")
    echo "   idle: $line"
    record "$line"
}

# --- the runs ---------------------------------------------------------------------------------
for N in "${SIZES[@]}"; do
    C=$WWW/n$N
    reps=$REPS
    [[ $N -lt 10000 ]] || reps=$REPS_LARGE
    echo "== newshound $VERSION, N=$N, $reps repetitions${FULLTEXT:+, full text $FULLTEXT}"
    ARTICLES=()
    [[ -z $FULLTEXT ]] || ARTICLES=(--articles "http://127.0.0.1:$PORT/n$N")
    python3 "$HARNESS/gen_corpus.py" generate --out "$C" --n "$N" --seed "$SEED" --round 0 "${ARTICLES[@]}" >/dev/null
    chmod -R a+rX "$C"

    for mode in bare newshound; do
        line=$("$FLOOR" "$C/feeds" "$mode")
        echo "   parse floor: $line"
        record "$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r.update(label="parse_floor", n=sys.argv[2]); print(json.dumps(r))' "$line" "$N")"
    done

    for rep in $(seq "$reps"); do
        python3 "$HARNESS/gen_corpus.py" generate --out "$C" --n "$N" --seed "$SEED" --round 0 "${ARTICLES[@]}" >/dev/null
        chmod -R a+rX "$C"
        W=$FB_RUN/newshound/n$N
        rm -rf "$W"
        mkdir -p "$W"
        python3 "$ROOT/bench/e2e_config.py" "$C" "http://127.0.0.1:$PORT/n$N" "$W/newshound.db" "$SMTP_PORT" "${FULLTEXT:-never}" >"$W/newshound.toml"
        CFG=$W/newshound.toml
        : >"$W/none.txt"

        polled first_poll "$N" "$rep" "$CFG"
        stored storage_first "$N" "$rep" "$W/newshound.db"
        python3 "$ROOT/bench/e2e_check.py" snapshot "$BIN" "$CFG" "$W/first.txt"
        check "$N" "$rep" check_first all "$W/none.txt" "$W/first.txt"
        measure first_digest "$N" "$rep" -- "$BIN" -c "$CFG" digest send bench
        polled second_nochange "$N" "$rep" "$CFG"

        python3 "$HARNESS/gen_corpus.py" advance --out "$C" >/dev/null
        chmod -R a+rX "$C"
        polled after_advance "$N" "$rep" "$CFG"
        stored storage_advance "$N" "$rep" "$W/newshound.db"
        python3 "$ROOT/bench/e2e_check.py" snapshot "$BIN" "$CFG" "$W/advance.txt"
        check "$N" "$rep" check_advance new "$W/first.txt" "$W/advance.txt"
        measure advance_digest "$N" "$rep" -- "$BIN" -c "$CFG" digest send bench
        idle "$N" "$rep" "$CFG"
    done
    python3 "$HARNESS/gen_corpus.py" generate --out "$C" --n "$N" --seed "$SEED" --round 0 "${ARTICLES[@]}" >/dev/null
done

if [[ -n $PEER_N ]]; then
    for N in $PEER_N; do
        echo "== rss2email, N=$N, $REPS_PEER repetition(s)"
        REPS=$REPS_PEER NODIGEST_N="" RESULTS=$PEER_RESULTS PORT=$PORT SMTP_PORT=$SMTP_PORT \
            "$HARNESS/run_peer_rss2email.sh" "$N"
    done
fi

python3 "$ROOT/bench/e2e_report.py" --out "$REPORT" "$RESULTS" \
    $([[ -f $PEER_RESULTS ]] && echo "$PEER_RESULTS")
echo "results: $REPORT (raw: $RESULTS)"
