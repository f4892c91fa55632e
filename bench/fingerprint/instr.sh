#!/bin/sh
# Instructions per event of grouping_compute (callgrind; deterministic, unaffected by load).
# Usage: sh bench/fingerprint/instr.sh DRIVER [BENCH]  -> lines "SET MODE INSTRUCTIONS_PER_EVENT"
# Sets: gen-* (gen_events.py), bench-* (the first 100 synthetic events of each platform exactly as
# bench_fingerprint times them), the first 100 Defects4J and Socorro events.
set -e
DRV=${1:-build/bench/instr_driver}
BENCH=${2:-build/bench/bench_fingerprint}
W=build/bench/fp-data
mkdir -p "$W"
if [ ! -s "$W/bench-cocoa.jsonl" ]; then
    "$BENCH" --synthetic 100 --dump-synthetic "$W/bench-all.jsonl"
    for p in python node java cocoa; do
        grep "\"platform\":\"$p\"" "$W/bench-all.jsonl" > "$W/bench-$p.jsonl"
    done
fi
for p in python node java cocoa; do
    [ -s "$W/gen-$p.jsonl" ] || /usr/bin/python3 bench/fingerprint/gen_events.py $p 100 > "$W/gen-$p.jsonl"
done
[ -s "$W/d4j-100.jsonl" ] || (gzip -dc "$W/defects4j.jsonl.gz" | head -100 > "$W/d4j-100.jsonl")
[ -s "$W/socorro-100.jsonl" ] || (gzip -dc "$W/socorro.jsonl.gz" | head -100 > "$W/socorro-100.jsonl")
irefs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=grouping_compute \
              "$DRV" "$1" "$2" "$3" 2>&1 >/dev/null | sed -n 's/.*refs: *//p' | tr -d ,; }
for f in ${SETS:-bench-python bench-node bench-java bench-cocoa gen-python gen-node gen-java gen-cocoa d4j-100 socorro-100}; do
    n=$(wc -l < "$W/$f.jsonl")
    for m in none info; do
        a=$(irefs "$W/$f.jsonl" $m 1)
        b=$(irefs "$W/$f.jsonl" $m 2)
        echo "$f $m $(( (b - a) / n ))"
    done
done
