#!/bin/sh
# The recorded comparison: faultline vs hnswlib vs faiss on 100,000 x 512-d and 1,000,000 x 64-d,
# random and clustered unit vectors, 1000 queries each, M=16, ef_construction=200, single thread.
# Writes bench/results/ann-<dataset>.json. Run from the repository root after `make ann-compare`;
# `make ann-bench-run` does both, niced. Data go to bench/work/ (ignored by git).
#
# usage: bench/ann/run.sh [DATASET...]   (default: all four; names as below)
#        ANN_LIBS=faultline,hnswlib bench/ann/run.sh 1m64-random
#        ANN_LIBS=faiss-hnsw ANN_TAG=-faiss-hnsw bench/ann/run.sh 512-random   (-> ann-512-random-faiss-hnsw.json)
set -e
BIN=${BUILD:-build}/bench/ann_compare
W=bench/work/ann
R=bench/results
EF=${ANN_EF:-10,20,40,80,100,160,320,640,1280,2560}
mkdir -p $W $R
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

gen() {   # kind n dim seed file point_seed
    [ -s "$5" ] || /usr/bin/python3 bench/ann/gen_vectors.py "$1" "$2" "$3" "$4" "$5" "$6"
}

one() {   # name kind n dim libs
    name=$1 kind=$2 n=$3 dim=$4 libs=$5
    gen $kind $n $dim 1 $W/$name.data 2
    gen $kind 1000 $dim 1 $W/$name.queries 3   # same centres, other points
    echo "== $name ($libs) $(date -u +%H:%M:%S), load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    out=$($BIN --data $W/$name.data --queries $W/$name.queries --dim $dim --k 10 --M 16 --efc 200 \
          --ef $EF --libs $libs --label $name)
    cat > $R/ann-$name${ANN_TAG:-}.json <<JSON
{"benchmark": "bench/ann/run.sh $name", "started": "$start", "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "machine": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(getconf _NPROCESSORS_ONLN) cores, shared with other engineers' jobs (load average at end: $(cut -d' ' -f1-3 /proc/loadavg)); every library single-threaded, one after the other",
 "commit": "$(git rev-parse --short HEAD)",
 "result": $out}
JSON
    echo "wrote $R/ann-$name${ANN_TAG:-}.json" >&2
}

ALL="512-clustered 512-random 1m64-clustered 1m64-random"
for d in ${*:-$ALL}; do
    case $d in
    512-clustered) one $d clustered 100000 512 ${ANN_LIBS:-faultline,hnswlib,faiss-hnsw,faiss-flat} ;;
    512-random)    one $d random 100000 512 ${ANN_LIBS:-faultline,hnswlib,faiss-hnsw,faiss-flat} ;;
    1m64-clustered) one $d clustered 1000000 64 ${ANN_LIBS:-faultline,hnswlib,faiss-flat} ;;
    1m64-random)   one $d random 1000000 64 ${ANN_LIBS:-faultline,hnswlib,faiss-flat} ;;
    *) echo "unknown dataset $d" >&2; exit 2 ;;
    esac
done
