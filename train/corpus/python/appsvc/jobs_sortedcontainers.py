"""Leaderboard and time-window index backed by sortedcontainers."""
from sortedcontainers import SortedList, SortedDict, SortedSet, SortedKeyList


def leaderboard(scores):
    sl = SortedKeyList(key=lambda p: -p[1])
    for p in scores:
        sl.add(p)
    top = list(sl[:3])
    sl.remove(top[0])
    return top, sl.bisect_key_left(-50), len(sl)


def window(values):
    s = SortedList(values)
    s.update(range(0, 2000, 7))
    out = list(s.irange(10, 200)), s.index(s[5]), s.count(s[0])
    del s[10:40]
    s.discard(s[-1])
    return out, s[-3:]


def index_keys(pairs):
    d = SortedDict(pairs)
    d.setdefault("m", 0)
    d.pop(next(iter(d)))
    return list(d.irange("b", "x")), d.peekitem(0), d.bisect_right("k"), list(d.keys()[1:3])


def tags(groups):
    a, b = (SortedSet(g) for g in groups)
    return list(a | b), list(a & b), list(a - b), a.bisect(3), list(a ^ b)


TASKS = [
    ("leaderboard", leaderboard, [[("ann", 90), ("bob", 75), ("cy", 60), ("di", 99)],
                                  [("p%d" % i, i * 7 % 101) for i in range(40)],
                                  [("x", 1), ("y", 2), ("z", 3)]]),
    ("window", window, [list(range(100, 0, -3)), [5, 3, 9, 1, 1, 1, 4], list(range(3000, 2000, -11))]),
    ("index_keys", index_keys, [[("a", 1), ("c", 3), ("z", 26), ("q", 9)],
                                [(chr(97 + i % 26) + str(i), i) for i in range(60)]]),
    ("tags", tags, [([1, 2, 3, 4], [3, 4, 5]), (list(range(50)), list(range(25, 90, 2)))]),
]
