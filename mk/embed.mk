# Embedding module: benchmark and golden-file targets (see docs/embedding.md).

EMBED_BENCH := $(BUILD)/bench/bench_embed

$(EMBED_BENCH): bench/embed/bench_embed.c $(BUILD)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfaultline.a $(LDLIBS)

.PHONY: bench-embed-bin
bench-embed-bin: $(EMBED_BENCH)

# Random-weight models of real shapes for the benchmark (not committed; bench/work is ignored).
EMBED_WORK := bench/work/embed
$(EMBED_WORK)/minilm-l6-random.gguf: train/make_random_gguf.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 train/make_random_gguf.py --arch bert --vocab tests/embed/vocab/ggml-vocab-bert-bge.gguf \
	    --layers 6 --width 384 --heads 12 --ffn 1536 --context 512 --out $@
$(EMBED_WORK)/jina-v2-base-code-random.gguf: train/make_random_gguf.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 train/make_random_gguf.py --arch jina-bert-v2 --vocab tests/embed/vocab/ggml-vocab-gpt-2.gguf \
	    --layers 12 --width 768 --heads 12 --ffn 3072 --context 8192 --f16 --out $@

EMBED_BENCH_THREADS ?= 1
EMBED_BENCH_SECONDS ?= 1
EMBED_BENCH_ROUNDS ?= 3
.PHONY: bench-embed
bench-embed: $(EMBED_BENCH) $(EMBED_WORK)/minilm-l6-random.gguf $(EMBED_WORK)/jina-v2-base-code-random.gguf
	EMBED_BENCH_ROUNDS=$(EMBED_BENCH_ROUNDS) /usr/bin/python3 bench/embed/run_bench.py $(EMBED_BENCH) $(EMBED_BENCH_THREADS) $(EMBED_BENCH_SECONDS) \
	    models/use-lite.gguf $(EMBED_WORK)/minilm-l6-random.gguf $(EMBED_WORK)/jina-v2-base-code-random.gguf

# Python-side checks (need /usr/bin/python3 with torch): the PyTorch USE-Lite reference against the
# JavaScript goldens, and the Hugging Face -> GGUF converter round trip.
.PHONY: embed-check-python
embed-check-python:
	/usr/bin/python3 train/use_lite.py models/use-lite.gguf --check tests/embed/use_lite_golden.jsonl
	/usr/bin/python3 train/check_convert_hf.py tests/embed/bert-tiny.gguf tests/embed/jina-tiny.gguf
