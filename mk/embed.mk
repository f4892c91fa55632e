# Embedding module: benchmark and golden-file targets (see docs/embedding.md).

EMBED_BENCH := $(BUILD)/bench/bench_embed

$(EMBED_BENCH): bench/embed/bench_embed.c $(BUILD)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfaultline.a $(LDLIBS)

.PHONY: bench-embed-bin
bench-embed-bin: $(EMBED_BENCH)
