#!/usr/bin/env node
// Runs the black-box API suite against the Cloudflare Workers build in
// workerd (`wrangler dev --local`), the way tests/api/run-native.mjs runs it
// against the native server.
//
//   node tests/edge/run-workerd.mjs [--dir pkg/edge] [--only SUBSTRING] [--via-proxy] [--keep]
//
// Builds nothing: the caller runs scripts/build-edge.sh first (pkg/edge/
// then holds worker.js, wrangler.toml, retention_edge.js and
// retention_edge_bg.wasm). Copies that folder to a temporary one (pkg/edge
// stays clean), writes a .dev.vars there with two merchants (random
// secrets), starts wrangler dev on 127.0.0.1 and a free port with nothing
// fetched from the network and no telemetry, waits for /healthz, runs every
// tests/api/*.test.mjs with `node --test` (the native crash test is
// run-native's own and is not run here), and always stops wrangler and
// workerd (their whole process group). Without --only, the store
// conformance suite and the objects' own checks (a failing alarm, a copy
// cut off by an eviction) run first; RUN_WORKERD_CHECKS_ONLY=1 stops after
// them. Closing line:
//   workerd suite: N passed, M failed
//
// Which socket the suite talks to: wrangler dev puts a development proxy
// (its ProxyWorker, for live reload) in front of the workerd socket that
// runs the Worker. A deployed Worker has no such proxy, and the proxy
// answers some requests itself (a request whose body is cut short becomes
// its own 503 "Your worker restarted mid-request", whatever the Worker
// answered). So by default the suite talks to the Worker's own workerd
// socket (loopback, announced in wrangler's debug log as userWorkerUrl);
// --via-proxy runs it through wrangler's public port instead.
import {
  mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync, cpSync, statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyWorkerApp, killWrangler, startWrangler, stopWrangler } from './lib/wrangler.mjs';
import { boundRun, exchange, handlerConfig, harnessArgs, runSuitePhases, statusSummary, suiteMerchants } from '../api/lib/harness.mjs';
import { startReceiver } from '../api/lib/receiver.mjs';
import { mintToken } from '../api/lib/jwt.mjs';
import { DEFAULT_PREFERENCES } from '../api/lib/program-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

// ---- arguments --------------------------------------------------------------
const opts = harnessArgs('node tests/edge/run-workerd.mjs [--dir pkg/edge] [--only SUBSTRING] [--via-proxy] [--keep]', {
  dir: { type: 'string', default: join(repo, 'pkg', 'edge') },
  only: { type: 'string' },
  'via-proxy': { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
});
const dir = resolve(opts.dir);
const only = opts.only ?? null;
const keep = opts.keep;
const viaProxy = opts['via-proxy'];

const TOTAL_DEADLINE_MS = 15 * 60_000; // the whole run, hard bound
const wranglerBin = join(repo, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

// ---- bookkeeping of what we started ----------------------------------------
const work = mkdtempSync(join(tmpdir(), 'retention-workerd-'));
const app = join(work, 'app'); // the copy of --dir that wrangler runs
const statusLog = join(work, 'statuses.log');
let wrangler = null; // {child, url}
let testRunner = null;

/** Signals a child's whole process group (wrangler starts workerd under it). */
function signalGroup(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch { /* gone */ }
  try { child.kill(signal); } catch { /* gone */ }
}

function stopEverything() {
  signalGroup(testRunner?.child, 'SIGKILL');
  // wrangler is a group leader (detached): its workerd children go with it
  killWrangler(wrangler);
}
boundRun({ name: 'run-workerd', suite: 'workerd', stop: stopEverything, deadlineMs: TOTAL_DEADLINE_MS });

// ---- configuration (same shape as run-native.mjs) ---------------------------------
const receiver = await startReceiver();
const merchants = suiteMerchants(receiver.url);

function prepareApp() {
  copyWorkerApp(dir, app, handlerConfig(merchants));
  // the test entry: the same Worker with the suite's test clock and the
  // store conformance run (pkg/edge-conformance beside --dir)
  const conformance = join(dirname(dir), 'edge-conformance');
  if (!existsSync(conformance)) throw new Error(`no ${conformance} (build it with scripts/build-edge-conformance.sh)`);
  cpSync(conformance, join(app, 'conformance'), { recursive: true });
  cpSync(join(here, 'test-clock', 'worker.js'), join(app, 'test-worker.js'));
  const toml = readFileSync(join(app, 'wrangler.toml'), 'utf8');
  if (!/^main = "worker.js"$/m.test(toml)) throw new Error('wrangler.toml has no `main = "worker.js"` line to point at the test entry');
  writeFileSync(join(app, 'wrangler.toml'), toml.replace(/^main = "worker.js"$/m, 'main = "test-worker.js"'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));



// ---- an alarm that fails -------------------------------------------------------------
// workerd drops an alarm that throws six times; the objects' alarms never
// throw: they count the failure and set themselves again, later each time.
async function failingAlarmKeepsComingBack() {
  const who = { merchant: merchants[0].id, customer: `broken-${Date.now()}` };
  const post = (path) => exchange(wrangler.url, path, { method: 'POST', json: who, agent: false, timeoutMs: 30_000 });
  const written = await post('/__test/broken-customer');
  if (written.status !== 200 || !JSON.parse(written.text).written) return `could not write the broken customer: ${written.status} ${written.text}`;
  const until = Date.now() + 20_000;
  let state = null;
  while (Date.now() < until) {
    await sleep(500);
    state = JSON.parse((await post('/__test/alarm-state')).text);
    if (state.failures >= 3) break;
  }
  if (!(state?.failures >= 3)) return `after 20 s: ${JSON.stringify(state)}`;
  if (state.alarm === null) return `the alarm was not set again: ${JSON.stringify(state)}`;
  return null;
}

// ---- a copy cut off by an eviction ---------------------------------------------------
// The write commits with its retry time and the alarm set; the copy of its
// events to the merchant's log never arrives (as if the object were
// evicted mid-send); the alarm sends it again and the event reaches the
// feed.
async function lostCopyIsSentAgain() {
  const m = merchants[0];
  const customer = `evicted-${Date.now()}`;
  const lose = await exchange(wrangler.url, '/__test/lose-next-copy', { method: 'POST', json: { merchant: m.id, customer }, agent: false, timeoutMs: 30_000 });
  if (lose.status !== 200) return `could not arrange the lost copy: ${lose.status} ${lose.text}`;
  const admin = { Authorization: `Bearer ${m.api_key}` };
  // the shopper turns SMS on: a preferences.updated event for the feed
  const prefs = { ...structuredClone(DEFAULT_PREFERENCES) };
  prefs.channels.sms.enabled = !prefs.channels.sms.enabled;
  // the answer waits for the copy that never comes: stop waiting for it
  await exchange(wrangler.url, '/v1/me/preferences', {
    method: 'PUT', json: prefs, headers: { Authorization: `Bearer ${mintToken(m, customer)}` }, agent: false, timeoutMs: 2_000,
  }).catch(() => {});
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    const feed = await exchange(wrangler.url, '/v1/admin/events?limit=1000', { headers: admin, agent: false, timeoutMs: 30_000 });
    const items = feed.status === 200 ? JSON.parse(feed.text).items ?? JSON.parse(feed.text).data ?? [] : [];
    if (items.some((e) => e.customer_id === customer || e.data?.customer_id === customer)) return null;
    await sleep(1_000);
  }
  return 'after 40 s the event is not in the feed';
}

// ---- main -------------------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
try {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`no folder ${dir} (build it with scripts/build-edge.sh)`);
  if (!existsSync(wranglerBin)) throw new Error(`no wrangler at ${wranglerBin} (run \`npm install\` at the repository root)`);
  prepareApp();
  const t0 = Date.now();
  await startWrangler({ app, work, viaProxy, onStart: (w) => { wrangler = w; } });
  console.log(`run-workerd: wrangler dev ${wrangler.proxyUrl} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (copy, state and logs in ${work})`);
  console.log(viaProxy
    ? `run-workerd: the suite goes through wrangler's development proxy ${wrangler.url}`
    : `run-workerd: the suite talks to the Worker's own workerd socket ${wrangler.url} (no development proxy in between)`);

  if (!only) {
    const res = await exchange(wrangler.url, '/__test/conformance', { method: 'POST', agent: false, timeoutMs: 120_000 });
    const outcomes = res.status === 200 ? JSON.parse(res.text) : [{ name: 'the conformance run', failure: `${res.status} ${res.text.slice(0, 300)}` }];
    for (const { name, failure } of outcomes) {
      console.log(`${failure === null ? 'ok' : `FAILED: ${failure}`} — ${name}`);
      if (failure === null) passed += 1;
      else failed += 1;
    }
    console.log(`run-workerd: conformance (Durable Objects, Intl zones): ${outcomes.filter((o) => o.failure === null).length} of ${outcomes.length} passed`);
    const alarms = await failingAlarmKeepsComingBack();
    if (alarms === null) passed += 1;
    else failed += 1;
    console.log(`run-workerd: an alarm that fails keeps coming back: ${alarms ?? 'passed'}`);
    const lost = await lostCopyIsSentAgain();
    if (lost === null) passed += 1;
    else failed += 1;
    console.log(`run-workerd: a copy cut off by an eviction is sent again from the alarm: ${lost ?? 'passed'}`);
  }

  if (!process.env.RUN_WORKERD_CHECKS_ONLY) {
    const result = await runSuitePhases({
      // Not the load test (*.load.mjs): locally one workerd thread runs
      // every object, so one shop's flood is felt by every shop (measured:
      // another shop's p99 6.7x); on Cloudflare objects are spread over
      // machines, which no loopback test can show. The native server's
      // isolation is what run-native's load test measures.
      load: false,
      only,
      work,
      env: () => ({
        API_BASE_URL: wrangler.url,
        API_MERCHANTS: JSON.stringify(merchants),
        API_STATUS_LOG: statusLog,
        API_RECEIVER_URL: receiver.url,
      }),
      track: (child) => { testRunner = child && { child }; },
    });
    passed += result.passed;
    failed += result.failed;
  }

  console.log(`run-workerd: ${statusSummary(statusLog)}`);
} catch (e) {
  console.error(`run-workerd: ${e.message}`);
  failed += 1;
} finally {
  await stopWrangler(wrangler);
  stopEverything();
  await receiver.close();
}
if (failed > 0 || keep) {
  console.log(`run-workerd: kept the wrangler log and state in ${work}`);
} else {
  try { rmSync(work, { recursive: true, force: true }); } catch { /* best effort */ }
}
console.log(`workerd suite: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
