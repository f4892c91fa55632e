"""Reference tokenizers in Python for the BERT-family GGUF models (the C ones live in src/embed).

WordPiece follows Hugging Face's BertTokenizer (uncased); byte-level BPE follows GPT-2. Both read
the vocabulary from GGUF metadata in llama.cpp's conventions (WordPiece word starts carry a U+2581
prefix; BPE merges are "left right" strings in rank order).
"""
import unicodedata

SEP = "\u2581"


def _is_control(c):
    return c not in "\t\n\r" and unicodedata.category(c).startswith("C")


def _is_space(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def _is_punct(c):
    o = ord(c)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def _is_cjk(o):
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF or 0x2A700 <= o <= 0x2B73F
            or 0x2B740 <= o <= 0x2B81F or 0x2B820 <= o <= 0x2CEAF or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F)


class WordPiece:
    def __init__(self, meta):
        self.tokens = list(meta["tokenizer.ggml.tokens"])
        self.ids = {}
        for i, t in enumerate(self.tokens):
            self.ids.setdefault(t, i)
        self.unk = int(meta.get("tokenizer.ggml.unknown_token_id", -1))
        self.bos = int(meta.get("tokenizer.ggml.cls_token_id", meta.get("tokenizer.ggml.bos_token_id", -1)))
        self.eos = int(meta.get("tokenizer.ggml.seperator_token_id", meta.get("tokenizer.ggml.eos_token_id", -1)))
        self.lower = bool(meta.get("tokenizer.wordpiece.lowercase", 1))

    def _words(self, text):
        text = "".join(" " if _is_space(c) else c for c in text
                       if not (ord(c) == 0 or ord(c) == 0xFFFD or _is_control(c)))
        text = "".join(" %s " % c if _is_cjk(ord(c)) else c for c in text)
        for tok in text.split():
            if self.lower:
                tok = unicodedata.normalize("NFD", tok.lower())
                tok = "".join(c for c in tok if unicodedata.category(c) != "Mn")
            cur = ""
            for c in tok:
                if _is_punct(c):
                    if cur:
                        yield cur
                    yield c
                    cur = ""
                elif _is_space(c):
                    if cur:
                        yield cur
                    cur = ""
                else:
                    cur += c
            if cur:
                yield cur

    def encode(self, text):
        out = []
        for w in self._words(text):
            if len(w) > 100:
                out.append(self.unk)
                continue
            pieces, s = [], 0
            while s < len(w):
                e = len(w)
                while e > s:
                    key = (SEP + w[s:e]) if s == 0 else w[s:e]
                    if key in self.ids:
                        break
                    e -= 1
                if e == s:
                    pieces = [self.unk]
                    break
                pieces.append(self.ids[key])
                s = e
            out += [p for p in pieces if p >= 0]
        return out


def _byte_map():
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    m, n = {}, 0
    for b in range(256):
        if b in keep:
            m[b] = chr(b)
        else:
            m[b] = chr(0x100 + n)
            n += 1
    return m


def _cat(c):
    return unicodedata.category(c)


def _L(c):
    return _cat(c).startswith("L")


def _N(c):
    return _cat(c).startswith("N")


def _S(c):
    return c.isspace()


def gpt2_pretokenize(text):
    """The GPT-2 pattern 's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+."""
    i, n, out = 0, len(text), []
    while i < n:
        if text[i] == "'" and i + 1 < n:
            two = text[i + 1:i + 3]
            if text[i + 1] in "stmd":
                out.append(text[i:i + 2])
                i += 2
                continue
            if two in ("re", "ve", "ll"):
                out.append(text[i:i + 3])
                i += 3
                continue
        j = i + 1 if text[i] == " " and i + 1 < n else i
        k = j
        if _L(text[j]):
            while k < n and _L(text[k]):
                k += 1
        elif _N(text[j]):
            while k < n and _N(text[k]):
                k += 1
        elif not _S(text[j]):
            while k < n and not (_S(text[k]) or _L(text[k]) or _N(text[k])):
                k += 1
        if k > j:
            out.append(text[i:k])
            i = k
            continue
        k = i
        while k < n and _S(text[k]):
            k += 1
        if k < n and k - i > 1:
            k -= 1
        out.append(text[i:k])
        i = k
    return out


class ByteBPE:
    def __init__(self, meta):
        self.tokens = list(meta["tokenizer.ggml.tokens"])
        self.ids = {}
        for i, t in enumerate(self.tokens):
            self.ids.setdefault(t, i)
        self.ranks = {}
        for r, mg in enumerate(meta["tokenizer.ggml.merges"]):
            self.ranks.setdefault(mg, r)
        self.unk = int(meta.get("tokenizer.ggml.unknown_token_id", -1))
        self.bos = int(meta.get("tokenizer.ggml.cls_token_id", meta.get("tokenizer.ggml.bos_token_id", -1)))
        self.eos = int(meta.get("tokenizer.ggml.seperator_token_id", meta.get("tokenizer.ggml.eos_token_id", -1)))
        self.bmap = _byte_map()

    def encode(self, text):
        out = []
        for chunk in gpt2_pretokenize(text):
            syms = [self.bmap[b] for b in chunk.encode("utf-8")]
            while len(syms) > 1:
                best = None
                for i in range(len(syms) - 1):
                    r = self.ranks.get(syms[i] + " " + syms[i + 1])
                    if r is not None and (best is None or r < best[0]):
                        best = (r, i)
                if best is None:
                    break
                i = best[1]
                syms[i:i + 2] = [syms[i] + syms[i + 1]]
            for s in syms:
                t = self.ids.get(s, self.unk)
                if t >= 0:
                    out.append(t)
        return out


def load(meta):
    model = meta["tokenizer.ggml.model"]
    if model == "bert":
        return WordPiece(meta)
    if model == "gpt2":
        return ByteBPE(meta)
    raise ValueError("unsupported tokenizer %r" % model)
