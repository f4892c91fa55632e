"""Analytics aggregations built with toolz (pure-Python implementation)."""
import toolz
from toolz import curried as c

SALES = [{"region": "eu", "amount": 10, "item": "a"}, {"region": "us", "amount": 7, "item": "b"},
         {"region": "eu", "amount": 3, "item": "b"}, {"region": "ap", "amount": 12, "item": "a"}]


def by_region(rows):
    return toolz.valmap(lambda rs: sum(r["amount"] for r in rs), toolz.groupby("region", rows))


def pipeline(rows):
    return toolz.pipe(rows, c.filter(lambda r: r["amount"] > 4), c.map(c.get("item")), toolz.frequencies)


def merge(rows):
    return toolz.merge_with(sum, *({r["item"]: r["amount"]} for r in rows)), toolz.assoc_in({}, ["a", "b"], 1)


def windows(rows):
    xs = [r["amount"] for r in rows]
    return list(toolz.sliding_window(2, xs)), list(toolz.partition_all(3, xs)), toolz.reduceby("item", lambda a, r: a + r["amount"], rows, 0)


def nested(rows):
    d = toolz.reduce(lambda acc, r: toolz.update_in(acc, [r["region"], r["item"]], lambda v: (v or 0) + r["amount"]), rows, {})
    return toolz.get_in(["eu", "a"], d), toolz.keyfilter(lambda k: k != "us", d), list(toolz.unique(toolz.concat(d.values())))


def compose(rows):
    f = toolz.compose(sorted, toolz.curry(map)(lambda r: r["amount"] * 2))
    return f(rows), toolz.juxt(len, toolz.first, toolz.last)(rows), list(toolz.interpose(0, [1, 2, 3]))


TASKS = [(n, f, [SALES, SALES[:2], SALES[::-1]]) for n, f in
         [("by_region", by_region), ("pipeline", pipeline), ("merge", merge), ("windows", windows),
          ("nested", nested), ("compose", compose)]]
