"""Sends errors through the real Python SDK: argv[1] = DSN, argv[2] = which scenario.

'paths': one bug (a KeyError in load_user) reached from two different callers, so the two events
have different stack-trace hashes; then a different bug (int() of a non-number).
'again', 'export': the same bug through a third and a fourth caller. Prints one event id per line."""
import sys

from sdk_capture import capture_each


def load_user(uid):
    users = {}
    return users[uid]


def handle_profile(uid):
    return load_user(uid)


def handle_settings(uid):
    return load_user(uid)


def handle_admin(uid):
    return load_user(uid)


def handle_export(uid):
    return load_user(uid)


def parse_amount(text):
    return int(text)


def main():
    calls = {
        "paths": [(handle_profile, 17), (handle_settings, 23), (parse_amount, "12x")],
        "again": [(handle_admin, 99)],
        "export": [(handle_export, 5)],
    }[sys.argv[2]]
    capture_each(sys.argv[1], calls)


if __name__ == "__main__":
    main()
