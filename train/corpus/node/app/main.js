'use strict';
// appsvc (Node): an application layer that drives one npm library through many call paths.
//   node main.js LIB      env: FL_OUT (events file), FL_RELEASE (1|2), FL_SKIP (jobs to skip),
//                              FL_PROFILE (if set: no SDK, write failing jobs to this file)
// Every error goes through the real @sentry/node SDK; its transport writes the event item of
// each envelope, exactly as serialized for sending, to FL_OUT instead of POSTing it.
const fs = require('fs');
const Sentry = require('@sentry/node');
const { createTransport } = require('@sentry/core');
const { JobError, RequestError } = require('./errors');

const traces = new Map();

function fileTransport(options) {
  return createTransport(options, (request) => {
    const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
    const lines = body.split('\n');
    for (let i = 1; i + 1 < lines.length; i += 2) {
      const header = JSON.parse(lines[i]);
      if (header.type !== 'event') continue;
      const event = JSON.parse(lines[i + 1]);
      fs.appendFileSync(process.env.FL_OUT, JSON.stringify({ event, trace: traces.get(event.event_id) || '' }) + '\n');
    }
    return Promise.resolve({ statusCode: 200 });
  });
}

function plainTrace(err) {
  let out = '';
  for (let e = err, d = 0; e && d < 5; e = e.cause, d++) out += (d ? 'Caused by: ' : '') + (e.stack || String(e)) + '\n';
  return out;
}

function initSdk(lib, release) {
  Sentry.init({
    dsn: 'https://0123456789abcdef0123456789abcdef@o1.ingest.example.invalid/43',
    transport: fileTransport,
    release: `appsvc-node-${lib}@${release === '2' ? '3.1.0' : '3.0.4'}`,
    environment: 'production',
    serverName: 'web-2',
    maxBreadcrumbs: 20,
    beforeSend(event, hint) {
      if (hint && hint.originalException instanceof Error) traces.set(event.event_id, plainTrace(hint.originalException));
      return event;
    },
  });
}

// release 2 adds one wrapper frame around every job
let callJob;
if (process.env.FL_RELEASE === '2') {
  const timed = function timed(fn, x) { const result = fn(x); return result; };
  callJob = function callJob(fn, x) { return timed(fn, x); };
} else {
  callJob = function callJob(fn, x) { return fn(x); };
}

const tick = () => new Promise((r) => setImmediate(r));

const STYLES = {
  async direct(name, fn, x) {
    try { callJob(fn, x); } catch (e) { Sentry.captureException(e); }
  },
  async wrapped(name, fn, x, i) {
    function runJob() {
      try { return callJob(fn, x); } catch (e) { throw new JobError(`job ${name} failed on item ${i}`, { cause: e }); }
    }
    try { runJob(); } catch (e) { Sentry.captureException(e); }
  },
  async awaited(name, fn, x, i) {
    async function handle() { await tick(); return callJob(fn, x); }
    async function request() {
      try { return await handle(); } catch (e) { throw new RequestError(`request ${name}/${i} failed`, { cause: e }); }
    }
    try { await request(); } catch (e) { Sentry.withScope((s) => { s.setTag('job', name); Sentry.captureException(e); }); }
  },
  async rejected(name, fn, x) {
    // an unhandled promise rejection, reported by the SDK's onunhandledrejection integration
    Promise.resolve().then(function processLater() { return callJob(fn, x); });
    await new Promise((r) => setTimeout(r, 1));
  },
  async timer(name, fn, x) {
    await new Promise((resolve) => setTimeout(function onTimer() {
      try { callJob(fn, x); } catch (e) { Sentry.captureException(e); }
      resolve();
    }, 0));
  },
};
const ORDER = ['direct', 'direct', 'wrapped', 'awaited', 'rejected', 'timer'];

function crc(s) { let h = 2166136261; for (const ch of s) { h ^= ch.charCodeAt(0); h = Math.imul(h, 16777619) >>> 0; } return h; }

async function main() {
  const lib = process.argv[2];
  const { TASKS } = require(`./jobs/${lib}`);
  const skip = new Set((process.env.FL_SKIP || '').split(',').filter(Boolean));
  if (process.env.FL_PROFILE) {
    const errors = [];
    for (const [name, fn, inputs] of TASKS) {
      inputs.forEach((x, i) => { try { fn(x); } catch (e) { errors.push(`${name}#${i}: ${e && e.message}`); } });
    }
    fs.writeFileSync(process.env.FL_PROFILE, JSON.stringify({ errors }));
    return;
  }
  initSdk(lib, process.env.FL_RELEASE || '1');
  for (const [name, fn, inputs] of TASKS) {
    for (let i = 0; i < inputs.length; i++) {
      if (skip.has(`${name}#${i}`)) continue;
      await STYLES[ORDER[crc(`${name}/${i}`) % ORDER.length]](name, fn, inputs[i], i);
    }
  }
  await Sentry.flush(2000);
}

main().then(() => process.exit(0));
