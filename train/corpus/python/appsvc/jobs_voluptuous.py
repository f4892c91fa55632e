"""Config validation (voluptuous)."""
from voluptuous import Schema, Required, All, Length, Range, Coerce, Any, Optional, Match, MultipleInvalid, In

S = Schema({Required("host"): All(str, Length(min=1)), Optional("port", default=80): All(Coerce(int), Range(min=1, max=65535)),
            "mode": In(["fast", "safe"]), "paths": [Match(r"^/")], "limits": {Any("cpu", "mem"): Coerce(float)}})


def check(cfg):
    try:
        return S(cfg)
    except MultipleInvalid as e:
        return [str(x) for x in e.errors]


CFGS = [{"host": "db", "port": "5432", "mode": "fast", "paths": ["/a"], "limits": {"cpu": "1.5"}},
        {"host": "", "port": 0, "mode": "x", "paths": ["rel"]}, {"port": "abc"}, {"host": "h", "limits": {"gpu": 1}}]
TASKS = [("check", check, CFGS)]
