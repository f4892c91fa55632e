# Ingestion benchmark (bench/ingest): the C load generator and the run script.
#   make bench-ingest-build                 builds build/bench/loadgen
#   make bench-ingest [INGEST_BENCH_ARGS=…] runs bench/ingest/run.sh (starts a server, loads it,
#                                           writes bench/results/ingest-*.json)
LOADGEN := $(BUILD)/bench/loadgen

$(LOADGEN): bench/ingest/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lz -lpthread

.PHONY: bench-ingest-build bench-ingest
bench-ingest-build: $(LOADGEN)

bench-ingest: $(BUILD)/faultline $(LOADGEN)
	FAULTLINE_BIN=$(abspath $(BUILD)/faultline) LOADGEN=$(abspath $(LOADGEN)) bench/ingest/run.sh $(INGEST_BENCH_ARGS)
