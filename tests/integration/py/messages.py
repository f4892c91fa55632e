"""Python SDK: one bug raised with different run-time values, and a second bug.
argv[1] = DSN. Prints one event id per line: user 123, user 456, then the other bug."""
import sys

from sdk_capture import capture_each


class UserNotFound(Exception):
    pass


def find_user(uid):
    raise UserNotFound(f"user {uid} not found")


def parse_port(text):
    return int(text)


def main():
    capture_each(sys.argv[1], [(find_user, 123), (find_user, 456), (parse_port, "eighty")])


if __name__ == "__main__":
    main()
