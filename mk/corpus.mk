# Labelled error-event corpus (train/corpus, issue 7).
#   make corpus          rebuild everything from scratch (Debian + npm packages only), print the time
#   make corpus-assemble re-assemble train/dev from the per-library outputs already built
#   make corpus-convert  convert shared/datasets (Defects4J, Socorro) into the eval format
#   make corpus-check    quick self-checks of the builders and converters (no build)
# Builders run niced, one process at a time, with a per-mutant timeout.
CORPUS_DIR    := train/corpus
CORPUS_PY     := /usr/bin/python3
CORPUS_LANGS  ?= python node ruby go

.PHONY: corpus corpus-deps corpus-langs corpus-assemble corpus-convert corpus-check

# Each step is its own recipe line: only the $(MAKE) line runs under `make -n` (and then as -n too).
CORPUS_T0 := $(shell date +%s)
corpus:
	rm -rf $(CORPUS_DIR)/work
	$(MAKE) --no-print-directory corpus-deps corpus-langs corpus-assemble corpus-convert
	@t=$$(( $$(date +%s) - $(CORPUS_T0) )); echo "make corpus: done in $$t s ($$((t / 60)) min)"

corpus-deps:
	@if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y --no-install-recommends $$(grep -v '^#' $(CORPUS_DIR)/apt-packages.txt) >/dev/null; \
	else echo "corpus-deps: not root; assuming the packages in $(CORPUS_DIR)/apt-packages.txt are installed"; fi
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "corpus-deps: node and npm are needed"; exit 1; }

corpus-langs:
	@for l in $(CORPUS_LANGS); do \
	    echo "== corpus: $$l"; \
	    FL_REBUILD=1 nice -n 10 $(CORPUS_PY) $(CORPUS_DIR)/$$l/build_$$l.py || exit 1; \
	done

corpus-assemble:
	$(CORPUS_PY) $(CORPUS_DIR)/assemble.py

corpus-convert:
	$(CORPUS_PY) tools/convert_defects4j.py --out $(CORPUS_DIR)/out/defects4j.jsonl.gz
	$(CORPUS_PY) tools/convert_socorro.py --out $(CORPUS_DIR)/work/converted/socorro.jsonl.gz

corpus-check:
	$(CORPUS_PY) tools/convert_defects4j.py --selfcheck
	$(CORPUS_PY) tools/convert_socorro.py --selfcheck
	$(CORPUS_PY) $(CORPUS_DIR)/check_corpus.py --selfcheck
	$(CORPUS_PY) $(CORPUS_DIR)/python/build_python.py --selfcheck
	@if command -v ruby >/dev/null; then $(CORPUS_PY) $(CORPUS_DIR)/ruby/build_ruby.py --selfcheck; \
	else echo "build_ruby selfcheck: skipped (no ruby)"; fi
	@if command -v gofmt >/dev/null; then $(CORPUS_PY) $(CORPUS_DIR)/go/build_go.py --selfcheck; \
	else echo "build_go selfcheck: skipped (no go)"; fi
	@if [ -d $(CORPUS_DIR)/work/node/node_modules/@babel/parser ]; then $(CORPUS_PY) $(CORPUS_DIR)/node/build_node.py --selfcheck; \
	else echo "build_node selfcheck: skipped (needs npm ci: run make corpus)"; fi
