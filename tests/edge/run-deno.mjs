#!/usr/bin/env node
// Runs the black-box API suite against the Deno build (wasm handler over
// Deno KV), the way tests/api/run-native.mjs runs it against the native
// server.
//
//   node tests/edge/run-deno.mjs [--dir pkg/edge] [--deno PATH] [--only SUBSTRING] [--keep]
//
// Builds nothing: the caller runs scripts/build-edge.sh first (pkg/edge/
// then holds retention_edge.js, retention_edge_bg.wasm and deno/main.js,
// deno/store.js, deno/store_test.js). Runs the store's own Deno tests, then
// starts deno on 127.0.0.1 and a free port with the fewest permissions it
// needs (network: 127.0.0.1 only; environment: the variables it reads;
// read: the build folder and a temporary folder; write: the temporary
// folder, where the KV file lives), nothing fetched from the network (no
// remote or npm modules, no config or lock file, no update check), two
// merchants with random secrets in RETENTION_MERCHANTS; waits for its
// "listening on" line, runs every tests/api/*.test.mjs with `node --test`
// (the native crash test is run-native's own and is not run here), and
// always stops deno. Closing line:
//   deno suite: N passed, M failed
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { boundRun, exchange, handlerConfig, harnessArgs, runSuitePhases, statusSummary, suiteMerchants } from '../api/lib/harness.mjs';
import { startReceiver } from '../api/lib/receiver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

// ---- arguments --------------------------------------------------------------
const opts = harnessArgs('node tests/edge/run-deno.mjs [--dir pkg/edge] [--deno PATH] [--only SUBSTRING] [--keep]', {
  dir: { type: 'string', default: join(repo, 'pkg', 'edge') },
  deno: { type: 'string', default: process.env.DENO_BIN || join(repo, 'node_modules', '@deno', 'linux-x64-glibc', 'deno') },
  only: { type: 'string' },
  keep: { type: 'boolean', default: false },
});
const dir = resolve(opts.dir);
const denoBin = resolve(opts.deno);
const only = opts.only ?? null;
const keep = opts.keep;

const TOTAL_DEADLINE_MS = 12 * 60_000; // the whole run, hard bound
const READY_TIMEOUT_MS = 30_000;
const STORE_TESTS_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;
const entry = join(dir, 'deno', 'main.js');
const storeTests = join(dir, 'deno', 'store_test.js');

// ---- bookkeeping of what we started ----------------------------------------
const work = mkdtempSync(join(tmpdir(), 'retention-deno-'));
const kvDir = join(work, 'kv');
const tmp = join(work, 'tmp');
const denoDir = join(work, 'deno-dir');
mkdirSync(kvDir);
mkdirSync(tmp);
mkdirSync(denoDir);
const kvPath = join(kvDir, 'retention.kv');
const statusLog = join(work, 'statuses.log');
// The test entry: main.js with the suite's test clock (tests/edge/test-clock/deno.js).
const testEntry = join(work, 'test-main.js');
writeFileSync(testEntry, readFileSync(join(here, 'test-clock', 'deno.js'), 'utf8')
  .replace("await import('./main.js');", `await import(${JSON.stringify(pathToFileURL(entry).href)});`));
const denoLog = join(work, 'deno.log');
let deno = null; // {child, url}
let testRunner = null;
let storeRunner = null;

function alive(child) {
  return child && child.exitCode === null && child.signalCode === null;
}
function stopEverything() {
  for (const child of [testRunner?.child, storeRunner?.child, deno?.child]) {
    if (alive(child)) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
}
boundRun({ name: 'run-deno', suite: 'deno', stop: stopEverything, deadlineMs: TOTAL_DEADLINE_MS });

// ---- configuration ------------------------------------------------------------
const receiver = await startReceiver();
const merchants = suiteMerchants(receiver.url);
const retentionMerchants = JSON.stringify(handlerConfig(merchants));

/** The environment deno runs with: no update check, no colour, its own cache. */
function denoEnv(extra) {
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: denoDir, TMPDIR: tmp, ...extra };
  // nothing of the caller's may steer deno elsewhere
  for (const name of ['DENO_DEPLOYMENT_ID', 'RETENTION_KV', 'RETENTION_MERCHANTS', 'PORT', 'RETENTION_HOSTNAME', 'DENO_AUTH_TOKENS']) {
    if (!(name in (extra ?? {}))) delete env[name];
  }
  return env;
}

/** Flags shared by `deno run` and `deno test`: local files only. */
const offline = ['--no-config', '--no-lock', '--no-remote', '--no-npm', '--cached-only', '--no-prompt', '--unstable-kv'];

// ---- the store's own tests -------------------------------------------------------
function runStoreTests() {
  if (!existsSync(storeTests)) return Promise.resolve(null);
  return runDenoCounting(['test', ...offline, `--allow-read=${tmp}`, `--allow-write=${tmp}`, storeTests],
    /(\d+) passed \| (\d+) failed/);
}

/**
 * Runs deno with `args`, echoing its output, and counts passed and failed
 * from the first match of `pattern` (two numbers); a failed run with no
 * count is one failure.
 */
function runDenoCounting(args, pattern) {
  const child = spawn(denoBin, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: denoEnv({}) });
  storeRunner = { child };
  let out = '';
  child.stdout.on('data', (c) => { out += c; process.stdout.write(c); });
  child.stderr.on('data', (c) => { out += c; process.stderr.write(c); });
  const timer = setTimeout(() => child.kill('SIGKILL'), STORE_TESTS_TIMEOUT_MS);
  return new Promise((done) => {
    child.on('error', (e) => { clearTimeout(timer); done({ passed: 0, failed: 1, why: e.message }); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      storeRunner = null;
      const m = out.match(pattern);
      const passed = m ? Number(m[1]) : 0;
      let failed = m ? Number(m[2]) : 0;
      if ((code !== 0 || signal) && failed === 0) failed = 1;
      done({ passed, failed });
    });
  });
}

// ---- the store port's contract, through the conformance build -----------------------
// pkg/edge-conformance (scripts/build-edge-conformance.sh) beside --dir.
const conformanceDir = join(dirname(dir), 'edge-conformance');
function runConformance() {
  const script = join(here, 'conformance', 'deno.js');
  return runDenoCounting([
    'run', ...offline,
    `--allow-read=${conformanceDir},${dir},${script},${tmp}`, `--allow-write=${tmp}`,
    script, conformanceDir, join(dir, 'deno', 'store.js'), join(tmp, 'conformance.kv'),
  ], /conformance: (\d+) passed, (\d+) failed/);
}

// ---- deno -------------------------------------------------------------------------
function startDeno() {
  const child = spawn(denoBin, [
    'run', ...offline,
    '--allow-net=127.0.0.1',
    '--allow-env=PORT,RETENTION_MERCHANTS,RETENTION_KV,RETENTION_HOSTNAME,DENO_DEPLOYMENT_ID',
    `--allow-read=${dir},${kvDir},${testEntry}`,
    `--allow-write=${kvDir}`,
    testEntry, '--hostname', '127.0.0.1', '--port', '0',
  ], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: denoEnv({ RETENTION_MERCHANTS: retentionMerchants, RETENTION_KV: kvPath }),
  });
  const log = [];
  const keepLog = (chunk) => {
    log.push(chunk.toString());
    try { writeFileSync(denoLog, log.join('')); } catch { /* best effort */ }
  };
  child.stderr.on('data', keepLog);
  return new Promise((resolveReady, rejectReady) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectReady(new Error(`deno did not print "listening on" within ${READY_TIMEOUT_MS / 1000} s; log: ${denoLog}`));
    }, READY_TIMEOUT_MS);
    child.on('error', (e) => { clearTimeout(timer); rejectReady(new Error(`cannot start ${denoBin}: ${e.message}`)); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      rejectReady(new Error(`deno exited before it was ready (code ${code}, signal ${signal}); log:\n${log.join('').slice(-2000)}`));
    });
    child.stdout.on('data', (chunk) => {
      keepLog(chunk);
      buffered += chunk.toString();
      const m = buffered.match(/listening on (https?:\/\/[^\s]+)/);
      if (m && !deno) {
        clearTimeout(timer);
        const url = m[1].replace(/\/+$/, '');
        const u = new URL(url);
        if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
          child.kill('SIGKILL');
          rejectReady(new Error(`deno listens on ${url}, not loopback`));
          return;
        }
        deno = { child, url };
        resolveReady(deno);
      }
    });
  });
}

function stopDeno() {
  const d = deno;
  if (!d || !alive(d.child)) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => { try { d.child.kill('SIGKILL'); } catch { /* gone */ } }, STOP_GRACE_MS);
    d.child.once('exit', () => { clearTimeout(force); done(); });
    d.child.kill('SIGTERM');
  });
}

const get = (url, path) => exchange(url, path);

// ---- node:test ------------------------------------------------------------------


// ---- main -----------------------------------------------------------------------------
let passed = 0;
let failed = 0;
try {
  if (!existsSync(denoBin)) throw new Error(`no deno at ${denoBin} (run \`npm ci\` at the repository root)`);
  for (const f of [entry, join(dir, 'retention_edge.js'), join(dir, 'retention_edge_bg.wasm')]) {
    if (!existsSync(f)) throw new Error(`no ${f} (run scripts/build-edge.sh first)`);
  }

  if (!only) {
    const store = await runStoreTests();
    if (store) {
      console.log(`run-deno: store tests: ${store.passed} passed, ${store.failed} failed`);
      passed += store.passed;
      failed += store.failed;
    }
    if (!existsSync(conformanceDir)) throw new Error(`no ${conformanceDir} (build it with scripts/build-edge-conformance.sh)`);
    const contract = await runConformance();
    console.log(`run-deno: conformance (Deno KV, Intl zones): ${contract.passed} passed, ${contract.failed} failed`);
    passed += contract.passed;
    failed += contract.failed;
  }

  await startDeno();
  console.log(`run-deno: deno ${deno.url} (KV file and logs in ${work})`);
  const health = await get(deno.url, '/healthz');
  if (health.status !== 200) console.error(`run-deno: /healthz → ${health.status} ${health.text.slice(0, 200)}`);

  const result = await runSuitePhases({
    // Not the load test (*.load.mjs): one isolate on one thread serves
    // every shop here, so one shop's flood is felt by every shop (measured:
    // another shop's p99 at 2.0x, no margin); Deno Deploy spreads isolates,
    // which no loopback test can show. The native server's isolation is
    // what run-native's load test measures.
    load: false,
    only,
    work,
    env: () => ({
      API_BASE_URL: deno.url,
      API_MERCHANTS: JSON.stringify(merchants),
      API_STATUS_LOG: statusLog,
      API_RECEIVER_URL: receiver.url,
    }),
    track: (child) => { testRunner = child && { child }; },
  });
  passed += result.passed;
  failed += result.failed;

  console.log(`run-deno: ${statusSummary(statusLog)}`);
  if (!alive(deno.child)) {
    failed += 1;
    console.log(`run-deno: deno stopped during the suite (code ${deno.child.exitCode}, signal ${deno.child.signalCode})`);
  }
} catch (e) {
  console.error(`run-deno: ${e.message}`);
  failed += 1;
} finally {
  await stopDeno();
  stopEverything();
  await receiver.close();
}
if (failed > 0 || keep) {
  console.log(`run-deno: kept the KV file and the deno log in ${work}`);
} else {
  try { rmSync(work, { recursive: true, force: true }); } catch { /* best effort */ }
}
console.log(`deno suite: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
