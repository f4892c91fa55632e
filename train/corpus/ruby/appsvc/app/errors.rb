# Application-level errors of the demo service; Ruby chains the library error as #cause.
class JobError < StandardError; end
class RequestError < StandardError; end
