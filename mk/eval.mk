# faultline eval: extra targets of src/eval (see docs/evaluation.md).

# The end-to-end test runs the faultline binary built next to it.
$(BUILD)/tests/test_eval_cli: $(BUILD)/faultline

.PHONY: eval-fixtures eval-tiny
# Regenerate the hand-made fixture dataset (its expected metrics are in tests/eval/README.md).
eval-fixtures:
	/usr/bin/python3 tests/eval/make_tiny.py tests/eval/tiny.jsonl

# Evaluate every strategy on the fixture.
eval-tiny: $(BUILD)/faultline
	$(BUILD)/faultline eval tests/eval/tiny.jsonl --strategy all
