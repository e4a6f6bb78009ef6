// What the suite harnesses share (run-native, run-deno, run-workerd, and the
// browser suite's tests/browser/run.mjs):
// the two test merchants, the suite's files, running them under node:test
// with a TAP count, the per-status summary of the requests made, and the
// bound that makes every run stop by itself.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const suiteDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Two merchants with fresh random secrets, in the suite's `API_MERCHANTS` shape. */
export function suiteMerchants(receiverUrl) {
  const secret = (n) => randomBytes(n).toString('hex');
  return [
    { id: 'suite-a', api_key: `ak_${secret(16)}`, token_secret: secret(32), origin: 'http://shop-a.localhost:8080' },
    { id: 'suite-b', api_key: `ak_${secret(16)}`, token_secret: secret(32), origin: 'https://shop-b.example' },
    // C: events go to the suite's receiver (lib/receiver.mjs)
    {
      id: 'suite-c', api_key: `ak_${secret(16)}`, token_secret: secret(32), origin: 'https://shop-c.example',
      webhook_url: `${receiverUrl}/hooks`, webhook_secret: `whsec_${randomBytes(32).toString('base64')}`,
    },
    // D: a Shopify shop (webhooks in, signed with its shopify_webhook_secret)
    {
      id: 'suite-d', api_key: `ak_${secret(16)}`, token_secret: secret(32), origin: 'https://shop-d.example',
      shopify_webhook_secret: secret(32),
    },
  ];
}

/** The same merchants as the handler's config takes them (`RETENTION_MERCHANTS`). */
export function handlerConfig(merchants) {
  return merchants.map((m) => ({
    id: m.id, api_key: m.api_key, token_secret: m.token_secret, allowed_origins: [m.origin],
    ...(m.webhook_url ? { webhook_url: m.webhook_url, webhook_secret: m.webhook_secret } : {}),
    ...(m.shopify_webhook_secret ? { shopify_webhook_secret: m.shopify_webhook_secret } : {}),
  }));
}

/** TOML `[[merchant]]` tables for the native server's config file. */
export function merchantsToml(merchants) {
  return handlerConfig(merchants).map((m) => [
    '[[merchant]]',
    ...Object.entries(m).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
    '',
  ].join('\n')).join('\n');
}

/**
 * The suite's test files of one `kind`, those whose name contains `only`
 * if given: `test` (`*.test.mjs`, run four at a time), `load`
 * (`*.load.mjs`: they time the server under load, so they run alone) or
 * `clock` (`*.clock.mjs`: they move the server's test clock, so they run
 * alone and last).
 */
export function suiteFiles(only, kind = 'test') {
  return readdirSync(suiteDir)
    .filter((f) => f.endsWith(`.${kind}.mjs`))
    .filter((f) => !only || f.includes(only))
    .sort()
    .map((f) => join(suiteDir, f));
}

/**
 * Runs `files` under `node --test` with `env` added, printing the spec
 * report and counting from a TAP copy at `tapPath`. `track` is told the
 * child process (and null when it ends) so the caller can stop it.
 */
export function runNodeTests(files, env, tapPath, track = () => {}, { concurrency = 4 } = {}) {
  const child = spawn(process.execPath, [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=180000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapPath}`,
    ...files,
  ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  track(child);
  return new Promise((done) => {
    child.on('exit', (code, signal) => {
      track(null);
      let passed = 0; let failed = 0;
      try {
        const text = readFileSync(tapPath, 'utf8');
        // the runner's own summary, last lines of the TAP stream
        const num = (name) => Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
        passed = num('pass');
        failed = num('fail') + num('cancelled');
      } catch { /* no TAP: counted as a failure below */ }
      if ((code !== 0 || signal) && failed === 0) failed = 1;
      done({ passed, failed, code, signal });
    });
  });
}

/**
 * The suite in its phases: the `*.test.mjs` files four at a time, then
 * `between()` (a runner's own checks; returns {passed, failed}), then the
 * `*.load.mjs` files one at a time (unless `load` is false), then the
 * `*.clock.mjs` files one at a time (they leave the server's clock moved).
 * `env()` gives the environment at each phase (a restart may change the
 * URL).
 */
export async function runSuitePhases({ only, env, work, track, load = true, between = async () => ({ passed: 0, failed: 0 }) }) {
  const files = suiteFiles(only);
  const loadFiles = load ? suiteFiles(only, 'load') : [];
  const clockFiles = suiteFiles(only, 'clock');
  if (files.length + loadFiles.length + clockFiles.length === 0) throw new Error(`no test file matches ${only}`);
  const total = { passed: 0, failed: 0 };
  const add = (r) => { total.passed += r.passed; total.failed += r.failed; };
  if (files.length > 0) add(await runNodeTests(files, env(), join(work, 'results.tap'), track));
  add(await between());
  if (loadFiles.length > 0) {
    add(await runNodeTests(loadFiles, env(), join(work, 'results-load.tap'), track, { concurrency: 1 }));
  }
  if (clockFiles.length > 0) {
    add(await runNodeTests(clockFiles, env(), join(work, 'results-clock.tap'), track, { concurrency: 1 }));
  }
  return total;
}

/** One line counting the suite's requests by status, from its status log. */
export function statusSummary(statusLog) {
  try {
    const lines = readFileSync(statusLog, 'utf8').trim().split('\n').filter(Boolean);
    const byStatus = {};
    for (const l of lines) { const s = l.split(' ')[0]; byStatus[s] = (byStatus[s] ?? 0) + 1; }
    return `${lines.length} requests by status ${JSON.stringify(byStatus)}`;
  } catch {
    return 'no requests logged';
  }
}

/**
 * Makes a harness stop by itself: `stop` runs on exit and on a signal, and
 * after `deadlineMs` the run ends; either way the closing line says
 * `<suite> suite: 0 passed, 1 failed` so a cut-short run never reads as
 * passed. `name` prefixes the harness's own messages.
 */
export function boundRun({ name, suite, stop, deadlineMs }) {
  process.on('exit', stop);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      stop();
      console.log(`${suite} suite: 0 passed, 1 failed`);
      process.exit(130);
    });
  }
  const deadline = setTimeout(() => {
    console.error(`${name}: the run exceeded ${deadlineMs / 1000} s; stopping`);
    stop();
    console.log(`${suite} suite: 0 passed, 1 failed`);
    process.exit(1);
  }, deadlineMs);
  deadline.unref();
}

/**
 * Starts `retention-server` with `args` (its own `--listen 127.0.0.1:0`
 * among them) and resolves to `{child, url, logPath}` once it prints
 * `listening on URL` on a loopback address. Its output goes to `logPath`.
 */
export function spawnNativeServer({ serverPath, args, logPath, readyMs }) {
  const child = spawn(serverPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_BACKTRACE: '1' },
  });
  const log = [];
  const keep = (chunk) => {
    log.push(chunk.toString());
    writeFileSync(logPath, log.join(''));
  };
  child.stderr.on('data', keep);
  return new Promise((resolveReady, rejectReady) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectReady(new Error(`server did not print "listening on" within ${readyMs / 1000} s; log: ${logPath}`));
    }, readyMs);
    child.on('error', (e) => { clearTimeout(timer); rejectReady(new Error(`cannot start ${serverPath}: ${e.message}`)); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      rejectReady(new Error(`server exited before it was ready (code ${code}, signal ${signal}); log:\n${log.join('').slice(-2000)}`));
    });
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      buffered += chunk.toString();
      const m = buffered.match(/listening on (https?:\/\/[^\s]+)/);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1].replace(/\/+$/, '');
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
        child.kill('SIGKILL');
        rejectReady(new Error(`server listens on ${url}, not loopback`));
        return;
      }
      resolveReady({ child, url, logPath });
    });
  });
}

/**
 * The harness's command line, read by node's `parseArgs` (`--name VALUE`
 * and `--name=VALUE` alike): `-h`/`--help` prints `usage: <usage>` and
 * exits 0; anything else unknown exits 2 with the reason.
 */
export function harnessArgs(usage, options) {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (values.help) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  return values;
}

/**
 * One plain HTTP exchange of a harness with the program it started (health
 * checks, the crash test): `json` is sent as the body when given. Resolves
 * to {status, headers, text}.
 */
export function exchange(url, path, { method = 'GET', headers = {}, json, agent, timeoutMs = 15_000 } = {}) {
  const data = json === undefined ? null : Buffer.from(JSON.stringify(json));
  const sent = data ? { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers } : headers;
  return new Promise((resolveReq, rejectReq) => {
    const req = http.request(new URL(path, url), { method, headers: sent, agent, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolveReq({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', rejectReq);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rejectReq);
    req.end(data ?? undefined);
  });
}
