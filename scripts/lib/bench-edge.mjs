// The edge rows of the benchmark (scripts/bench.mjs): the built edge
// module (pkg/edge) in workerd (wrangler dev, Durable Objects) and in Deno
// (Deno KV), each on loopback. Each runtime's own floor is the Worker's
// or server's /healthz, answered by the same wasm handler without state.
// Cold start: the first request that reaches state in a runtime just
// started (workerd: a fresh customer's and merchant's Durable Objects;
// Deno: the first request of the process, its KV opened).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyWorkerApp, startWrangler, stopWrangler } from '../../tests/edge/lib/wrangler.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
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

/** Starts workerd with the built Worker; `{url, stop}`. */
async function startWorkerd(dir, work, merchant) {
  const app = join(work, 'workerd-app');
  copyWorkerApp(dir, app, merchantsJson(merchant));
  let handle = null;
  await startWrangler({ app, work: join(work, 'workerd'), onStart: (w) => { handle = w; } });
  return { url: handle.url, stop: () => stopWrangler(handle) };
}

/** Starts Deno with the built module; `{url, stop}`. */
export async function startDeno(dir, work, merchant) {
  const kv = join(work, 'deno-kv');
  mkdirSync(kv, { recursive: true });
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
 * The rows of one runtime: cold start, then GET /v1/me and an order_paid
 * event under wrk, each after the runtime's /healthz.
 */
async function measure(name, started, { merchant, shopperOf, wrk, seed }) {
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
  return { runtime: name, cold, rows };
}

/** workerd's and Deno's rows, one runtime at a time. */
export async function edgeRows({ dir, work, merchant, shopperOf, wrk, seed }) {
  const out = [];
  for (const [name, start] of [['workerd (Durable Objects)', startWorkerd], ['Deno (Deno KV)', startDeno]]) {
    const started = await start(dir, work, merchant);
    try {
      out.push(await measure(name, started, { merchant, shopperOf, wrk, seed }));
    } finally {
      await started.stop();
    }
  }
  return out;
}
