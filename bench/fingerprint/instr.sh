#!/bin/sh
# Instructions per event of grouping_compute (callgrind; deterministic, unaffected by load).
# Usage: sh bench/fingerprint/instr.sh DRIVER   -> lines "SET MODE INSTRUCTIONS_PER_EVENT"
set -e
DRV=${1:-build/bench/instr_driver}
W=build/bench/fp-data
mkdir -p "$W"
for p in python node java cocoa; do
    [ -s "$W/gen-$p.jsonl" ] || /usr/bin/python3 bench/fingerprint/gen_events.py $p 100 > "$W/gen-$p.jsonl"
done
[ -s "$W/d4j-100.jsonl" ] || (gzip -dc "$W/defects4j.jsonl.gz" | head -100 > "$W/d4j-100.jsonl")
[ -s "$W/socorro-100.jsonl" ] || (gzip -dc "$W/socorro.jsonl.gz" | head -100 > "$W/socorro-100.jsonl")
irefs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=grouping_compute \
              "$DRV" "$1" "$2" "$3" 2>&1 >/dev/null | sed -n 's/.*refs: *//p' | tr -d ,; }
for f in gen-python gen-node gen-java gen-cocoa d4j-100 socorro-100; do
    n=$(wc -l < "$W/$f.jsonl")
    for m in none info; do
        a=$(irefs "$W/$f.jsonl" $m 1)
        b=$(irefs "$W/$f.jsonl" $m 2)
        echo "$f $m $(( (b - a) / n ))"
    done
done
