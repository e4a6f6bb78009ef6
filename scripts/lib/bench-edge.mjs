// The edge rows of the benchmark (scripts/bench.mjs): the built edge
// module (pkg/edge) in workerd (wrangler dev, Durable Objects) and in Deno
// (Deno KV), each on loopback. Each runtime's own floor is the Worker's
// or server's /healthz, answered by the same wasm handler without state.
// Cold start: the first request that reaches state in a runtime just
// started (workerd: a fresh customer's and merchant's Durable Objects;
// Deno: the first request of the process, its KV opened). Scale: the
// fixture tool's customers (`--emit`), replayed through each runtime's
// own store (workerd: a bench-only Worker entry that hands each write to
// the customer's Durable Object; Deno: the store on the KV file before
// the server opens it).
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyWorkerApp, startWrangler, stopWrangler } from '../../tests/edge/lib/wrangler.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const denoBin = join(repo, 'node_modules', '@deno', 'linux-x64-glibc', 'deno');

/** The merchant as the edge module's RETENTION_MERCHANTS holds it, rate limits lifted. */
function merchantsJson(merchant) {
  const lifted = { per_second: 1_000_000, burst: 1_000_000 };
  return [{
    id: merchant.id, api_key: merchant.api_key, token_secret: merchant.token_secret,
    allowed_origins: ['http://127.0.0.1'],
    rate_limits: { shopper: lifted, customer: lifted, merchant: lifted },
  }];
}

/** Milliseconds `path` takes to answer 200 at `url`. */
async function timed(url, path, init = {}) {
  const t0 = performance.now();
  const res = await fetch(`${url}${path}`, init);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
  return performance.now() - t0;
}

/**
 * The bench's Worker entry: the built Worker, and one more route that
 * hands a fixture's write to its customer's Durable Object (`token`
 * guards it; this copy runs on loopback for one bench and is never
 * deployed).
 */
function benchEntry(token) {
  return `import worker from "./worker.js";
export * from "./worker.js";
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/__bench/import") return worker.fetch(request, env, ctx);
    if (request.headers.get("x-bench-token") !== ${JSON.stringify(token)}) return new Response("", { status: 404 });
    const merchant = url.searchParams.get("merchant");
    const { customer, expected, write } = await request.json();
    const stub = env.CUSTOMERS.get(env.CUSTOMERS.idFromName(merchant + "\\n" + customer));
    const saved = await stub.saveCustomer(merchant, customer, expected, write);
    return new Response(saved ? "saved" : "conflict", { status: saved ? 200 : 409 });
  },
};
`;
}

/** Starts workerd with the built Worker and replays `fixture` into it; `{url, stop}`. */
async function startWorkerd(dir, work, merchant, fixture) {
  const app = join(work, 'workerd-app');
  copyWorkerApp(dir, app, merchantsJson(merchant));
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(app, 'bench-main.js'), benchEntry(token));
  const toml = join(app, 'wrangler.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace(/^main = "worker.js"$/m, 'main = "bench-main.js"'));
  let handle = null;
  await startWrangler({ app, work: join(work, 'workerd'), onStart: (w) => { handle = w; } });
  const started = { url: handle.url, stop: () => stopWrangler(handle) };
  try {
    let count = 0;
    for (const line of readFileSync(fixture, 'utf8').split('\n').filter(Boolean)) {
      const res = await fetch(`${handle.url}/__bench/import?merchant=${encodeURIComponent(merchant.id)}`, {
        method: 'POST', headers: { 'x-bench-token': token }, body: line,
      });
      if (res.status !== 200) throw new Error(`a fixture write was refused: ${res.status} ${await res.text()}`);
      count += 1;
    }
    console.log(`workerd: ${count} fixture writes replayed`);
  } catch (e) {
    await started.stop();
    throw e;
  }
  return started;
}

/** Starts Deno with the built module, its KV file holding `fixture`; `{url, stop}`. */
export async function startDeno(dir, work, merchant, fixture) {
  const kv = join(work, 'deno-kv');
  mkdirSync(kv, { recursive: true });
  const denoEnv = { PATH: process.env.PATH, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(work, 'deno-dir') };
  if (fixture) {
    const out = execFileSync(denoBin, [
      'run', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--no-prompt', '--unstable-kv',
      `--allow-read=${dir},${kv},${fixture},${here}`, `--allow-write=${kv}`,
      join(here, 'bench-load-deno.js'), join(dir, 'deno', 'store.js'), join(kv, 'retention.kv'), fixture, merchant.id,
    ], { env: denoEnv, encoding: 'utf8', timeout: 300_000 });
    process.stdout.write(out);
  }
  const child = spawn(denoBin, [
    'run', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--cached-only', '--no-prompt', '--unstable-kv',
    '--allow-net=127.0.0.1', '--allow-env=PORT,RETENTION_MERCHANTS,RETENTION_KV,RETENTION_HOSTNAME,DENO_DEPLOYMENT_ID',
    `--allow-read=${dir},${kv}`, `--allow-write=${kv}`,
    join(dir, 'deno', 'main.js'), '--hostname', '127.0.0.1', '--port', '0',
  ], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {
      PATH: process.env.PATH, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(work, 'deno-dir'),
      RETENTION_MERCHANTS: JSON.stringify(merchantsJson(merchant)), RETENTION_KV: join(kv, 'retention.kv'),
    },
  });
  const exited = new Promise((done) => child.on('exit', done));
  const url = await new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('deno did not start within 30 s')), 30_000);
    child.on('exit', (code) => fail(new Error(`deno exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); done(m[1]); }
    });
  });
  return { url, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

/**
 * The scale rows of one runtime: `GET /v1/me` under wrk and 10 new
 * orders one after another, for the 10-entry and the 20,000-entry
 * customer, in the order e10, e20000, e20000, e10 so drift lands on both.
 */
async function scaleRows(url, { merchant, shopperOf, wrk, sequential }) {
  const admin = { Authorization: `Bearer ${merchant.api_key}`, 'Content-Type': 'application/json' };
  const runs = { e10: [], e20000: [] };
  for (const [round, id] of ['e10', 'e20000', 'e20000', 'e10'].entries()) {
    const me = await wrk(url, '/v1/me', { headers: shopperOf(id) });
    const event = await sequential(url, 10, (i) => ({
      path: `/v1/admin/customers/${id}/events`,
      init: {
        method: 'POST',
        headers: { ...admin, 'Idempotency-Key': `edge-scale-${id}-${round}-${i}` },
        body: JSON.stringify({ type: 'order_paid', order_id: `edge-scale-${round}-${i}`, amount_minor: 120000, currency: 'RUB' }),
      },
    }));
    runs[id].push({ me, event });
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = (id) => ({
    id,
    rps: mean(runs[id].map((r) => r.me.rps)),
    p50: mean(runs[id].map((r) => r.me.p50)),
    p99: mean(runs[id].map((r) => r.me.p99)),
    bad: runs[id].reduce((n, r) => n + r.me.bad, 0),
    eventP50: mean(runs[id].map((r) => r.event.p50)),
  });
  return [summary('e10'), summary('e20000')];
}

/**
 * The rows of one runtime: cold start, then GET /v1/me and an order_paid
 * event under wrk, each after the runtime's /healthz, then the scale rows.
 */
async function measure(name, started, { merchant, shopperOf, wrk, seed, sequential }) {
  const { url } = started;
  const admin = { Authorization: `Bearer ${merchant.api_key}` };
  const cold = await timed(url, '/v1/me', { headers: shopperOf('cold-shopper') });
  await seed(url);
  const rows = [];
  for (const [label, path, options] of [
    ['GET /v1/me', '/v1/me', { headers: shopperOf('bench-shopper') }],
    ['POST order_paid event', '/v1/admin/customers/bench-shopper/events', {
      method: 'POST', headers: admin, unique: true,
      body: JSON.stringify({ type: 'order_paid', order_id: 'o-KEY', amount_minor: 120000, currency: 'RUB' }),
    }],
  ]) {
    const floor = await wrk(url, '/healthz');
    const m = await wrk(url, path, options);
    rows.push({ runtime: name, label, m, floor });
  }
  const scale = await scaleRows(url, { merchant, shopperOf, wrk, sequential });
  return { runtime: name, cold, rows, scale };
}

/** workerd's and Deno's rows, one runtime at a time. */
export async function edgeRows({ dir, work, merchant, shopperOf, wrk, seed, sequential, fixture }) {
  const out = [];
  for (const [name, start] of [['workerd (Durable Objects)', startWorkerd], ['Deno (Deno KV)', startDeno]]) {
    const started = await start(dir, work, merchant, fixture);
    try {
      out.push(await measure(name, started, { merchant, shopperOf, wrk, seed, sequential }));
    } finally {
      await started.stop();
    }
  }
  return out;
}
