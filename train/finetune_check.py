#!/usr/bin/python3
"""C engine vs PyTorch reference on a GGUF: cosine of `faultline embed` and train/use_lite.py on
20 texts of a texts JSONL (expected >= 0.9999).

    /usr/bin/python3 train/finetune_check.py [MODEL.gguf] [TEXTS.jsonl] [FAULTLINE]
"""
import json, subprocess, sys
sys.path.insert(0, 'train')
import torch
from use_lite import UseLite
torch.set_num_threads(1)
MODEL = sys.argv[1] if len(sys.argv) > 1 else 'models/use-lite-ft.gguf'
texts = [json.loads(l)["text"] for l in open((sys.argv[2] if len(sys.argv) > 2 else 'build/finetune/train.jsonl'))][:400:20]
m = UseLite(MODEL)
r = subprocess.run([(sys.argv[3] if len(sys.argv) > 3 else 'build/faultline'), 'embed', '--model', MODEL] + texts, capture_output=True, check=True)
vs = [json.loads(l)['vector'] for l in r.stdout.decode().splitlines()]
worst = 1.0
for t, v in zip(texts, vs):
    p = m.embed(t)
    worst = min(worst, float(p @ torch.tensor(v)) / float(torch.tensor(v).norm()))
print("C vs PyTorch on %s, %d texts: worst cosine %.7f" % (MODEL, len(texts), worst))
