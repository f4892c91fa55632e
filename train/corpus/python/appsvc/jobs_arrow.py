"""Booking calendar (arrow)."""
import arrow


def parse(args):
    s, fmt = args
    a = arrow.get(s, fmt) if fmt else arrow.get(s)
    return a.isoformat(), a.to("US/Pacific").format("YYYY-MM-DD HH:mm ZZ"), a.humanize(arrow.get("2024-01-01"))


def span(s):
    a = arrow.get(s)
    return [str(x) for x in a.span("week")], [str(r) for r in arrow.Arrow.range("day", a, a.shift(days=3))]


def shift(args):
    s, kw = args
    a = arrow.get(s).shift(**kw)
    return a.isoformat(), a.floor("month").isoformat(), a.weekday(), a.dehumanize("in 2 days").isoformat()


TASKS = [("parse", parse, [("2024-03-05T10:00:00+01:00", None), ("05/03/2024 10:30", "DD/MM/YYYY HH:mm"),
                           ("March 5, 2024", "MMMM D, YYYY"), ("1700000000", "X")]),
         ("span", span, ["2024-02-29T12:00:00", "2023-12-31T23:59:59+05:00"]),
         ("shift", shift, [("2024-01-31", {"months": 1}), ("2024-03-10T01:30:00", {"hours": 25, "weeks": -1})])]
