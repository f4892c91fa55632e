// @sentry/node: one bug thrown with different run-time values, and a second bug.
// usage: node messages.js DSN   (prints one event id per line: user 123, user 456, other bug)
'use strict';
const Sentry = require('@sentry/node');

Sentry.init({ dsn: process.argv[2], tracesSampleRate: 0, defaultIntegrations: false });

class UserNotFound extends Error {
  constructor(message) { super(message); this.name = 'UserNotFound'; }
}

function findUser(uid) {
  throw new UserNotFound(`user ${uid} not found`);
}

function parsePort(text) {
  const port = Number.parseInt(text, 10);
  if (Number.isNaN(port)) throw new RangeError(`port ${text} is not a number`);
  return port;
}

for (const [fn, arg] of [[findUser, 123], [findUser, 456], [parsePort, 'eighty']]) {
  try {
    fn(arg);
  } catch (err) {
    console.log(Sentry.captureException(err));
  }
}
Sentry.close(5000).then(() => process.exit(0));
