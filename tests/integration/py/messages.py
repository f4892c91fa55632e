"""Python SDK: one bug raised with different run-time values, and a second bug.
argv[1] = DSN. Prints one event id per line: user 123, user 456, then the other bug."""
import sys

import sentry_sdk


class UserNotFound(Exception):
    pass


def find_user(uid):
    raise UserNotFound(f"user {uid} not found")


def parse_port(text):
    return int(text)


def main():
    sentry_sdk.init(sys.argv[1], default_integrations=False)
    for fn, arg in [(find_user, 123), (find_user, 456), (parse_port, "eighty")]:
        try:
            fn(arg)
        except Exception as e:  # noqa: BLE001
            print(sentry_sdk.capture_exception(e))
    sentry_sdk.flush(5)


if __name__ == "__main__":
    main()
