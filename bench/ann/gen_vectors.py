#!/usr/bin/python3
"""Writes raw little-endian float32 vector files for `faultline ann-bench` and bench/ann.

usage: gen_vectors.py KIND N DIM SEED OUT    (KIND: random | clustered)

random:    i.i.d. Gaussian vectors, normalised (the hardest case for a graph index).
clustered: 1000 Gaussian centres (or N/100 when fewer), each vector = centre + noise of norm ~0.5
           of the centre's, normalised: like embeddings of near-duplicate stack traces.
"""
import sys
import numpy as np


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    kind, n, dim, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    rng = np.random.default_rng(seed)
    if kind == "random":
        x = rng.standard_normal((n, dim), dtype=np.float32)
    elif kind == "clustered":
        nc = max(1, min(1000, n // 100))
        centres = rng.standard_normal((nc, dim), dtype=np.float32)
        lab = rng.integers(0, nc, n)
        x = centres[lab] + 0.5 * rng.standard_normal((n, dim), dtype=np.float32)
    else:
        sys.exit("KIND must be random or clustered")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x.astype("<f4").tofile(out)


if __name__ == "__main__":
    main()
