# Fine-tuning USE-Lite on stack traces (train/finetune*.py; see docs/finetune.md).
# Nothing here runs as part of `make` or `make test`: these are explicit, slow, CPU-bound steps.
#
#   make finetune FT_TRAIN=train/corpus/out/train.jsonl.gz     # texts -> features -> head fine-tune
#   make finetune-eval FT_DEV=train/corpus/out/dev.jsonl.gz    # raw vs fine-tuned, faultline eval

FT_TRAIN ?= train/corpus/out/train.jsonl.gz
FT_DEV   ?= train/corpus/out/dev.jsonl.gz
FT_WORK  ?= $(BUILD)/finetune
FT_OUT   ?= models/use-lite-ft.gguf
FT_ARGS  ?= --epochs 30 --lr 1e-3 --tau 0.1 --groups 16 --per-group 4 --seed 1
FT_SWEEP ?= 0:0.4:0.01

.PHONY: finetune finetune-eval

$(FT_WORK)/train.jsonl: $(FT_TRAIN) $(BUILD)/faultline train/finetune_texts.py
	@mkdir -p $(FT_WORK)
	nice /usr/bin/python3 train/finetune_texts.py $(FT_TRAIN) $@ --faultline $(BUILD)/faultline

$(FT_WORK)/train.npy: $(FT_WORK)/train.jsonl train/finetune_features.py
	nice /usr/bin/python3 train/finetune_features.py $< $@ --faultline $(BUILD)/faultline --tmp $(FT_WORK)

finetune: $(FT_WORK)/train.npy
	nice /usr/bin/python3 train/finetune.py --train $(FT_WORK)/train.jsonl --features $< \
		--model models/use-lite.gguf --out $(FT_OUT) --val-out $(FT_WORK)/val-groups.txt $(FT_ARGS)

finetune-eval: $(BUILD)/faultline
	@mkdir -p $(FT_WORK)
	for m in models/use-lite.gguf $(FT_OUT); do \
		nice $(BUILD)/faultline eval $(FT_DEV) --strategy hybrid --sweep --sweep-range $(FT_SWEEP) \
			--json --model $$m --plot $(FT_WORK)/$$(basename $$m .gguf).svg \
			> $(FT_WORK)/eval-$$(basename $$m .gguf).json || exit 1; \
	done
