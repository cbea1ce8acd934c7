'use strict';
// cluster.js -- ioredis' Cluster client against a cluster of our nodes.
// Phase 1 writes and reads keys across all slots (single commands, a
// pipeline per slot, MULTI in one slot) and prints "phase1 ok"; it then
// waits for the file <go> (the test moves the slot of "{mv}" meanwhile)
// and phase 2 reads everything again with the same client, which must
// follow -MOVED, and prints "moved-slot-owner <host:port>".
// Options: {"port": N, "go": "<file>", "tls": "<certificate dir>"}.

const fs = require('fs');
const Redis = require('ioredis');
const { options, tlsOptions, assert, assertEqual, waitFor, log, run } = require('./common');

const opt = options();
const tls = tlsOptions(opt.tls);

async function checkAll(c, n) {
  const vals = await Promise.all(Array.from({ length: n }, (_, i) => c.get(`io:k${i}`)));
  assert(vals.every((v, i) => v === `v${i}`), 'every key read back');
  const mv = await Promise.all(Array.from({ length: 50 }, (_, i) => c.get(`{mv}:${i}`)));
  assert(mv.every((v, i) => v === `m${i}`), 'every {mv} key read back');
}

run(async () => {
  const c = new Redis.Cluster([{ host: '127.0.0.1', port: opt.port }], {
    redisOptions: { tls },
    slotsRefreshTimeout: 5000,
  });
  const n = 500;
  await Promise.all(Array.from({ length: n }, (_, i) => c.set(`io:k${i}`, `v${i}`)));
  const p = c.pipeline();
  for (let i = 0; i < 50; i++) p.set(`{mv}:${i}`, `m${i}`);
  const res = await p.exec();
  assert(res.every(([err]) => err === null), 'pipeline in one slot');
  assertEqual(await c.multi().incr('{mv}:cnt').incr('{mv}:cnt').exec(), [[null, 1], [null, 2]], 'MULTI in one slot');
  await checkAll(c, n);
  assertEqual(c.nodes('master').length, 3, 'three masters');
  const slot = Number(await c.cluster('KEYSLOT', '{mv}'));
  log(`phase1 ok slot ${slot} owner ${c.slots[slot][0]}`);
  await waitFor(() => fs.existsSync(opt.go), 'the go file', 60000);
  await checkAll(c, n);
  await c.set('{mv}:new', 'after');
  assertEqual(await c.get('{mv}:new'), 'after', 'write to the moved slot');
  log(`moved-slot-owner ${c.slots[slot][0]}`);
  c.disconnect();
});
