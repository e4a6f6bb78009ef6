// A flood in its own thread: one shopper token of merchant A sends
// `count` failing redemptions (an unknown reward, a fresh key each) over
// `connections` connections as fast as they come back, so the thread
// measuring another shop's latency shares no event loop with it. Posts
// {statuses, ms, retryAfter} when done.
import { parentPort, workerData } from 'node:worker_threads';
import { A } from './env.mjs';
import { makeAgent } from './http.mjs';
import { Api } from './client.mjs';
import { newKey } from './ids.mjs';

const { customer, count, connections } = workerData;
const a = new Api(A);
const token = a.token(customer);
const agent = makeAgent(connections);
const statuses = {};
let retryAfter = null;
let next = 0;
const started = performance.now();
const one = async () => {
  while (next < count) {
    next += 1;
    const res = await a.redeem(customer, 'no-such-reward', { token, key: newKey(), agent });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === 429) retryAfter ??= res.headers['retry-after'] ?? null;
  }
};
await Promise.all(Array.from({ length: connections }, one));
agent.destroy();
parentPort.postMessage({ statuses, ms: performance.now() - started, retryAfter });
