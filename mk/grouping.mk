# src/event + src/grouping extra targets (issue 3).
#   make bench-fingerprint   normalise + fingerprint throughput, one core -> bench/results/fingerprint.json
#   make grouping-asan       grouping/event unit tests and generated hostile events under ASan+UBSan
#   make grouping-info-examples   run `faultline grouping-info` over tests/grouping/*.json
#   make bench-fingerprint-instr  instructions per event under callgrind (deterministic)

FP_BENCH_BIN := $(BUILD)/bench/bench_fingerprint
GROUPING_SRCS := src/util/buf.c src/util/jsonscan.c src/util/jsonarena.c $(sort $(wildcard src/event/*.c)) \
                 $(addprefix src/grouping/,component.c compute.c enhance.c fprules.c funcname.c \
                                           param.c rules_builtin.c strategy.c support.c)
GROUPING_PKGS := jansson libpcre2-8 libcrypto
GROUPING_ASAN_DIR := build-asan/grouping

FP_INSTR_BIN := $(BUILD)/bench/instr_driver

.PHONY: bench-fingerprint bench-fingerprint-instr grouping-asan grouping-info-examples

# The bench links only what it measures (event + grouping + util), at the normal build flags.
$(FP_BENCH_BIN): bench/fingerprint/bench_fingerprint.c $(GROUPING_SRCS) src/grouping/grouping.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -O2 -fno-plt -g -Wall -Wextra -Isrc $(shell pkg-config --cflags $(GROUPING_PKGS)) -o $@ \
	    $< $(GROUPING_SRCS) $(shell pkg-config --libs $(GROUPING_PKGS)) -lz -lpthread

bench-fingerprint: $(FP_BENCH_BIN)
	sh bench/fingerprint/run.sh $(FP_BENCH_BIN)

$(FP_INSTR_BIN): bench/fingerprint/instr_driver.c $(GROUPING_SRCS) src/grouping/grouping.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -O2 -fno-plt -g -Wall -Wextra -Isrc $(shell pkg-config --cflags $(GROUPING_PKGS)) -o $@ \
	    $< $(GROUPING_SRCS) $(shell pkg-config --libs $(GROUPING_PKGS)) -lpthread

bench-fingerprint-instr: $(FP_INSTR_BIN) $(FP_BENCH_BIN)
	@[ -s $(BUILD)/bench/fp-data/defects4j.jsonl.gz ] || sh bench/fingerprint/run.sh $(FP_BENCH_BIN)
	sh bench/fingerprint/instr.sh $(FP_INSTR_BIN) $(FP_BENCH_BIN)

grouping-asan:
	@mkdir -p $(GROUPING_ASAN_DIR)
	@set -e; for t in test_event test_normalize test_rules test_grouping; do \
	    $(CC) -std=gnu17 -O1 -g -Wall -Wextra $(SANFLAGS) -Isrc $(shell pkg-config --cflags $(GROUPING_PKGS)) \
	        -o $(GROUPING_ASAN_DIR)/$$t tests/unit/$$t.c $(GROUPING_SRCS) \
	        $(shell pkg-config --libs $(GROUPING_PKGS)) -lcmocka -lpthread; \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(GROUPING_ASAN_DIR)/$$t; done
	$(CC) -std=gnu17 -O1 -g -Wall -Wextra $(SANFLAGS) -Isrc $(shell pkg-config --cflags $(GROUPING_PKGS)) \
	    -o $(GROUPING_ASAN_DIR)/hostile tests/grouping/hostile.c $(GROUPING_SRCS) \
	    $(shell pkg-config --libs $(GROUPING_PKGS)) -lpthread
	/usr/bin/python3 tests/grouping/gen_hostile.py > $(GROUPING_ASAN_DIR)/hostile.jsonl
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(GROUPING_ASAN_DIR)/hostile $(GROUPING_ASAN_DIR)/hostile.jsonl
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(GROUPING_ASAN_DIR)/hostile $(GROUPING_ASAN_DIR)/hostile.jsonl rules

grouping-info-examples: $(BUILD)/faultline
	@for f in tests/grouping/*.json; do echo "== $$f"; $(BUILD)/faultline grouping-info $$f --compact \
	    | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hashes"], d["title"])'; done
