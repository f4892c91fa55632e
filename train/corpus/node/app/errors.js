'use strict';
// Application-level errors of the demo service; the library failure is chained as `cause`.
class JobError extends Error { constructor(msg, opts) { super(msg, opts); this.name = 'JobError'; } }
class RequestError extends Error { constructor(msg, opts) { super(msg, opts); this.name = 'RequestError'; } }
module.exports = { JobError, RequestError };
