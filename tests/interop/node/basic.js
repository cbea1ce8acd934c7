'use strict';
// basic.js -- ioredis against one server: commands, pipelines, MULTI,
// scripts, blocking pops, pub/sub, SCAN streams and reconnection.
// Options: {"port": N, "tls": "<certificate dir>" (TLS when given),
//           "case": "commands" | "pipeline" | "pubsub" | "reconnect"}.

const Redis = require('ioredis');
const { options, tlsOptions, assert, assertEqual, waitFor, log, run } = require('./common');

const opt = options();

function client(extra = {}) {
  return new Redis({
    host: '127.0.0.1',
    port: opt.port,
    tls: tlsOptions(opt.tls),
    maxRetriesPerRequest: 3,
    ...extra,
  });
}

async function commands() {
  const r = client();
  assertEqual(await r.flushdb(), 'OK', 'FLUSHDB');
  assertEqual(await r.ping(), 'PONG', 'PING');
  assertEqual(await r.set('io:str', 'hello'), 'OK', 'SET');
  assertEqual(await r.get('io:str'), 'hello', 'GET');
  assertEqual(await r.append('io:str', ' world'), 11, 'APPEND');
  assertEqual(await r.getrange('io:str', 0, 4), 'hello', 'GETRANGE');
  const big = 'x'.repeat(300000);
  await r.set('io:big', big);
  assertEqual((await r.get('io:big')).length, big.length, 'GET of a 300 kB value');
  const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
  await r.set('io:bin', bin);
  assert((await r.getBuffer('io:bin')).equals(bin), 'binary-safe value');
  assertEqual(await r.incrby('io:n', 41), 41, 'INCRBY');
  assertEqual(await r.incr('io:n'), 42, 'INCR');
  assertEqual(await r.incrbyfloat('io:f', '1.5'), '1.5', 'INCRBYFLOAT');
  assertEqual(await r.hset('io:h', { a: '1', b: '2' }), 2, 'HSET object');
  assertEqual(await r.hgetall('io:h'), { a: '1', b: '2' }, 'HGETALL');
  assertEqual(await r.rpush('io:l', 'a', 'b', 'c'), 3, 'RPUSH');
  assertEqual(await r.lrange('io:l', 0, -1), ['a', 'b', 'c'], 'LRANGE');
  assertEqual(await r.sadd('io:s', 'x', 'y', 'x'), 2, 'SADD');
  assertEqual((await r.smembers('io:s')).sort(), ['x', 'y'], 'SMEMBERS');
  assertEqual(await r.zadd('io:z', 1, 'one', 2, 'two'), 2, 'ZADD');
  assertEqual(await r.zrange('io:z', 0, -1, 'WITHSCORES'), ['one', '1', 'two', '2'], 'ZRANGE WITHSCORES');
  assertEqual(await r.expire('io:str', 100), 1, 'EXPIRE');
  const ttl = await r.ttl('io:str');
  assert(ttl > 90 && ttl <= 100, `TTL ${ttl}`);
  assertEqual(await r.exists('io:str', 'io:none'), 1, 'EXISTS');
  assertEqual(await r.del('io:str', 'io:none'), 1, 'DEL');
  assertEqual(await r.get('io:str'), null, 'GET of a deleted key');
  await assertRejects(r.lpush('io:h', 'x'), /^WRONGTYPE/, 'WRONGTYPE error');
  await assertRejects(r.call('NOSUCHCOMMAND'), /^ERR unknown command/, 'unknown command');
  // Scripts, as ioredis sends them: EVALSHA first, EVAL after NOSCRIPT.
  r.defineCommand('addTwo', { numberOfKeys: 1, lua: 'return redis.call("INCRBY", KEYS[1], 2)' });
  assertEqual(await r.addTwo('io:n'), 44, 'defineCommand (EVALSHA/EVAL)');
  assertEqual(await r.addTwo('io:n'), 46, 'defineCommand again (EVALSHA)');
  assertEqual(await r.eval('return {KEYS[1], ARGV[1]}', 1, 'k', 'v'), ['k', 'v'], 'EVAL');
  // A blocking pop answered by another connection.
  const b = client();
  const popped = b.blpop('io:q', 5);
  await waitFor(async () => /blpop/.test(await r.client('list')), 'the BLPOP client');
  await r.rpush('io:q', 'job');
  assertEqual(await popped, ['io:q', 'job'], 'BLPOP woken by RPUSH');
  // SCAN through ioredis' scanStream.
  const p = r.pipeline();
  for (let i = 0; i < 250; i++) p.set(`io:scan:${i}`, i);
  await p.exec();
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const s = r.scanStream({ match: 'io:scan:*', count: 50 });
    s.on('data', (keys) => keys.forEach((k) => seen.add(k)));
    s.on('end', resolve);
    s.on('error', reject);
  });
  assertEqual(seen.size, 250, 'scanStream keys');
  const info = await r.info('server');
  assert(/redis_version:7\./.test(info), 'INFO server says redis_version:7.x');
  b.disconnect();
  await r.quit();
  log('commands ok');
}

async function assertRejects(promise, re, what) {
  try {
    await promise;
  } catch (err) {
    if (!re.test(err.message)) throw new Error(`${what}: error "${err.message}" does not match ${re}`);
    return;
  }
  throw new Error(`${what}: no error`);
}

async function pipeline() {
  const r = client();
  await r.del('io:cnt');
  const p = r.pipeline();
  for (let i = 0; i < 2000; i++) {
    p.set(`io:p:${i}`, `v${i}`);
    p.incr('io:cnt');
  }
  const res = await p.exec();
  assertEqual(res.length, 4000, 'pipeline replies');
  assert(res.every(([err]) => err === null), 'no error in the pipeline');
  assertEqual(res[3999][1], 2000, 'last INCR of the pipeline');
  // A pipeline whose middle command fails: the others still run.
  const mixed = await r.pipeline().set('io:pm', '1').lpush('io:pm', 'x').get('io:pm').exec();
  assertEqual(mixed[0], [null, 'OK'], 'pipeline SET');
  assert(/^WRONGTYPE/.test(mixed[1][0].message), 'pipeline error in place');
  assertEqual(mixed[2], [null, '1'], 'pipeline GET after an error');
  // MULTI/EXEC and a WATCH that aborts the transaction.
  const tx = await r.multi().incr('io:cnt').get('io:p:1999').exec();
  assertEqual(tx, [[null, 2001], [null, 'v1999']], 'MULTI/EXEC');
  const other = client();
  await r.watch('io:cnt');
  await other.incr('io:cnt');
  assertEqual(await r.multi().incr('io:cnt').exec(), null, 'EXEC aborted by WATCH');
  const bad = await r.multi().set('io:t', '1').call('NOSUCHCOMMAND').exec().catch((e) => e);
  assert(bad instanceof Error && /EXECABORT/.test(bad.message), `EXECABORT: ${bad}`);
  // Many commands written at once without an explicit pipeline (ioredis
  // batches what is issued in the same tick).
  const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => r.get(`io:p:${i}`)));
  assert(many.every((v, i) => v === `v${i}`), 'auto-batched GETs');
  other.disconnect();
  await r.quit();
  log('pipeline ok');
}

async function pubsub() {
  const sub = client();
  const pub = client();
  const got = [];
  sub.on('message', (ch, msg) => got.push(['message', ch, msg]));
  sub.on('pmessage', (pat, ch, msg) => got.push(['pmessage', pat, ch, msg]));
  assertEqual(await sub.subscribe('io:ch1', 'io:ch2'), 2, 'SUBSCRIBE count');
  assertEqual(await sub.psubscribe('io:pat:*'), 3, 'PSUBSCRIBE count');
  // In subscriber mode only (P)SUBSCRIBE, PING and friends are allowed.
  assertEqual(await sub.ping(), ['pong', ''], 'PING in subscriber mode (RESP2: a pong array)');
  assertEqual(await pub.publish('io:ch1', 'hello'), 1, 'PUBLISH receivers');
  assertEqual(await pub.publish('io:pat:x', 'world'), 1, 'PUBLISH to a pattern');
  const big = 'm'.repeat(100000);
  await pub.publish('io:ch2', big);
  for (let i = 0; i < 200; i++) pub.publish('io:ch1', `n${i}`);
  await waitFor(() => got.length === 203, 'the published messages');
  assertEqual(got[0], ['message', 'io:ch1', 'hello'], 'first message');
  assertEqual(got[1], ['pmessage', 'io:pat:*', 'io:pat:x', 'world'], 'pattern message');
  assertEqual(got[2][2].length, big.length, '100 kB message');
  assert(got.slice(3).every((m, i) => m[2] === `n${i}`), 'messages in order');
  const chans = await pub.pubsub('CHANNELS', 'io:*');
  assertEqual(chans.sort(), ['io:ch1', 'io:ch2'], 'PUBSUB CHANNELS');
  assertEqual(await pub.pubsub('NUMPAT'), 1, 'PUBSUB NUMPAT');
  await sub.unsubscribe('io:ch1');
  assertEqual(await pub.publish('io:ch1', 'gone'), 0, 'PUBLISH after UNSUBSCRIBE');
  assertEqual(await sub.unsubscribe('io:ch2'), 1, 'UNSUBSCRIBE count');
  assertEqual(await sub.punsubscribe('io:pat:*'), 0, 'PUNSUBSCRIBE count');
  // Back out of subscriber mode, ordinary commands work again.
  assertEqual(await sub.set('io:after', 'sub'), 'OK', 'SET after leaving subscriber mode');
  sub.disconnect();
  await pub.quit();
  log('pubsub ok');
}

async function reconnect() {
  const r = client({ retryStrategy: () => 50 });
  const sub = client({ retryStrategy: () => 50 });
  const admin = client();
  await r.set('io:rc', 'before');
  let got = null;
  sub.on('message', (ch, msg) => { got = msg; });
  await sub.subscribe('io:rc:ch');
  // The server closes both connections; ioredis reconnects and, for the
  // subscriber, subscribes again.
  const ids = [await r.client('ID'), await sub.client('ID').catch(() => null)];
  await admin.client('KILL', 'ID', ids[0]);
  await admin.client('KILL', 'TYPE', 'pubsub');
  assertEqual(await r.get('io:rc'), 'before', 'GET after the server closed the connection');
  await waitFor(async () => (await admin.publish('io:rc:ch', 'again')) === 1, 'the subscriber back');
  await waitFor(() => got === 'again', 'a message after resubscribing');
  const newId = await r.client('ID');
  assert(newId !== ids[0], 'a new connection');
  r.disconnect();
  sub.disconnect();
  await admin.quit();
  log('reconnect ok');
}

const cases = { commands, pipeline, pubsub, reconnect };
run(async () => {
  const c = cases[opt.case];
  if (!c) throw new Error(`unknown case ${opt.case}`);
  await c();
});
