"""Minimal GGUF (version 3) writer and reader for faultline's models.

Only what the encoder needs: scalar / string / array metadata and f32 / f16 tensors.
Layout (all little-endian):
    "GGUF" u32 version, u64 n_tensors, u64 n_kv,
    n_kv x (string key, u32 type, value),
    n_tensors x (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset),
    padding to `general.alignment` (32), tensor data (each tensor aligned).
A string is u64 length + bytes. ne[0] is the fastest-varying dimension, i.e. the reverse of the
numpy shape; a PyTorch Linear weight [out, in] is stored with ne = [in, out].
"""
import struct

import numpy as np

T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64, T_I64, T_F64 = range(13)
GGML_F32, GGML_F16 = 0, 1
ALIGN = 32


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


_SCALAR = {T_U8: "B", T_I8: "b", T_U16: "H", T_I16: "h", T_U32: "I", T_I32: "i", T_F32: "f",
           T_BOOL: "?", T_U64: "Q", T_I64: "q", T_F64: "d"}


class Writer:
    def __init__(self):
        self.kv = []        # (key, type, payload bytes)
        self.tensors = []   # (name, np.ndarray, ggml type)

    def add(self, key, typ, value):
        if typ == T_STR:
            payload = _str(value)
        else:
            payload = struct.pack("<" + _SCALAR[typ], value)
        self.kv.append((key, typ, payload))

    def add_array(self, key, elem_type, values):
        out = [struct.pack("<IQ", elem_type, len(values))]
        if elem_type == T_STR:
            out += [_str(v) for v in values]
        else:
            out.append(np.asarray(values, dtype="<" + _SCALAR[elem_type]).tobytes())
        self.kv.append((key, T_ARR, b"".join(out)))

    def add_tensor(self, name, array, f16=False):
        a = np.ascontiguousarray(array, dtype=np.float16 if f16 else np.float32)
        self.tensors.append((name, a, GGML_F16 if f16 else GGML_F32))

    def write(self, path):
        self.add("general.alignment", T_U32, ALIGN)
        head = [b"GGUF", struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))]
        for key, typ, payload in self.kv:
            head += [_str(key), struct.pack("<I", typ), payload]
        offset = 0
        offsets = []
        for name, a, gt in self.tensors:
            offsets.append(offset)
            ne = list(reversed(a.shape))
            head += [_str(name), struct.pack("<I", len(ne)), struct.pack("<%dQ" % len(ne), *ne),
                     struct.pack("<IQ", gt, offset)]
            offset += (a.nbytes + ALIGN - 1) // ALIGN * ALIGN
        head = b"".join(head)
        with open(path, "wb") as f:
            f.write(head)
            f.write(b"\0" * ((-len(head)) % ALIGN))
            for (name, a, gt), off in zip(self.tensors, offsets):
                f.write(a.tobytes())
                f.write(b"\0" * ((-a.nbytes) % ALIGN))


def read(path):
    """Returns (metadata dict, {name: np.ndarray float32 in numpy shape order})."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(typ):
        if typ == T_STR:
            return string()
        if typ == T_ARR:
            et, n = take("IQ")
            if et == T_STR:
                return [string() for _ in range(n)]
            nonlocal pos
            a = np.frombuffer(data, dtype="<" + _SCALAR[et], count=n, offset=pos)
            pos += a.nbytes
            return a
        return take(_SCALAR[typ])

    assert data[:4] == b"GGUF", "not a GGUF file"
    pos = 4
    _version, nt, nkv = take("IQQ")
    meta = {}
    for _ in range(nkv):
        k = string()
        meta[k] = value(take("I"))
    infos = []
    for _ in range(nt):
        name = string()
        nd = take("I")
        ne = [take("Q") for _ in range(nd)]
        gt, off = take("IQ")
        infos.append((name, ne, gt, off))
    align = int(meta.get("general.alignment", ALIGN))
    base = (pos + align - 1) // align * align
    tensors = {}
    for name, ne, gt, off in infos:
        dt = np.float16 if gt == GGML_F16 else np.float32
        count = int(np.prod(ne))
        a = np.frombuffer(data, dtype=dt, count=count, offset=base + off)
        tensors[name] = a.reshape(list(reversed(ne))).astype(np.float32)
    return meta, tensors
