'use strict';
// cluster-failover.js -- ioredis' Cluster client keeps writing across the
// failover of a master (the test kills it with SIGKILL and a replica is
// elected). One writer loop SETs {b}:0..{b}:99 (one slot) with a growing
// sequence number; a write counts as acknowledged once WAIT 1 on the slot
// owner's connection (the same connection, so after the SET) says a
// replica has it (until the failover: the promoted replica has none).
// Phase 1 prints "phase1 ok owner <host:port>" after 200
// acknowledged writes; the script then waits for the file <go> (written
// once the replica serves the slot), needs 100 more successful writes,
// stops, and checks that every key holds at least the last acknowledged
// value. It prints "owner-after <host:port>" and "errors <n>" (writes that
// failed while the master was down; they are not acknowledged).
// Options: {"port": N, "go": "<file>", "tls": "<certificate dir>"}.

const fs = require('fs');
const Redis = require('ioredis');
const { options, tlsOptions, assert, waitFor, sleep, log, run } = require('./common');

const opt = options();
const tls = tlsOptions(opt.tls);

// <p>, or a rejection after <ms> (a command queued for a dead node would
// otherwise wait for its reconnection).
function withTimeout(p, ms) {
  return Promise.race([
    p,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no reply in ${ms} ms`)), ms)),
  ]);
}

run(async () => {
  const c = new Redis.Cluster([{ host: '127.0.0.1', port: opt.port }], {
    redisOptions: { tls, connectTimeout: 2000, maxRetriesPerRequest: 1 },
    slotsRefreshTimeout: 2000,
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    maxRedirections: 32,
  });
  const slot = Number(await c.cluster('KEYSLOT', '{b}'));
  const owner = () => (c.slots[slot] ? c.slots[slot][0] : '');
  const ownerNode = () =>
    c.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner());
  const acked = new Map();
  let seq = 0;
  let errors = 0;
  let okAfterGo = 0;
  let go = false;
  let stop = false;

  const writer = (async () => {
    while (!stop) {
      seq += 1;
      const key = `{b}:${seq % 100}`;
      try {
        await withTimeout(c.set(key, String(seq)), 3000);
        if (go) {
          // The promoted replica has no replica left: no WAIT.
          okAfterGo += 1;
          continue;
        }
        const n = ownerNode();
        if (n && (await withTimeout(n.wait(1, 1000), 3000)) >= 1) acked.set(key, seq);
      } catch (e) {
        errors += 1;
        if (errors <= 5 || errors % 100 === 0) log(`error ${errors} ${owner()} ${e.message}`);
        await sleep(50);
      }
    }
  })();

  await waitFor(() => acked.size === 100 && seq >= 200, '200 acknowledged writes', 60000);
  log(`phase1 ok owner ${owner()}`);
  await waitFor(() => fs.existsSync(opt.go), 'the go file', 60000);
  go = true;
  await waitFor(() => okAfterGo >= 100, '100 writes after the failover', 60000);
  stop = true;
  await writer;
  for (const [key, v] of acked) {
    const got = Number(await c.get(key));
    assert(got >= v, `${key} holds ${got}, acknowledged ${v}`);
  }
  log(`owner-after ${owner()}`);
  log(`errors ${errors}`);
  c.disconnect();
});
