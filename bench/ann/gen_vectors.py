#!/usr/bin/python3
"""Writes raw little-endian float32 unit vectors for `faultline ann-bench` and bench/ann.

usage: gen_vectors.py KIND N DIM SEED OUT [POINT_SEED]    (KIND: random | clustered)

random:    i.i.d. Gaussian vectors, normalised (the hardest case for a graph index).
clustered: 1000 Gaussian centres drawn from SEED; each vector is a
           centre plus Gaussian noise of half the centre's scale, normalised. The points are drawn
           from POINT_SEED (default SEED + 1): queries that use the same SEED and another
           POINT_SEED come from the same clusters as the data.
"""
import sys
import numpy as np


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    kind, n, dim, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    point_seed = int(sys.argv[6]) if len(sys.argv) == 7 else seed + 1
    rng = np.random.default_rng(point_seed)
    if kind == "random":
        x = rng.standard_normal((n, dim), dtype=np.float32)
    elif kind == "clustered":
        nc = 1000
        centres = np.random.default_rng(seed).standard_normal((nc, dim), dtype=np.float32)
        lab = rng.integers(0, nc, n)
        x = centres[lab] + 0.5 * rng.standard_normal((n, dim), dtype=np.float32)
    else:
        sys.exit("KIND must be random or clustered")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x.astype("<f4").tofile(out)


if __name__ == "__main__":
    main()
