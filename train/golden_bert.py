#!/usr/bin/python3
"""Golden files for the BERT / JinaBERT C encoder: token ids and vectors from the PyTorch reference
(train/bert.py) on a random-weight GGUF (train/make_random_gguf.py).

    /usr/bin/python3 train/make_random_gguf.py --arch bert --vocab tests/embed/vocab/ggml-vocab-bert-bge.gguf \\
        --layers 2 --width 16 --heads 4 --ffn 32 --context 128 --f16 --seed 1 --out tests/embed/bert-tiny.gguf
    /usr/bin/python3 train/make_random_gguf.py --arch jina-bert-v2 --vocab tests/embed/vocab/ggml-vocab-gpt-2.gguf \\
        --layers 2 --width 16 --heads 4 --ffn 32 --context 256 --f16 --seed 2 --out tests/embed/jina-tiny.gguf
    /usr/bin/python3 train/golden_bert.py tests/embed/bert-tiny.gguf tests/embed/texts.json > tests/embed/bert-tiny_golden.jsonl
    /usr/bin/python3 train/golden_bert.py tests/embed/jina-tiny.gguf tests/embed/texts.json > tests/embed/jina-tiny_golden.jsonl
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert import Encoder  # noqa: E402


def main():
    m = Encoder(sys.argv[1])
    texts = json.load(open(sys.argv[2], encoding="utf-8"))
    for t in texts:
        ids = m.ids(t)
        v = m.forward_ids(ids).detach()
        print(json.dumps({"text": t, "ids": ids, "vec": [float("%.8g" % x) for x in v.tolist()]},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
