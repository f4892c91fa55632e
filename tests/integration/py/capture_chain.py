"""Sends a chained exception (raise ... from ...) through the real Debian python3-sentry-sdk.

usage: python3 capture_chain.py DSN SENT_EVENTS.jsonl
Prints the event id; every event the SDK sends is also appended to SENT_EVENTS.jsonl (before_send),
so the test can compare what the API returns with what the SDK sent.
"""
import json
import sys

import sentry_sdk

dsn, sent_path = sys.argv[1], sys.argv[2]


def before_send(event, hint):
    with open(sent_path, "a") as f:
        f.write(json.dumps(event, default=str) + "\n")
    return event


sentry_sdk.init(dsn=dsn, before_send=before_send, release="faultline-tests@1.0",
                environment="integration", traces_sample_rate=0)


def parse_port(text):
    return int(text)


def load_config(settings):
    try:
        return parse_port(settings["port"])
    except ValueError as exc:
        raise KeyError("config key 'port' is invalid") from exc


try:
    load_config({"port": "eighty"})
except KeyError:
    event_id = sentry_sdk.capture_exception()

sentry_sdk.flush(timeout=10)
print(event_id)
