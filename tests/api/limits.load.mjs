// The load test of the rate limits (bounded, loopback; run alone, after
// the rest of the suite, so nothing else shares the machine): one shopper
// token of shop A sends 1,000 failing requests as fast as it can while
// shoppers of shop B read GET /v1/me one request after another (taking
// turns, 100 of them, so none reaches its own limit). B's p99
// under the flood stays within 2x its p99 without it, and A gets 429s.
// Three rounds (a fresh token each), B's samples pooled, quiet and
// flooded windows alternating so a slow moment of the machine lands in
// both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { B } from './lib/env.mjs';
import { makeAgent, noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { customerId } from './lib/ids.mjs';

const b = new Api(B);
const ROUNDS = 3;
const FLOOD = 1_000;
const QUIET_SAMPLES = 200;
let turn = 0;

const SHOPPERS = 100;

/** B's shoppers' GET /v1/me in turn, timed in ms, until `done()` (and at least `min` times). */
async function sample(shoppers, agent, { min, done = () => true }) {
  const times = [];
  while (times.length < min || !done()) {
    const { sub, token } = shoppers[turn++ % shoppers.length];
    const t0 = performance.now();
    const res = await b.me(sub, { token, agent });
    times.push(performance.now() - t0);
    assert.equal(res.status, 200, `shop B's shopper is served: ${res.status} ${res.text.slice(0, 200)}`);
  }
  return times;
}

function percentile(times, p) {
  const sorted = [...times].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function flood(round) {
  const worker = new Worker(new URL('./lib/flood.mjs', import.meta.url), {
    workerData: { customer: customerId(`flood-${round}`), count: FLOOD, connections: 8 },
  });
  let finished = false;
  const result = new Promise((resolve, reject) => {
    worker.once('message', (m) => { finished = true; resolve(m); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (!finished) reject(new Error(`the flood thread stopped (${code})`)); });
  });
  return { result, running: () => !finished };
}

test('one token floods 1,000 failing requests: it gets 429s, and another shop\'s p99 stays within 2x of its quiet p99', async () => {
  const shoppers = Array.from({ length: SHOPPERS }, (_, i) => {
    const sub = customerId(`steady-${i}`);
    return { sub, token: b.token(sub) };
  });
  const agent = makeAgent(1);
  await sample(shoppers, agent, { min: SHOPPERS }); // warm: the connection is open
  const quiet = [];
  const flooded = [];
  const floods = [];
  for (let round = 0; round < ROUNDS; round++) {
    quiet.push(...await sample(shoppers, agent, { min: QUIET_SAMPLES }));
    const f = flood(round);
    flooded.push(...await sample(shoppers, agent, { min: 20, done: () => !f.running() }));
    floods.push(await f.result);
  }
  quiet.push(...await sample(shoppers, agent, { min: QUIET_SAMPLES }));
  agent.destroy();
  const quietP99 = percentile(quiet, 99);
  const floodedP99 = percentile(flooded, 99);
  const table = [
    `shop B GET /v1/me: quiet p50 ${percentile(quiet, 50).toFixed(2)} ms, p99 ${quietP99.toFixed(2)} ms (${quiet.length} requests)`,
    `                   flooded p50 ${percentile(flooded, 50).toFixed(2)} ms, p99 ${floodedP99.toFixed(2)} ms (${flooded.length} requests)`,
    ...floods.map((f, i) => `flood ${i + 1}: ${FLOOD} requests in ${f.ms.toFixed(0)} ms, by status ${JSON.stringify(f.statuses)}`),
    `p99 ratio flooded/quiet: ${(floodedP99 / quietP99).toFixed(2)} (at most 2)`,
  ].join('\n');
  console.log(table);
  for (const f of floods) {
    assert.ok((f.statuses[429] ?? 0) > 0, `the flood got 429s:\n${table}`);
    assert.match(String(f.retryAfter), /^\d+$/, 'with Retry-After');
  }
  assert.ok(floodedP99 <= 2 * quietP99, `shop B's p99 under the flood within 2x of quiet:\n${table}`);
});

noServerErrorsTest();
