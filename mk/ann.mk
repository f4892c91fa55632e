# src/ann extra targets.
#
#   make ann-tsan          concurrent search-during-insert test under ThreadSanitizer
#   make ann-compare       bench/ann/ann_compare (faultline vs hnswlib vs faiss), see docs/ann.md
#   make ann-bench-run     the recorded comparison (long: run it niced, on an otherwise quiet machine)
#   make ann-crossover     brute force vs graph crossover -> bench/results/ann-crossover.json

ANN_SRCS     := $(sort $(wildcard src/ann/*.c)) src/util/buf.c
ANN_TSAN_BIN := build-tsan/tests/test_ann_concurrent
ANN_CMP_BIN  := $(BUILD)/bench/ann_compare

.PHONY: ann-tsan ann-compare ann-bench-run

$(ANN_TSAN_BIN): tests/unit/test_ann_concurrent.c $(ANN_SRCS) src/ann/ann.h src/ann/ann_int.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -O1 -g -Wall -Wextra -Isrc -fsanitize=thread -o $@ \
	    tests/unit/test_ann_concurrent.c $(ANN_SRCS) -lcmocka -lz -lpthread -lm

ann-tsan: $(ANN_TSAN_BIN)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ANN_TEST_SCALE=1 $(ANN_TSAN_BIN)

ANN_OBJS     := $(ANN_SRCS:%.c=$(BUILD)/%.o)

# faultline's objects are the normal build (generic x86-64, SIMD chosen at run time); hnswlib and
# faiss get -O3 -march=native, which is how hnswlib selects its AVX-512 kernels.
$(ANN_CMP_BIN): bench/ann/ann_compare.cpp $(ANN_OBJS)
	@mkdir -p $(dir $@)
	g++ -std=c++17 -O3 -march=native -g -Wall -Wextra -Isrc -fopenmp -o $@ $< \
	    $(ANN_OBJS) -lfaiss -lopenblas -lz -lpthread -lm

ann-compare: $(ANN_CMP_BIN)

ann-bench-run: $(ANN_CMP_BIN) $(BUILD)/faultline
	nice -n 10 bench/ann/run.sh

# Size at which the graph beats an exhaustive scan (ANN_BRUTE_FORCE_BELOW in src/ann/ann.h).
$(BUILD)/bench/ann_crossover: bench/ann/crossover.c $(ANN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(ANN_OBJS) -lz -lpthread -lm

.PHONY: ann-crossover
ann-crossover: $(BUILD)/bench/ann_crossover
	{ printf '{"benchmark": "make ann-crossover", "date": "%s", "commit": "%s", "machine": "%s, %s cores, shared with other jobs (CPU time per query, min of 3 rounds)",\n "result": ' \
	    "$$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$(git rev-parse --short HEAD)" \
	    "$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" "$$(nproc)"; \
	  nice -n 10 $<; printf '}\n'; } > bench/results/ann-crossover.json
