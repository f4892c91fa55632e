"""File browser ordering (natsort)."""
import natsort

LISTS = [["file10.txt", "file2.txt", "File1.txt", "file1.10", "file1.9"],
         ["v1.10.0", "v1.2.3", "v1.2.10", "v0.9"], ["-3.5", "2e3", "1.5", "-10", "a"], ["b 10", "b 2", "a 1", "B 1"]]


def order(xs):
    return natsort.natsorted(xs), natsort.natsorted(xs, alg=natsort.ns.IGNORECASE | natsort.ns.FLOAT | natsort.ns.SIGNED)


def keys(xs):
    k = natsort.natsort_keygen(alg=natsort.ns.PATH)
    return [k(x) for x in xs], natsort.index_natsorted(xs), natsort.humansorted(xs), natsort.realsorted(xs)


TASKS = [("order", order, LISTS), ("keys", keys, LISTS)]
