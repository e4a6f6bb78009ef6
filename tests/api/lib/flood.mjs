// A flood in a process of its own: one shopper token of merchant A sends
// COUNT failing redemptions (an unknown reward, a fresh key each) over
// CONNECTIONS connections as fast as they come back, then prints
// {statuses, ms, retryAfter} as one JSON line (after a line `started` as
// the first request goes).
//
//   CUSTOMER=… COUNT=1000 CONNECTIONS=6 node flood.mjs   (with the suite's environment)
//
// The load test starts it at the lowest CPU priority (nice 19) on one CPU
// (taskset): the attacker's client is somewhere else in real life, and on
// a 2-core machine a client at full priority would measure itself, not the
// server.
import { A, BASE_URL } from './env.mjs';
import { Api } from './client.mjs';
import { RawConnection, requestBytes } from './raw-http.mjs';

const customer = process.env.CUSTOMER;
const count = Number(process.env.COUNT);
const connections = Number(process.env.CONNECTIONS);
const token = new Api(A).token(customer);
const body = JSON.stringify({ reward_id: 'no-such-reward' });
const statuses = {};
let retryAfter = null;
let next = 0;
console.log('started');
const started = performance.now();
const one = async () => {
  const conn = new RawConnection(BASE_URL);
  try {
    while (next < count) {
      next += 1;
      const bytes = requestBytes(BASE_URL, 'POST', '/v1/me/redemptions', {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': `${customer}-${next}`,
      }, body);
      const res = await conn.send(bytes);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 429) retryAfter ??= res.headers['retry-after'] ?? null;
    }
  } finally {
    conn.close();
  }
};
await Promise.all(Array.from({ length: connections }, one));
console.log(JSON.stringify({ statuses, ms: performance.now() - started, retryAfter }));
