"""Shared by the SDK scripts here: report what each call raises through the real Python SDK."""
import sentry_sdk


def capture_each(dsn, calls):
    """Initialise the SDK for dsn, run fn(arg) for each (fn, arg) in calls, capture the exception
    each raises and print its event id (one per line), then flush."""
    sentry_sdk.init(dsn, default_integrations=False)
    for fn, arg in calls:
        try:
            fn(arg)
        except Exception as e:  # noqa: BLE001 - every error is reported
            print(sentry_sdk.capture_exception(e))
    sentry_sdk.flush(5)
