"""Batch pipeline helpers of the export job, built on more_itertools."""
import more_itertools as mi


def batches(args):
    data, n = args
    return [list(c) for c in mi.chunked(data, n)] + [list(w) for w in mi.windowed(data, n, step=n)]


def dedupe(data):
    return list(mi.unique_everseen(data)), list(mi.unique_justseen(sorted(data))), mi.first(data), mi.last(data)


def runs(data):
    return [list(g) for g in mi.split_when(data, lambda a, b: b < a)], list(mi.run_length.encode(data))


def spread(data):
    a, b = mi.partition(lambda x: x % 2, data)
    return list(mi.interleave_longest(a, b)), list(mi.distribute(3, data)[1]), list(mi.roundrobin(data, data[::-1]))


def peek(data):
    p = mi.peekable(data)
    head = p.peek()
    p.prepend(-1)
    return head, list(mi.islice_extended(p)[1:5]), mi.ilen(mi.flatten([[1], [2, 3]]))


def shape(data):
    return (list(mi.sliced(data, 4)), list(mi.stagger(data, offsets=(-1, 0, 1))),
            list(mi.pairwise(data)), mi.one([len(data)]), list(mi.bucket(data, key=lambda x: x % 3)[0]),
            list(mi.consecutive_groups(sorted(set(data)))[0]) if False else list(map(list, mi.consecutive_groups(sorted(set(data))))))


TASKS = [
    ("batches", batches, [(list(range(10)), 3), (list("abcdefgh"), 2), (list(range(7)), 7)]),
    ("dedupe", dedupe, [[1, 2, 2, 3, 1, 4], list("mississippi"), [5, 5, 5]]),
    ("runs", runs, [[1, 2, 3, 2, 3, 1, 5], [4, 4, 4, 1, 1], list(range(5))]),
    ("spread", spread, [list(range(11)), [7, 3, 9, 2]]),
    ("peek", peek, [[9, 8, 7, 6, 5, 4], list(range(20))]),
    ("shape", shape, [list(range(13)), [3, 1, 2, 8, 9, 10, 4]]),
]
