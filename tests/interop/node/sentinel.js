'use strict';
// sentinel.js -- ioredis finds the master through sentinels and keeps
// writing until the file <stop> exists. Each acknowledged write is
// "SET io:seq <n>"; a line "acked <n>" is printed every 20 writes and
// "errors <k>" for failed ones. Options: {"sentinelports": [..],
// "name": "mymaster", "stop": "<file>", "tls": "<certificate dir>"}.

const fs = require('fs');
const Redis = require('ioredis');
const { options, tlsOptions, log, sleep, run } = require('./common');

const opt = options();
const tls = tlsOptions(opt.tls);

run(async () => {
  const r = new Redis({
    sentinels: opt.sentinelports.map((port) => ({ host: '127.0.0.1', port })),
    name: opt.name,
    tls,
    enableTLSForSentinelMode: !!tls,
    sentinelTLS: tls,
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
    maxRetriesPerRequest: 50,
  });
  let n = 0;
  let errors = 0;
  while (!fs.existsSync(opt.stop)) {
    try {
      await r.set('io:seq', n + 1);
      n += 1;
      if (n % 20 === 0) log(`acked ${n}`);
    } catch (err) {
      errors += 1;
      log(`errors ${errors} ${err.message}`);
    }
    await sleep(5);
  }
  log(`final ${n} errors ${errors}`);
  r.disconnect();
}, 600000);
