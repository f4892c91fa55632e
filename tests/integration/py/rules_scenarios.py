"""Python SDK: events for the project rules tests. argv[1] = DSN. Prints one event id per line:
a KeyError raised in load_user, a KeyError raised in load_order (another stack trace), a
ValueError, then load_user's KeyError reached through a noisy_retry wrapper (the same stack trace
plus that frame: every call starts from the same line of main)."""
import sys

import sentry_sdk


def load_user(cache):
    return cache["user"]


def load_order(cache):
    return cache["order"]


def parse_port(text):
    return int(text)


def noisy_retry(cache):
    return load_user(cache)


def main():
    sentry_sdk.init(sys.argv[1], default_integrations=False)
    for fn, arg in [(load_user, {}), (load_order, {}), (parse_port, "eighty"), (noisy_retry, {})]:
        try:
            fn(arg)
        except Exception as e:  # noqa: BLE001
            print(sentry_sdk.capture_exception(e))
    sentry_sdk.flush(5)


if __name__ == "__main__":
    main()
