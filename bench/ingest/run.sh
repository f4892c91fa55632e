#!/usr/bin/env bash
# Ingestion benchmark: builds faultline and the load generator, starts `faultline serve` on a fresh
# data directory, loads it for DURATION seconds with SDK-shaped envelopes, samples the server's
# RSS (/proc) and GET /api/0/stats/ every second, waits for the digest to drain the inbox, and
# writes bench/results/ingest-LABEL-DATE.json (machine, command, numbers, timeline).
#
# usage: bench/ingest/run.sh [--duration 30] [--connections 16] [--sizes 5000] [--gzip 0.3]
#                            [--types 20] [--label NAME] [--drain-timeout 300] [--no-build]
#                            [-- extra faultline serve flags]
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=30 CONNECTIONS=16 SIZES=5000 GZIP=0.3 TYPES=20 LABEL="" DRAIN_TIMEOUT=300 BUILD=1
SERVE_EXTRA=()
ORIG_ARGS="$*"
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        --gzip) GZIP=$2; shift 2 ;;
        --types) TYPES=$2; shift 2 ;;
        --label) LABEL=$2; shift 2 ;;
        --drain-timeout) DRAIN_TIMEOUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --) shift; SERVE_EXTRA=("$@"); break ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
LABEL=${LABEL:-${SIZES//,/-}b-${DURATION}s}

cd "$REPO"
FAULTLINE_BIN=${FAULTLINE_BIN:-$REPO/build/faultline}
LOADGEN=${LOADGEN:-$REPO/build/bench/loadgen}
if [ "$BUILD" = 1 ]; then
    make -j2 build/faultline build/bench/loadgen >/dev/null
fi

WORK=$(mktemp -d /tmp/faultline-bench.XXXXXX)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA=$WORK/data
SERVER_PID="" SAMPLER_PID=""
cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

TOKEN=$("$FAULTLINE_BIN" token create --data "$DATA" | tail -n 1)
DSN=$("$FAULTLINE_BIN" project create bench --data "$DATA" | tail -n 1)
KEY=$(sed -E 's#^https?://([0-9a-zA-Z]+)(:[^@]*)?@.*#\1#' <<<"$DSN")
PROJECT_ID=${DSN##*/}

SERVE_CMD=("$FAULTLINE_BIN" serve --listen "127.0.0.1:$PORT" --data "$DATA" ${SERVE_EXTRA[@]+"${SERVE_EXTRA[@]}"})
"${SERVE_CMD[@]}" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 200); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/api/0/projects/" && break
    sleep 0.05
done

stats() { curl -s -m 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/0/stats/" || echo '{}'; }

# One line a second: seconds since start, VmRSS kB, VmHWM kB, server CPU ticks (utime+stime), stats JSON.
T0=$(date +%s.%N)
elapsed() { awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN { printf "%.3f", a - b }'; }
(
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        rss=$(awk '/^VmRSS/{print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
        hwm=$(awk '/^VmHWM/{print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
        ticks=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo 0)
        echo "$(elapsed) ${rss:-0} ${hwm:-0} ${ticks:-0} $(stats)"
        sleep 1
    done
) >"$WORK/samples.txt" &
SAMPLER_PID=$!

# CPU ticks per server thread name ("comm ticks" lines), to split the server's CPU by role.
threads() {
    for t in /proc/"$SERVER_PID"/task/*; do
        echo "$(cat "$t/comm" 2>/dev/null | tr ' ' _) $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
    done
}

LOADGEN_CMD=("$LOADGEN" --url "http://127.0.0.1:$PORT/api/$PROJECT_ID/envelope/" --key "$KEY"
             --connections "$CONNECTIONS" --duration "$DURATION" --sizes "$SIZES" --gzip "$GZIP"
             --types "$TYPES" --timeline "$WORK/timeline.txt")
echo "loading 127.0.0.1:$PORT for ${DURATION}s ($CONNECTIONS connections, sizes $SIZES, gzip $GZIP)" >&2
threads >"$WORK/threads-start.txt"
LOAD_START=$(elapsed)
"${LOADGEN_CMD[@]}" >"$WORK/loadgen.json"
LOAD_END=$(elapsed)
threads >"$WORK/threads-load-end.txt"
cat "$WORK/loadgen.json" >&2

# Let the digest drain what was accepted.
DEADLINE=$(( $(date +%s) + DRAIN_TIMEOUT ))
while [ "$(date +%s)" -lt "$DEADLINE" ]; do
    pending=$(stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("inbox_pending", -1))' 2>/dev/null || echo -1)
    [ "$pending" = 0 ] && break
    sleep 0.5
done
DRAIN_END=$(elapsed)
threads >"$WORK/threads-drain-end.txt"
FINAL_STATS=$(stats)
sleep 1.2    # one more sample after the drain
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

mkdir -p bench/results
OUT="bench/results/ingest-$LABEL-$(date -u +%Y%m%dT%H%M%SZ).json"
/usr/bin/python3 "$REPO/bench/ingest/report.py" \
    --loadgen "$WORK/loadgen.json" --samples "$WORK/samples.txt" --timeline "$WORK/timeline.txt" \
    --load-start "$LOAD_START" --load-end "$LOAD_END" --drain-end "$DRAIN_END" \
    --final-stats "$FINAL_STATS" --clock-ticks "$(getconf CLK_TCK)" \
    --threads "$WORK/threads-start.txt" "$WORK/threads-load-end.txt" "$WORK/threads-drain-end.txt" \
    --command "bench/ingest/run.sh $ORIG_ARGS" \
    --serve-command "${SERVE_CMD[*]}" --loadgen-command "${LOADGEN_CMD[*]}" \
    --server-log "$WORK/server.log" --out "$OUT"
echo "wrote $OUT" >&2
rm -rf "$WORK"
