#!/usr/bin/env node
// Runs the widget's browser suite: a shopper in Debian Chromium, on a shop
// page served from another origin with a strict CSP.
//
//   node tests/browser/run.mjs [--server PATH] [--widget DIR] [--only SUBSTRING] [--screenshots DIR]
//   node tests/browser/run.mjs --platform workerd [--edge DIR] [--widget DIR] [--only SUBSTRING]
//
// Builds nothing: the caller builds the server (`cargo build -p
// retention-server`) or the edge module (`scripts/build-edge.sh`, pkg/edge)
// and the widget (`scripts/build-widget.sh`, which writes
// pkg/widget/loader.js). Writes a temporary config (merchant `demo` with
// fresh secrets, the shop's origins allowed) and starts the API on a free
// loopback port: natively, retention-server with --static www --widget
// pkg/widget and a temporary database; with `--platform workerd`, the
// Worker and its Durable Objects in `wrangler dev --local`, serving the
// widget as Workers static assets (with the `_headers` a deploy uses, see
// the README), as a shop on Cloudflare would run it. Starts the shop (tests/browser/lib/shop.mjs) on
// another origin, seeds the demo program, launches Chromium
// (/usr/bin/chromium through playwright-core) and runs every
// tests/browser/*.test.mjs under node:test. Screenshots go to
// <target>/screenshots (the folder above the server binary's). Stops
// everything it started, within a global time limit. Closing line:
//   browser suite: N passed, M failed
import { spawn, execFile } from 'node:child_process';
import {
  appendFileSync, cpSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { startShop } from './lib/shop.mjs';
import { boundRun, harnessArgs, spawnNativeServer } from '../api/lib/harness.mjs';
import { copyWorkerApp, killWrangler, startWrangler, stopWrangler } from '../edge/lib/wrangler.mjs';
import { widgetHeaders } from '../edge/lib/widget-headers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

// ---- arguments --------------------------------------------------------------
const opts = harnessArgs('node tests/browser/run.mjs [--server PATH] [--widget DIR] [--only SUBSTRING] [--screenshots DIR]', {
  server: { type: 'string', default: join(repo, 'target', 'debug', 'retention-server') },
  platform: { type: 'string', default: 'native' },
  edge: { type: 'string', default: join(repo, 'pkg', 'edge') },
  widget: { type: 'string', default: join(repo, 'pkg', 'widget') },
  screenshots: { type: 'string' },
  only: { type: 'string' },
});
const serverPath = resolve(opts.server);
const platform = opts.platform;
if (!['native', 'workerd'].includes(platform)) throw new Error(`--platform is native or workerd, not ${platform}`);
const edgeDir = resolve(opts.edge);
const widgetDir = resolve(opts.widget);
const only = opts.only ?? null;
// <target>/debug/retention-server → <target>/screenshots
// (one set: the workerd run writes the same pictures of the same widget)
const screenshots = opts.screenshots ? resolve(opts.screenshots) : join(dirname(dirname(serverPath)), 'screenshots');

const CHROMIUM = '/usr/bin/chromium';
// shop.test: a host name that is not localhost, mapped to loopback, so a
// page at http://shop.test:PORT is no secure context (a shop's plain-http
// staging host), while every request still stays on this machine.
const INSECURE_HOST = 'shop.test';
const insecureOrigin = (origin) => {
  const url = new URL(origin);
  url.hostname = INSECURE_HOST;
  return url.origin;
};
const CHROMIUM_ARGS = [
  `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`,
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const TOTAL_DEADLINE_MS = 8 * 60_000; // the whole run, hard bound
const READY_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 90_000; // one test

// ---- what we started -----------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'retention-browser-'));
let server = null; // {child, url}
let wrangler = null; // --platform workerd
let shop = null;
let browserServer = null;
let testRunner = null;

function stopEverything() {
  // node --test runs each file in a child of its own: the runner leads a
  // process group, which goes as a whole
  if (testRunner && testRunner.exitCode === null && testRunner.signalCode === null) {
    try { process.kill(-testRunner.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  if (server?.child && server.child.exitCode === null && server.child.signalCode === null) {
    try { server.child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  killWrangler(wrangler);
  // Chromium: playwright's launchServer child; kill() is synchronous enough
  // for the exit path (it SIGKILLs the browser's process group).
  try { browserServer?.kill(); } catch { /* gone */ }
}
boundRun({ name: 'run-browser', suite: 'browser', stop: stopEverything, deadlineMs: TOTAL_DEADLINE_MS });

// ---- the API server ---------------------------------------------------------------
async function startServer(configPath, dbPath) {
  server = await spawnNativeServer({
    serverPath,
    args: [
      '--config', configPath, '--db', dbPath, '--listen', '127.0.0.1:0',
      '--static', join(repo, 'www'), '--widget', widgetDir,
    ],
    logPath: join(work, 'server.log'),
    readyMs: READY_TIMEOUT_MS,
  });
  return server;
}

// ---- the API in workerd ------------------------------------------------------------
/** The Worker of `--edge` in wrangler dev, the widget beside it as static assets. */
async function startWorker(merchants) {
  const app = join(work, 'app');
  copyWorkerApp(edgeDir, app, merchants);
  cpSync(widgetDir, join(app, 'assets', 'widget'), { recursive: true });
  writeFileSync(join(app, 'assets', '_headers'), widgetHeaders(readdirSync(widgetDir)));
  appendFileSync(join(app, 'wrangler.toml'), '\n# The widget, served beside the API (the README\'s Cloudflare section).\n[assets]\ndirectory = "assets"\n');
  // through wrangler's own port: its router serves the assets
  const w = await startWrangler({ app, work, viaProxy: true, onStart: (handle) => { wrangler = handle; } });
  return { url: w.url };
}

// ---- node:test ------------------------------------------------------------------------
function runTests(files, env, tapPath) {
  const child = spawn(process.execPath, [
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapPath}`,
    ...files,
  ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env }, detached: true });
  testRunner = child;
  return new Promise((done) => {
    child.on('exit', (code, signal) => {
      testRunner = null;
      let passed = 0; let failed = 0; let skipped = 0;
      try {
        const text = readFileSync(tapPath, 'utf8');
        const num = (name) => Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
        passed = num('pass');
        failed = num('fail') + num('cancelled');
        skipped = num('skipped');
      } catch { /* no TAP: counted below */ }
      if ((code !== 0 || signal) && failed === 0) failed = 1;
      done({ passed, failed, skipped });
    });
  });
}

// ---- main ---------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
try {
  if (platform === 'native' && !existsSync(serverPath)) throw new Error(`no server binary at ${serverPath} (run \`cargo build -p retention-server\` first)`);
  if (!existsSync(join(widgetDir, 'loader.js'))) throw new Error(`no widget at ${widgetDir}/loader.js (run scripts/build-widget.sh first)`);
  if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM} (apt-get install -y chromium)`);
  const { chromium } = await import('playwright-core').catch(() => {
    throw new Error('npm package playwright-core is missing (npm ci)');
  });

  const merchant = {
    id: 'demo',
    api_key: `ak_${randomBytes(16).toString('hex')}`,
    token_secret: randomBytes(32).toString('hex'),
  };
  shop = await startShop({ wwwDir: join(repo, 'www'), fixturesDir: join(here, 'fixtures'), merchant });

  const configPath = join(work, 'retention.toml');
  writeFileSync(configPath, [
    '[[merchant]]',
    `id = ${JSON.stringify(merchant.id)}`,
    `api_key = ${JSON.stringify(merchant.api_key)}`,
    `token_secret = ${JSON.stringify(merchant.token_secret)}`,
    `allowed_origins = [${JSON.stringify(shop.origin)}, ${JSON.stringify(insecureOrigin(shop.origin))}]`,
    '',
  ].join('\n'), { mode: 0o600 });
  if (platform === 'workerd') {
    const allowed = [shop.origin, insecureOrigin(shop.origin)];
    server = await startWorker([{ ...merchant, allowed_origins: allowed }]);
  } else {
    await startServer(configPath, join(work, 'retention.db'));
  }
  shop.setApiBase(server.url);
  console.log(`run-browser: API ${server.url} (${platform}), shop ${shop.origin} (config, db and logs in ${work})`);

  const loader = await fetch(`${server.url}/widget/loader.js`);
  if (loader.status !== 200) throw new Error(`GET /widget/loader.js → ${loader.status}`);

  // The demo program, once, so tests that make their own customers find it.
  const { stdout } = await promisify(execFile)(process.execPath, [join(repo, 'scripts', 'seed-demo.mjs'), server.url, merchant.api_key], { timeout: 30_000 });
  process.stdout.write(stdout.split('\n').filter((l) => l.startsWith('program:')).map((l) => `run-browser: seeded ${l}\n`).join(''));

  // One browser for every test file (they connect to it); playwright gives
  // it a fresh user-data-dir of its own and removes it on close.
  browserServer = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });

  mkdirSync(screenshots, { recursive: true });
  rmSync(join(screenshots, 'failures'), { recursive: true, force: true }); // pages of failed tests, this run's only
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.test.mjs'))
    .filter((f) => !only || f.includes(only))
    .sort()
    .map((f) => join(here, f));
  if (files.length === 0) throw new Error(`no test file matches ${only}`);

  const result = await runTests(files, {
    RW_API_BASE: server.url,
    RW_SHOP_ORIGIN: shop.origin,
    RW_INSECURE_SHOP_ORIGIN: insecureOrigin(shop.origin),
    RW_MERCHANT: JSON.stringify(merchant),
    RW_WS_ENDPOINT: browserServer.wsEndpoint(),
    RW_SCREENSHOTS: screenshots,
    RW_REPO: repo,
  }, join(work, 'results.tap'));
  passed += result.passed;
  failed += result.failed;
  if (result.skipped) console.log(`run-browser: ${result.skipped} skipped`);
  console.log(`run-browser: screenshots in ${screenshots}`);
} catch (e) {
  console.error(`run-browser: ${e.message}`);
  failed += 1;
} finally {
  try { await browserServer?.close(); } catch { /* killed below */ }
  await shop?.close();
  if (server?.child && server.child.exitCode === null) {
    await new Promise((done) => { server.child.once('exit', done); server.child.kill('SIGTERM'); setTimeout(done, 5000).unref(); });
  }
  await stopWrangler(wrangler);
  stopEverything();
}
if (failed > 0) {
  console.log(`run-browser: kept the server log in ${work}`);
} else {
  try { rmSync(work, { recursive: true, force: true }); } catch { /* best effort */ }
}
console.log(`${platform === 'native' ? 'browser' : 'browser (workerd)'} suite: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
