#!/usr/bin/env node
// Runs the black-box API suite against the native server.
//
//   node tests/api/run-native.mjs [--server PATH] [--only SUBSTRING] [--skip-crash]
//
// Builds nothing: the caller runs `cargo build -p retention-server` first.
// Writes a temporary config (two merchants with random secrets) and a
// temporary database, starts the server on 127.0.0.1:0, runs every
// tests/api/*.test.mjs with `node --test`, then the crash test (kill -9
// under write load, restart on the same database, every acknowledged event
// must be there). Always stops the server. Closing line:
//   api suite: N passed, M failed
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { boundRun, exchange, harnessArgs, merchantsToml, runSuitePhases, spawnNativeServer, statusSummary, suiteMerchants } from './lib/harness.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { faultRounds } from './lib/faults.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

// ---- arguments --------------------------------------------------------------
const opts = harnessArgs('node tests/api/run-native.mjs [--server PATH] [--only SUBSTRING] [--skip-crash]', {
  server: { type: 'string', default: join(repo, 'target', 'debug', 'retention-server') },
  only: { type: 'string' },
  'skip-crash': { type: 'boolean', default: false },
});
const serverPath = resolve(opts.server);
const only = opts.only ?? null;
const skipCrash = opts['skip-crash'];

const TOTAL_DEADLINE_MS = 10 * 60_000; // the whole run, hard bound
const READY_TIMEOUT_MS = 30_000;

// ---- bookkeeping of what we started ----------------------------------------
const work = mkdtempSync(join(tmpdir(), 'retention-api-'));
const configPath = join(work, 'retention.toml');
const dbPath = join(work, 'retention.db');
const statusLog = join(work, 'statuses.log');
let server = null; // {child, url, logPath}
let testRunner = null;
let serverRuns = 0;

function stopEverything() {
  for (const child of [testRunner?.child, server?.child]) {
    if (child && child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
}
boundRun({ name: 'run-native', suite: 'api', stop: stopEverything, deadlineMs: TOTAL_DEADLINE_MS });

// ---- configuration ------------------------------------------------------------
const receiver = await startReceiver();
const merchants = suiteMerchants(receiver.url);
writeFileSync(configPath, merchantsToml(merchants), { mode: 0o600 });

// ---- server -------------------------------------------------------------------
async function startServer() {
  serverRuns += 1;
  server = await spawnNativeServer({
    serverPath,
    args: ['--config', configPath, '--db', dbPath, '--listen', '127.0.0.1:0'],
    logPath: join(work, `server-${serverRuns}.log`),
    readyMs: READY_TIMEOUT_MS,
  });
  return server;
}

function killServer(signal = 'SIGKILL') {
  const s = server;
  if (!s) return Promise.resolve();
  server = null;
  if (s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    s.child.once('exit', () => done());
    s.child.kill(signal);
  });
}

// ---- node:test ------------------------------------------------------------------


// ---- crash test -------------------------------------------------------------------
const post = (url, path, headers, body, agent) => exchange(url, path, { method: 'POST', headers, json: body, agent });

const get = (url, path, headers) => exchange(url, path, { headers });

async function crashTest() {
  const m = merchants[1]; // merchant B: default program (no pending days, one tier)
  const auth = { Authorization: `Bearer ${m.api_key}` };
  const run = randomBytes(4).toString('hex');
  const customers = Array.from({ length: 4 }, (_, i) => `crash-${run}-${i}`);
  const TOTAL = 300;
  const KILL_AFTER = 100;
  const CONNECTIONS = 10;
  const base = Date.now() - 6 * 3_600_000; // paid_at: distinct seconds in the past
  const events = Array.from({ length: TOTAL }, (_, i) => ({
    i,
    customer: customers[i % customers.length],
    key: `crash-${run}-${i}`,
    body: {
      type: 'order_paid',
      order_id: `crash-order-${run}-${i}`,
      amount_minor: (i + 1) * 100 + 37, // earns i + 1 points at 1 point / 100
      currency: 'RUB',
      paid_at: new Date(base + i * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    points: i + 1,
  }));
  const path = (e) => `/v1/admin/customers/${encodeURIComponent(e.customer)}/events`;
  const problems = [];

  // load, then kill -9 once KILL_AFTER events are acknowledged
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = server.url;
  const acked = [];
  let next = 0;
  let killed = false;
  let killing = null;
  const started = Date.now();
  const worker = async () => {
    while (!killed && next < events.length && Date.now() - started < 60_000) {
      const e = events[next++];
      try {
        const res = await post(url, path(e), { ...auth, 'Idempotency-Key': e.key }, e.body, agent);
        if (res.status === 200) {
          acked.push({ ...e, firstBody: res.text });
          if (acked.length >= KILL_AFTER && !killing) {
            killed = true;
            killing = killServer('SIGKILL');
          }
        } else if (!killed) {
          problems.push(`load: ${e.key} → ${res.status} ${res.text.slice(0, 200)}`);
        }
      } catch (err) {
        if (!killed) problems.push(`load: ${e.key} → ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  if (!killing) {
    problems.push(`only ${acked.length} events were acknowledged before the load ended; the server was not killed under load`);
    return problems;
  }
  await killing;
  const inFlightOrLater = events.filter((e) => !acked.some((a) => a.i === e.i));
  console.log(`crash test: ${acked.length} events acknowledged, server killed with SIGKILL, restarting on the same database`);

  await startServer();
  const url2 = server.url;

  // every acknowledged event is in its customer's ledger, exactly once
  for (const c of customers) {
    const res = await get(url2, `/v1/admin/customers/${encodeURIComponent(c)}`, auth);
    if (res.status !== 200) { problems.push(`GET customer ${c} after restart → ${res.status} ${res.text.slice(0, 200)}`); continue; }
    const doc = JSON.parse(res.text);
    const ledger = doc.ledger ?? [];
    const earns = ledger.filter((x) => x.kind === 'earn');
    for (const e of acked.filter((a) => a.customer === c)) {
      const hits = earns.filter((x) => Date.parse(x.at) === Date.parse(e.body.paid_at) && x.points === e.points);
      if (hits.length !== 1) problems.push(`acknowledged ${e.body.order_id} (${e.points} points at ${e.body.paid_at}) appears ${hits.length} times in the ledger of ${c}`);
    }
    const sum = ledger.reduce((s, x) => s + x.points, 0);
    const held = (doc.loyalty?.balance ?? NaN) + (doc.loyalty?.pending ?? NaN);
    if (sum !== held) problems.push(`${c}: ledger sums to ${sum} but balance + pending = ${held}`);
  }

  // replaying an acknowledged key returns the stored answer
  const agent2 = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const queue = [...acked];
  const replayWorker = async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      try {
        const res = await post(url2, path(e), { ...auth, 'Idempotency-Key': e.key }, e.body, agent2);
        if (res.status !== 200 || res.headers['idempotent-replayed'] !== 'true') {
          problems.push(`replay of acknowledged ${e.key} → ${res.status}, Idempotent-Replayed: ${res.headers['idempotent-replayed']}`);
        } else if (res.text !== e.firstBody && JSON.stringify(JSON.parse(res.text)) !== JSON.stringify(JSON.parse(e.firstBody))) {
          problems.push(`replay of acknowledged ${e.key} returned another body than the first answer`);
        }
      } catch (err) {
        problems.push(`replay of ${e.key} → ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, replayWorker));

  // the events never acknowledged (in flight at the kill, or never sent):
  // sent again they are recorded at most once in all
  const rest = inFlightOrLater.slice(0, 40);
  const restQueue = [...rest];
  const restWorker = async () => {
    for (let e = restQueue.shift(); e; e = restQueue.shift()) {
      try {
        const res = await post(url2, path(e), { ...auth, 'Idempotency-Key': e.key }, e.body, agent2);
        if (res.status !== 200) problems.push(`unacknowledged ${e.key} sent again → ${res.status} ${res.text.slice(0, 200)}`);
      } catch (err) {
        problems.push(`unacknowledged ${e.key} sent again → ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, restWorker));
  agent2.destroy();
  for (const c of customers) {
    const res = await get(url2, `/v1/admin/customers/${encodeURIComponent(c)}`, auth);
    if (res.status !== 200) { problems.push(`GET customer ${c} (final) → ${res.status}`); continue; }
    const earns = (JSON.parse(res.text).ledger ?? []).filter((x) => x.kind === 'earn');
    for (const e of [...acked, ...rest].filter((x) => x.customer === c)) {
      const n = earns.filter((x) => Date.parse(x.at) === Date.parse(e.body.paid_at) && x.points === e.points).length;
      if (n !== 1) problems.push(`${e.body.order_id} appears ${n} times in the ledger of ${c} after everything was sent again`);
    }
  }
  return problems;
}

// ---- webhook crash test ----------------------------------------------------------
// kill -9 while the receiver holds an attempt: after the restart the event
// is delivered, and a receiver that records ids has it exactly once.
async function webhookCrashTest() {
  const m = merchants.find((x) => x.webhook_url);
  const auth = { Authorization: `Bearer ${m.api_key}` };
  const id = `hookcrash-${randomBytes(4).toString('hex')}`;
  const problems = [];
  receiver.script(id, ['hang', 200]);
  const view = await get(server.url, `/v1/admin/customers/${id}`, auth);
  const prefs = JSON.parse(view.text).preferences;
  prefs.channels.sms.enabled = !prefs.channels.sms.enabled;
  const put = await exchange(server.url, `/v1/admin/customers/${id}/preferences`, { method: 'PUT', headers: auth, json: prefs });
  if (put.status !== 200) return [`PUT preferences → ${put.status} ${put.text.slice(0, 200)}`];
  const waitFor = async (pred, what) => {
    const until = Date.now() + 20_000;
    while (!pred(receiver.deliveries(id))) {
      if (Date.now() > until) throw new Error(`${what} within 20 s; got ${JSON.stringify(receiver.deliveries(id))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor((d) => d.length === 1, 'the first attempt (held by the receiver)');
  await killServer('SIGKILL');
  console.log('webhook crash test: server killed with SIGKILL during an attempt, restarting');
  await startServer();
  await waitFor((d) => d.length >= 2 && d[1].delivered, 'a delivery after the restart');
  const got = receiver.deliveries(id);
  if (got.length !== 2) problems.push(`${got.length} attempts reached the receiver, expected 2`);
  if (new Set(got.map((d) => d.id)).size !== 1) problems.push('the attempts carried different ids');
  if (got.filter((d) => d.delivered).length !== 2 || got[0].body !== got[1].body) problems.push('the delivered event is not the one held at the kill');
  const event = await get(server.url, `/v1/admin/events/${got[0].id}`, auth);
  const state = JSON.parse(event.text)?.delivery?.state;
  if (state !== 'delivered') problems.push(`GET /v1/admin/events/${got[0].id} → delivery.state ${state}`);
  return problems;
}

// ---- fault injection ----------------------------------------------------------
// 20 rounds of a mixed write load, each cut by kill -9 at a random point.
const FAULT_ROUNDS = 20;
async function faultInjection() {
  const result = await faultRounds({
    m: merchants.find((x) => x.webhook_url),
    rounds: FAULT_ROUNDS,
    server: () => server,
    restart: async () => { await killServer('SIGKILL'); await startServer(); },
  });
  const d = result.detail ?? {};
  console.log(`fault injection: ${result.rounds} rounds of kill -9, ${result.acked} acknowledged writes checked (${d.orders?.length ?? 0} orders, ${d.refunds?.length ?? 0} refunds, ${d.codes?.length ?? 0} redemptions, ${d.actions ?? 0} subscription actions, ${d.prefs ?? 0} preference saves)`);
  return result.problems;
}

// ---- main -----------------------------------------------------------------------------
let passed = 0;
let failed = 0;
let exitCode = 0;
try {
  if (!existsSync(serverPath)) throw new Error(`no server binary at ${serverPath} (run \`cargo build -p retention-server\` first)`);
  await startServer();
  console.log(`run-native: server ${server.url} (config and db in ${work})`);
  const health = await get(server.url, '/healthz', {});
  if (health.status !== 200) console.error(`run-native: /healthz → ${health.status} ${health.text.slice(0, 200)}`);

  const result = await runSuitePhases({
    only,
    work,
    env: () => ({
      API_BASE_URL: server.url,
      API_MERCHANTS: JSON.stringify(merchants),
      API_STATUS_LOG: statusLog,
      API_RECEIVER_URL: receiver.url,
    }),
    track: (child) => { testRunner = child && { child }; },
    between: async () => {
      const counts = { passed: 0, failed: 0 };
      if (skipCrash || only) return counts;
      for (const [name, check] of [['crash test', crashTest], ['webhook crash test', webhookCrashTest], ['fault injection', faultInjection]]) {
        const t0 = Date.now();
        let problems;
        try {
          problems = await check();
        } catch (e) {
          problems = [`${name} stopped: ${e.stack ?? e}`];
        }
        if (problems.length === 0) {
          counts.passed += 1;
          console.log(`${name}: passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        } else {
          counts.failed += 1;
          console.log(`${name}: FAILED (${problems.length} problems)`);
          for (const p of problems.slice(0, 30)) console.log(`  - ${p}`);
        }
      }
      return counts;
    },
  });
  passed += result.passed;
  failed += result.failed;
  console.log(`run-native: ${statusSummary(statusLog)}`);
} catch (e) {
  console.error(`run-native: ${e.message}`);
  failed += 1;
} finally {
  await killServer('SIGTERM');
  stopEverything();
  await receiver.close();
}
if (failed > 0) {
  exitCode = 1;
  console.log(`run-native: kept the server logs in ${work}`);
} else {
  try { rmSync(work, { recursive: true, force: true }); } catch { /* best effort */ }
}
console.log(`api suite: ${passed} passed, ${failed} failed`);
process.exit(exitCode);
