"""Application-level errors of the demo service (wrappers around library failures)."""


class JobError(Exception):
    """A background job failed; the cause is chained."""


class RequestError(Exception):
    """A request handler failed; the cause is chained."""
