"""Jobs of the scheduling service: parse user dates, expand recurrences, shift periods."""
import datetime as dt
from dateutil import parser, rrule, relativedelta, tz, easter


def parse_when(s):
    return parser.parse(s, dayfirst=False, fuzzy=True).isoformat()


def parse_iso(s):
    return parser.isoparse(s).isoformat()


def expand_rule(spec):
    rule = rrule.rrulestr(spec, dtstart=dt.datetime(2024, 1, 1, 9, 0))
    return [d.isoformat() for d in rule[:6]]


def shift(args):
    base, kw = args
    return (dt.datetime(*base) + relativedelta.relativedelta(**kw)).isoformat()


def diff(args):
    a, b = args
    return str(relativedelta.relativedelta(dt.datetime(*a), dt.datetime(*b)))


def localize(args):
    name, ts = args
    zone = tz.gettz(name)
    return dt.datetime(*ts, tzinfo=zone).astimezone(tz.UTC).isoformat()


def easter_of(year):
    return easter.easter(year).isoformat()


TASKS = [
    ("parse_when", parse_when, ["2024-03-05 10:30", "March 5th 2024 at 7pm", "5/6/2023",
                                "Tue, 1 Oct 2019 12:01:02 +0200", "next meeting 12 June 2025 14:00",
                                "2021-W05", "20240101T101010Z"]),
    ("parse_iso", parse_iso, ["2024-03-05T10:30:00", "2024-03-05T10:30:00+05:30",
                              "2023-12-31", "2022-01-01T00:00:00.123456Z", "2020-W10-3"]),
    ("expand_rule", expand_rule, ["FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", "FREQ=MONTHLY;BYMONTHDAY=-1",
                                  "FREQ=DAILY;INTERVAL=3;UNTIL=20240201", "FREQ=YEARLY;BYEASTER=0",
                                  "RRULE:FREQ=HOURLY;BYHOUR=9,17;BYMINUTE=30"]),
    ("shift", shift, [((2024, 1, 31), {"months": 1}), ((2023, 5, 5), {"weeks": 2, "days": -1}),
                      ((2020, 2, 29), {"years": 1}), ((2024, 1, 1), {"weekday": relativedelta.FR(2)})]),
    ("diff", diff, [((2024, 5, 1), (2020, 2, 29)), ((2023, 1, 1), (2023, 1, 31)),
                    ((2022, 7, 4, 12), (2021, 7, 4, 1))]),
    ("localize", localize, [("Europe/Paris", (2024, 3, 31, 2, 30)), ("America/New_York", (2023, 11, 5, 1, 30)),
                            ("Asia/Kolkata", (2022, 6, 1, 12)), ("UTC", (2021, 1, 1))]),
    ("easter_of", easter_of, [1999, 2024, 2038]),
]
