"""Dashboard formatting with humanize."""
import datetime as dt
import humanize

NOW = dt.datetime(2024, 5, 1, 12, 0, 0)


def sizes(n):
    return humanize.naturalsize(n), humanize.naturalsize(n, binary=True), humanize.intcomma(n), humanize.intword(n)


def ages(secs):
    return (humanize.naturaltime(NOW - dt.timedelta(seconds=secs), when=NOW), humanize.naturaldelta(dt.timedelta(seconds=secs)),
            humanize.precisedelta(dt.timedelta(seconds=secs), minimum_unit="seconds"))


def numbers(x):
    return humanize.apnumber(int(x) % 12), humanize.ordinal(int(x)), humanize.fractional(x / 7), humanize.scientific(x), humanize.metric(x, "V")


def days(offset):
    d = dt.date.today() + dt.timedelta(days=offset)
    return humanize.naturalday(d), humanize.naturaldate(d)


TASKS = [("sizes", sizes, [0, 1023, 4096, 10**7, 3 * 10**12]), ("ages", ages, [5, 3700, 86400 * 3, 86400 * 400]),
         ("numbers", numbers, [3, 21.5, 1e6, 1234.5678]), ("days", days, [0, -1, 1, 30])]
