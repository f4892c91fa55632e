"""Misc utilities of the service (boltons)."""
from boltons import iterutils, strutils, dictutils, queueutils, cacheutils, tbutils, timeutils
import datetime as dt


def remap(d):
    return iterutils.remap(d, visit=lambda p, k, v: (k, v * 2) if isinstance(v, int) else True), iterutils.research(d, query=lambda p, k, v: v == 2)


def text(s):
    return strutils.slugify(s), strutils.camel2under(s.replace(" ", "")), strutils.bytes2human(len(s) * 1000), strutils.ordinalize(len(s)), strutils.strip_ansi(s)


def multidict(pairs):
    om = dictutils.OrderedMultiDict(pairs)
    return om.getlist("a"), om.inverted().todict(), list(om.iteritems(multi=True))


def queue(xs):
    q = queueutils.HeapPriorityQueue()
    for i, x in enumerate(xs):
        q.add(x, priority=i % 3)
    return [q.pop() for _ in range(len(xs))]


def cache(xs):
    c = cacheutils.LRU(max_size=3)
    for x in xs:
        c[x] = str(x)
    return sorted(c.items()), list(iterutils.chunked(xs, 2)), iterutils.first(xs, key=lambda v: v > 2)


def times(days):
    return timeutils.relative_time(dt.datetime(2024, 1, 1) - dt.timedelta(days=days), other=dt.datetime(2024, 1, 1)), timeutils.decimal_relative_time(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1) - dt.timedelta(days=days))


TASKS = [("remap", remap, [{"a": 1, "b": {"c": 2, "d": [1, 2]}}, {"x": [{"y": 2}]}]),
         ("text", text, ["Hello World Now", "\x1b[31mred text\x1b[0m", "CamelCase Thing"]),
         ("multidict", multidict, [[("a", 1), ("b", 2), ("a", 3)], [("a", 0)]]),
         ("queue", queue, [[5, 1, 4], list("abcdef")]),
         ("cache", cache, [[1, 2, 3, 4, 5, 2], [9, 9, 1]]),
         ("times", times, [1, 45, 800])]
