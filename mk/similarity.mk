# bench/similarity: the new-fingerprint path and digest throughput with similarity on.
$(BUILD)/bench/bench_similarity: bench/similarity/bench_similarity.c $(BUILD)/libfaultline.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfaultline.a $(LDLIBS)

.PHONY: bench-similarity
bench-similarity: $(BUILD)/bench/bench_similarity
	$(BUILD)/bench/bench_similarity --issues 10000 --events 300 --out bench/results/similarity-10k.json
	$(BUILD)/bench/bench_similarity --issues 100000 --events 300 --out bench/results/similarity-100k.json
	cat bench/results/similarity-10k.json bench/results/similarity-100k.json
