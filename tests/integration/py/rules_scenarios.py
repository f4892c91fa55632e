"""Python SDK: events for the project rules tests. argv[1] = DSN. Prints one event id per line:
a KeyError raised in load_user, a KeyError raised in load_order (another stack trace), a
ValueError, then load_user's KeyError reached through a noisy_retry wrapper (the same stack trace
plus that frame: every call starts from the same line of main)."""
import sys

from sdk_capture import capture_each


def load_user(cache):
    return cache["user"]


def load_order(cache):
    return cache["order"]


def parse_port(text):
    return int(text)


def noisy_retry(cache):
    return load_user(cache)


def main():
    capture_each(sys.argv[1], [(load_user, {}), (load_order, {}), (parse_port, "eighty"), (noisy_retry, {})])


if __name__ == "__main__":
    main()
