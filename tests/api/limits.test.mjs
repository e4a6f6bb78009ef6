// Rate limits (token buckets per shopper token, per customer, per API key):
// a script hammering the API with one shopper's token gets 429
// rate_limited with Retry-After, and another shop's shopper is served
// meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { makeAgent, noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, newKey } from './lib/ids.mjs';

const a = new Api(A);
const b = new Api(B);

test('1,000 failing requests with one shopper token: 429 rate_limited with Retry-After; another shop is served meanwhile', async () => {
  const c = customerId('flood');
  const token = a.token(c);
  const agent = makeAgent(16);
  const other = customerId('calm');
  const statuses = {};
  let refused = null;
  let next = 0;
  const flood = async () => {
    while (next < 1_000) {
      next += 1;
      const res = await a.redeem(c, 'no-such-reward', { token, key: newKey(), agent });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 429) refused ??= res;
    }
  };
  const calm = async () => {
    const seen = [];
    for (let i = 0; i < 20; i++) seen.push((await b.me(other)).status);
    return seen;
  };
  const [, , otherShop] = await Promise.all([flood(), flood(), calm(), ...Array.from({ length: 6 }, flood)]);
  agent.destroy();
  assert.ok(statuses[429] > 0, `some were refused: ${JSON.stringify(statuses)}`);
  assert.ok(statuses[404] >= 100, `the burst went through first: ${JSON.stringify(statuses)}`);
  assertProblem(refused, 429, 'rate_limited', 'past the limit');
  assert.match(String(refused.headers['retry-after']), /^\d+$/);
  assert.deepEqual(otherShop, Array(20).fill(200), 'the other shop\'s shopper was served');
});

noServerErrorsTest();
