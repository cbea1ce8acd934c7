'use strict';
// common.js -- what the ioredis interop scripts share: their options (one
// JSON argument given by the Tcl test), the TLS options built from the test
// certificates, and small assertion helpers. A script prints one line per
// finding and exits 0 only when every check passed.

const fs = require('fs');
const path = require('path');

// The options of this run: the JSON object in argv[2] ({} when absent).
function options() {
  return JSON.parse(process.argv[2] || '{}');
}

// ioredis' `tls` option for the certificates in directory <dir> (mutual
// TLS: CA, client certificate and key), or undefined for a plain run.
// Node checks the server's certificate against the host (127.0.0.1 is in
// the test certificates' subjectAltName).
function tlsOptions(dir) {
  if (!dir) return undefined;
  return {
    ca: fs.readFileSync(path.join(dir, 'ca.crt')),
    cert: fs.readFileSync(path.join(dir, 'client.crt')),
    key: fs.readFileSync(path.join(dir, 'client.key')),
  };
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function assert(cond, what) {
  if (!cond) throw new Error(`assertion failed: ${what}`);
}

// Resolves once <pred>() is true, polling every <stepMs>; rejects with
// <what> after <timeoutMs>.
async function waitFor(pred, what, timeoutMs = 10000, stepMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function log(line) {
  process.stdout.write(`${line}\n`);
}

// Runs the async <main>, prints "ALL OK" or "FAIL: reason" and sets the
// exit code; a hung script is ended by <limitMs>.
function run(main, limitMs = 120000) {
  const timer = setTimeout(() => {
    log(`FAIL: script did not finish in ${limitMs} ms`);
    process.exit(2);
  }, limitMs);
  main().then(
    () => {
      clearTimeout(timer);
      log('ALL OK');
      process.exit(0);
    },
    (err) => {
      clearTimeout(timer);
      log(`FAIL: ${err && err.stack ? err.stack : err}`);
      process.exit(1);
    },
  );
}

module.exports = { options, tlsOptions, assert, assertEqual, waitFor, sleep, log, run };
