#!/usr/bin/python3
"""Write the small GGUF seed files of fuzz_gguf (tests/fuzz/corpus/gguf/): one tokenizer of each
kind faultline reads (WordPiece, byte-level BPE, unigram with an NFKC table) and a tensor, in the
GGUF v3 layout, with vocabularies made up here. Usage: gguf_seeds.py OUT_DIR"""
import os
import struct
import sys

U32, I32, F32, BOOL, STR, ARR, U64 = 4, 5, 6, 7, 8, 9, 10


def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    if t == U32:
        return struct.pack("<I", v)
    if t == F32:
        return struct.pack("<f", v)
    if t == BOOL:
        return struct.pack("<B", 1 if v else 0)
    if t == STR:
        return s(v)
    raise ValueError(t)


def kv(key, t, v, elem=None):
    out = s(key) + struct.pack("<I", t)
    if t == ARR:
        out += struct.pack("<IQ", elem, len(v)) + b"".join(value(elem, x) for x in v)
    else:
        out += value(t, v)
    return out


def gguf(kvs, tensors=()):
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs)
    data = b""
    for name, dims, payload in tensors:  # F32 tensors, 32-byte aligned
        head += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", 0, len(data))
        data += payload + b"\0" * (-len(payload) % 32)
    return head + b"\0" * (-len(head) % 32) + data


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # llama.cpp's convention: U+2581 starts a word, continuation pieces are bare
    wp = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "\u2581key", "error", "\u2581user", "\u2581in", "\u2581handle",
          "\u2581app", "\u2581.", "\u2581main", "\u2581py", "\u2581cafe", "\u2581:", "\u2581'", "\u25811", "2", "3",
          "\u2581\u20ac", "\u2581use"]
    with open(os.path.join(out, "wordpiece"), "wb") as f:
        f.write(gguf([kv("tokenizer.ggml.model", STR, "bert"), kv("tokenizer.ggml.tokens", ARR, wp, STR),
                      kv("tokenizer.ggml.unknown_token_id", U32, 1), kv("tokenizer.ggml.cls_token_id", U32, 2),
                      kv("tokenizer.ggml.seperator_token_id", U32, 3), kv("tokenizer.wordpiece.lowercase", U32, 1)],
                     [("embeddings.weight", [2, 2], struct.pack("<4f", 1, 2, 3, 4))]))
    bpe = [chr(c) for c in range(33, 127)] + ["\u0120", "us", "use", "\u0120u", "er", "\u0120user"]
    merges = ["u s", "us e", "\u0120 u", "e r", "\u0120u ser"]
    with open(os.path.join(out, "bpe"), "wb") as f:
        f.write(gguf([kv("tokenizer.ggml.model", STR, "gpt2"), kv("tokenizer.ggml.tokens", ARR, bpe, STR),
                      kv("tokenizer.ggml.merges", ARR, merges, STR), kv("tokenizer.ggml.bos_token_id", U32, 0)]))
    uni = ["<unk>", "<s>", "\u2581", "\u2581key", "error", "\u2581user", "e", "r", "o", "k", "y", "u", "s", "\u2581caf\u00e9"]
    with open(os.path.join(out, "unigram"), "wb") as f:
        f.write(gguf([kv("tokenizer.ggml.model", STR, "unigram"), kv("tokenizer.ggml.tokens", ARR, uni, STR),
                      kv("tokenizer.ggml.scores", ARR, [-float(i) for i in range(len(uni))], F32),
                      kv("tokenizer.unigram.reserved_count", U32, 2),
                      kv("tokenizer.nfkc.from", ARR, [0x2460, 0xFB01], U32),
                      kv("tokenizer.nfkc.to", ARR, ["1", "fi"], STR)]))


if __name__ == "__main__":
    main()
