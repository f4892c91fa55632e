// Sends two errors through the real @sentry/node SDK: one captureException and one unhandled
// promise rejection. Every event the SDK is about to send is also written, as JSON lines, to the
// file named by argv[3], so the test can compare what came back from the API with what was sent.
// usage: node capture.js DSN SENT_EVENTS.jsonl
'use strict';
const fs = require('fs');
const Sentry = require('@sentry/node');

const [dsn, sentPath] = process.argv.slice(2);
Sentry.init({
  dsn,
  release: 'faultline-tests@1.0.0',
  environment: 'integration',
  tracesSampleRate: 0,
  beforeSend(event) {
    fs.appendFileSync(sentPath, JSON.stringify(event) + '\n');
    return event;
  },
});

function parseConfig(text) {
  if (!text.startsWith('{')) throw new TypeError(`config is not an object: ${text.slice(0, 8)}`);
  return JSON.parse(text);
}

function loadSettings() {
  return parseConfig('port=8080');
}

try {
  loadSettings();
} catch (err) {
  Sentry.captureException(err);
}

async function fetchQuota(user) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  throw new RangeError(`quota for ${user} out of range`);
}

// Nobody awaits this promise: the SDK's onUnhandledRejection integration reports it.
fetchQuota('alice');

setTimeout(async () => {
  const ok = await Sentry.flush(10000);
  process.exit(ok ? 0 : 3);
}, 300);
