# libFuzzer targets (clang): the parsers that see hostile bytes (tests/fuzz/).
#   make fuzz                        build the fuzzers and replay the seed corpora (tests/fuzz/corpus/)
#   make fuzz-run FUZZ_SECONDS=600   fuzz each target that long; new inputs go to build-fuzz/corpus/
# A crash leaves build-fuzz/crash-*; add the input to tests/fuzz/corpus/<target>/ once fixed, so
# that `make fuzz` (run by CI) replays it from then on.

FUZZ_CC ?= clang
FUZZ_DIR := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -std=gnu17 -g -O1 -Wall -Wextra -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc
FUZZ_TARGETS := grouping json ingest gguf tokenize api
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

FUZZ_SRCS_grouping = $(GROUPING_SRCS)
FUZZ_LIBS_grouping = $(shell pkg-config --libs $(GROUPING_PKGS)) -lpthread
FUZZ_SRCS_json := src/util/buf.c src/util/jsonscan.c
FUZZ_LIBS_json := -ljansson -lm
FUZZ_SRCS_ingest := src/util/buf.c src/util/jsonscan.c src/util/compress.c src/ingest/auth.c src/ingest/envelope.c
FUZZ_LIBS_ingest := -ljansson -lz -lbrotlidec -lzstd -lpthread
FUZZ_SRCS_gguf := src/util/buf.c $(addprefix src/embed/,gguf.c tok.c tok_bpe.c tok_unigram.c tok_wordpiece.c unicode_tab.c)
FUZZ_LIBS_gguf := -lm -lpthread
FUZZ_SRCS_tokenize := $(FUZZ_SRCS_gguf)
FUZZ_LIBS_tokenize := $(FUZZ_LIBS_gguf)
FUZZ_SRCS_api = $(SRCS)
FUZZ_LIBS_api = $(shell pkg-config --cflags --libs $(PKGS)) -ldnnl -lgomp -lpq -lpthread -lm

.PHONY: fuzz fuzz-run

# Sources are named in the recipe (expanded when it runs, after mk/grouping.mk set GROUPING_SRCS);
# any source change rebuilds.
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard src/*/*.c src/*/*.h)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*)

# Replays every seed (and every input that once crashed) through each fuzzer: a regression test.
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do echo "== fuzz_$$t: replaying tests/fuzz/corpus/$$t"; \
	    if ! $(FUZZ_ENV) $(FUZZ_DIR)/fuzz_$$t -runs=0 -artifact_prefix=$(FUZZ_DIR)/ tests/fuzz/corpus/$$t > $(FUZZ_DIR)/replay-$$t.log 2>&1; then \
	        tail -n 40 $(FUZZ_DIR)/replay-$$t.log; echo "fuzz_$$t: FAILED"; exit 1; fi; \
	    tail -n 1 $(FUZZ_DIR)/replay-$$t.log; done

fuzz-run: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_DIR)/corpus/$$t; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    if ! $(FUZZ_ENV) $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -dict=tests/fuzz/json.dict -artifact_prefix=$(FUZZ_DIR)/ \
	        $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t > $(FUZZ_DIR)/run-$$t.log 2>&1; then \
	        tail -n 40 $(FUZZ_DIR)/run-$$t.log; echo "fuzz_$$t: FAILED"; exit 1; fi; \
	    tail -n 1 $(FUZZ_DIR)/run-$$t.log; done
