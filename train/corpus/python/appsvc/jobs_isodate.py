"""Interchange format parsing (isodate)."""
import isodate


def dur(s):
    d = isodate.parse_duration(s)
    return isodate.duration_isoformat(d), str(d)


def stamp(s):
    t = isodate.parse_datetime(s)
    return isodate.datetime_isoformat(t), isodate.strftime(t, "%Y-%m-%dT%H:%M:%S%Z")


def date(s):
    return isodate.parse_date(s).isoformat(), isodate.date_isoformat(isodate.parse_date(s), isodate.D_ALT_EXT)


TASKS = [("dur", dur, ["P1Y2M10DT2H30M", "PT36H", "P3W", "-P1D", "PT0.5S"]),
         ("stamp", stamp, ["2024-03-05T10:30:00Z", "2024-03-05T10:30:00+05:30", "20240305T103000-0200"]),
         ("date", date, ["2024-03-05", "2024-W10-2", "2024-065", "20240305"])]
