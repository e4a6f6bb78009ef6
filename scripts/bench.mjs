#!/usr/bin/env node
// The benchmark table (`./dev bench`): what the widget costs a shop's page
// and what the native server answers per second, side by side with the
// floor it is compared to, measured in one run on this machine. Prints the
// table and writes it to BENCHMARKS.md with the machine, date and commit.
//
//   node scripts/bench.mjs --server PATH [--widget pkg/widget] [--seconds 5] [--out BENCHMARKS.md]
//
// The server is started here on a loopback port with a temporary database
// and a merchant whose rate limits are lifted (the bench measures the
// handler, not the limiter); the load comes from wrk (Debian's), one
// thread and a few keep-alive connections, bounded in time. Every row is
// measured right after its floor (/healthz) so the machine's noise lands on
// both.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, openSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { mintToken } from '../tests/api/lib/jwt.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const { values: opts } = parseArgs({
  options: {
    server: { type: 'string' },
    widget: { type: 'string', default: join(repo, 'pkg', 'widget') },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string', default: join(repo, 'BENCHMARKS.md') },
  },
});
if (!opts.server) throw new Error('usage: node scripts/bench.mjs --server PATH [--widget DIR] [--seconds N] [--out FILE]');
const seconds = Number(opts.seconds);
const work = mkdtempSync(join(tmpdir(), 'retention-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the widget's bytes -----------------------------------------------------------
// Peers: the JavaScript each loads on a shop page for its one job, as
// published by their own CDNs (gzip; measured by their vendors' pages and
// public audits, not here).
const PEERS = [
  ['Smile.io (loyalty)', 105_000],
  ['LoyaltyLion (loyalty)', 113_000],
  ['Loop (subscriptions)', 114_000],
  ['Skio (subscriptions)', 151_000],
  ['Yotpo Loyalty', 285_000],
];

function widgetRows() {
  const files = readdirSync(opts.widget).filter((f) => f === 'loader.js' || /^widget-.*\.(js|wasm)$/.test(f));
  const rows = files.sort().map((f) => {
    const b = readFileSync(join(opts.widget, f));
    return {
      file: f.replace(/-[0-9a-f]{12}\./, '.'),
      raw: b.length,
      gzip: zlib.gzipSync(b, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  const total = rows.reduce((t, r) => ({ file: 'total', raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  return [...rows, total];
}

// ---- the native server ------------------------------------------------------------------
const merchant = { id: 'bench', api_key: `ak_${randomBytes(16).toString('hex')}`, token_secret: randomBytes(32).toString('hex') };

async function startServer() {
  const config = join(work, 'retention.toml');
  const lifted = '{ per_second = 1000000, burst = 1000000 }';
  writeFileSync(config, [
    '[[merchant]]',
    `id = "${merchant.id}"`,
    `api_key = "${merchant.api_key}"`,
    `token_secret = "${merchant.token_secret}"`,
    'allowed_origins = ["http://127.0.0.1"]',
    `rate_limits = { shopper = ${lifted}, customer = ${lifted}, merchant = ${lifted} }`,
    '',
  ].join('\n'), { mode: 0o600 });
  const log = openSync(join(work, 'server.log'), 'w');
  const child = spawn(resolve(opts.server), ['--config', config, '--db', join(work, 'retention.db'), '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', log],
  });
  const url = await new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('the server did not start within 30 s')), 30_000);
    child.on('exit', (code) => fail(new Error(`the server exited (${code}); log: ${join(work, 'server.log')}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); done(m[1]); }
    });
  });
  return { child, url };
}

async function call(url, method, path, body, headers = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${merchant.api_key}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** wrk against `path` for `seconds`: requests/s, p50 and p99 in ms, and non-2xx answers. */
async function wrk(url, path, { method = 'GET', headers = {}, body = null, unique = false } = {}) {
  const script = join(work, `wrk-${randomBytes(4).toString('hex')}.lua`);
  // Each request its own Idempotency-Key (and order id) when `unique`, so
  // every one is a new write rather than a replay.
  writeFileSync(script, `
local n = 0
local id = tostring(math.random(1, 1e9))
wrk.method = ${JSON.stringify(method)}
${Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n')}
${body === null ? '' : `wrk.headers["Content-Type"] = "application/json"`}
request = function()
  n = n + 1
  local key = id .. "-" .. n
  ${unique ? 'wrk.headers["Idempotency-Key"] = "bench-" .. key' : ''}
  local body = ${body === null ? 'nil' : `(${JSON.stringify(body)}):gsub("KEY", key)`}
  return wrk.format(nil, ${JSON.stringify(path)}, nil, body)
end
local statuses = {}
response = function(status)
  if status >= 300 then statuses[status] = (statuses[status] or 0) + 1 end
end
done = function()
  local bad = 0
  for _, c in pairs(statuses) do bad = bad + c end
  io.write("NON2XX " .. bad .. "\\n")
end
`);
  const { stdout } = await run('wrk', ['-t1', '-c4', `-d${seconds}s`, '--latency', '-s', script, `${url}${path}`], { timeout: (seconds + 30) * 1000 });
  const ms = (label) => {
    const m = stdout.match(new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  return {
    rps: Number((stdout.match(/Requests\/sec:\s+([\d.]+)/) ?? [])[1]),
    p50: ms('50'),
    p99: ms('99'),
    bad: Number((stdout.match(/NON2XX (\d+)/) ?? [])[1] ?? 0),
  };
}

// ---- the table ------------------------------------------------------------------------------
const fmt = (n, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main() {
  const lines = [];
  const say = (s = '') => { console.log(s); lines.push(s); };
  const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo })).stdout.trim();
  const dirty = (await run('git', ['status', '--porcelain'], { cwd: repo })).stdout.trim() ? ' (with uncommitted changes)' : '';
  say('# Benchmarks');
  say();
  say(`Measured by \`./dev bench\` on ${new Date().toISOString().slice(0, 10)}, commit ${commit}${dirty}, on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; wrk, one thread, 4 connections, ${seconds} s per row.`);
  say();
  say('## Widget: bytes a shop page downloads');
  say();
  say('| file | raw | gzip | brotli |');
  say('|---|---:|---:|---:|');
  const widget = widgetRows();
  for (const r of widget) say(`| ${r.file} | ${fmt(r.raw)} | ${fmt(r.gzip)} | ${fmt(r.brotli)} |`);
  const ours = widget.at(-1).gzip;
  say();
  say('| widget (one job each, published gzip JavaScript) | gzip | ours, three jobs, relative |');
  say('|---|---:|---:|');
  for (const [name, bytes] of PEERS) say(`| ${name} | ~${fmt(bytes)} | ${(ours / bytes).toFixed(2)}× |`);
  say();

  const server = await startServer();
  try {
    const { url } = server;
    // the demo shop's program (scripts/seed-demo.mjs), and a shopper of our own
    await run(process.execPath, [join(repo, 'scripts', 'seed-demo.mjs'), url, merchant.api_key], { timeout: 60_000 });
    const customer = 'bench-shopper';
    await call(url, 'POST', `/v1/admin/customers/${customer}/events`, { type: 'points_adjusted', points: 1_000_000_000, reason: 'Bench balance' }, { 'Idempotency-Key': 'bench-seed' });
    const token = mintToken(merchant, customer, { ttl: 3600 });
    const shopper = { Authorization: `Bearer ${token}` };
    const admin = { Authorization: `Bearer ${merchant.api_key}` };
    const reward = 'free-shipping';
    const rows = [
      ['GET /v1/me', '/v1/me', { headers: shopper }],
      ['POST order_paid event', `/v1/admin/customers/${customer}/events`, {
        method: 'POST', headers: admin, unique: true,
        body: JSON.stringify({ type: 'order_paid', order_id: 'o-KEY', amount_minor: 120000, currency: 'RUB' }),
      }],
      ['POST redemption', '/v1/me/redemptions', { method: 'POST', headers: shopper, unique: true, body: JSON.stringify({ reward_id: reward }) }],
    ];
    say('## Native server (profile native: release at opt-level 3; a SQLite file, synchronous=FULL)');
    say();
    say('| request | requests/s | p50 ms | p99 ms | /healthz requests/s (same run) | ratio to /healthz | non-2xx |');
    say('|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, path, options] of rows) {
      const floor = await wrk(url, '/healthz');
      const m = await wrk(url, path, options);
      say(`| ${name} | ${fmt(m.rps)} | ${fmt(m.p50, 2)} | ${fmt(m.p99, 2)} | ${fmt(floor.rps)} | ${(m.rps / floor.rps).toFixed(2)} | ${m.bad} |`);
      await sleep(200);
    }
    say();
    say('The writes go to one customer whose history grows through its row (every order and redemption is kept): today each write parses and rewrites the whole state, which is what the scale rows are to show and the store split to fix.');
    say();
    say('Not measured yet (issue 13): widget start in Chromium against a bare Leptos counter, workerd and Deno latencies and cold starts, and the scale rows (10, 1,000 and 20,000 ledger entries; 100 and 100,000 customers).');
  } finally {
    server.child.kill('SIGTERM');
  }
  writeFileSync(opts.out, `${lines.join('\n')}\n`);
  console.log(`\nwritten to ${opts.out}`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((e) => { console.error(`bench: ${e.message}`); process.exit(1); });
