// wrangler dev (workerd) for the suites: started on loopback with nothing
// fetched from the network and no telemetry, stopped with its whole process
// group. Used by run-workerd.mjs (the API suite) and the browser suite's
// workerd run (tests/browser/run.mjs --platform workerd).
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { exchange } from '../../api/lib/harness.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const wranglerBin = join(repo, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const STOP_GRACE_MS = 5_000;

const get = (url, path, timeoutMs = 5_000) => exchange(url, path, { agent: false, timeoutMs });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies the built Worker (`dir`, from scripts/build-edge.sh) to `app`
 * without local state or secrets of earlier runs, and writes its
 * `.dev.vars` with `merchants` (the RETENTION_MERCHANTS array).
 */
export function copyWorkerApp(dir, app, merchants) {
  for (const f of ['worker.js', 'wrangler.toml', 'retention_edge.js', 'retention_edge_bg.wasm']) {
    if (!existsSync(join(dir, f))) throw new Error(`${join(dir, f)} is missing (build it with scripts/build-edge.sh)`);
  }
  cpSync(dir, app, {
    recursive: true,
    filter: (src) => !['.wrangler', '.dev.vars', 'node_modules', '.env'].includes(basename(src)) || src === dir,
  });
  // .dev.vars is dotenv: a single-quoted value is taken literally
  const json = JSON.stringify(merchants);
  if (json.includes("'")) throw new Error('merchant config must not contain a single quote');
  writeFileSync(join(app, '.dev.vars'), `RETENTION_MERCHANTS='${json}'\n`, { mode: 0o600 });
}

/** Kills wrangler's whole process group at once (a deadline's exit path). */
export function killWrangler(w) {
  if (!w?.child) return;
  try { process.kill(-w.child.pid, 'SIGKILL'); } catch { /* gone */ }
}

export function freePort() {
  return new Promise((done, fail) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });
}

/**
 * Starts `wrangler dev --local` in `app` (a folder with wrangler.toml),
 * keeping its state and logs under `work`; answers once /healthz is 200.
 * `onStart(w)` gets the handle at once, so a caller's deadline can kill it.
 * The handle's `url` is the Worker's own workerd socket, or wrangler's
 * public port (its development proxy, which also serves static assets)
 * with `viaProxy`.
 */
export async function startWrangler({ app, work, viaProxy = false, readyMs = 90_000, onStart = () => {} }) {
  const wranglerLog = join(work, 'wrangler.log');
  const port = await freePort();
  const inspectorPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const home = join(work, 'home');
  mkdirSync(join(home, 'config'), { recursive: true });
  mkdirSync(join(work, 'logs'), { recursive: true });
  const child = spawn(process.execPath, [
    wranglerBin, 'dev',
    '--local',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-ip', '127.0.0.1',
    '--inspector-port', String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--persist-to', join(work, 'state'),
    '--log-level', 'debug', // announces the Worker's own socket (userWorkerUrl)
  ], {
    cwd: app,
    detached: true, // its own process group, so workerd is stopped with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // nothing from the network, no telemetry, no prompts
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_SEND_ERROR_REPORTS: 'false',
      WRANGLER_HIDE_BANNER: 'true', // the banner runs an npm update check
      CLOUDFLARE_CF_FETCH_ENABLED: 'false', // no download of request.cf data
      WRANGLER_LOG_PATH: join(work, 'logs'),
      WRANGLER_LOG: 'debug', // announces the Worker's own socket (userWorkerUrl)
      WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
      XDG_CONFIG_HOME: join(home, 'config'), // wrangler's user config stays in the temp folder
      CI: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
  // the whole log goes to a file; the first and the latest 64 KiB stay in memory
  const log = [];
  let logSize = 0;
  const keepLog = (chunk) => {
    appendFileSync(wranglerLog, chunk);
    log.push(chunk.toString());
    logSize += chunk.length;
    while (logSize > 128 * 1024 && log.length > 2) logSize -= log.splice(1, 1)[0].length;
  };
  child.stdout.on('data', keepLog);
  child.stderr.on('data', keepLog);
  const wrangler = { child, url, proxyUrl: url, log, logPath: wranglerLog };
  onStart(wrangler);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  child.on('error', (e) => { exited = { error: e }; });

  const until = Date.now() + readyMs;
  for (;;) {
    if (exited) {
      throw new Error(`wrangler dev exited before it was ready (${JSON.stringify(exited)}); log:\n${log.join('').slice(-3000)}`);
    }
    try {
      const res = await get(url, '/healthz', 2_000);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > until) {
      throw new Error(`${url}/healthz did not answer 200 within ${readyMs / 1000} s; log: ${wranglerLog}\n${log.join('').slice(-3000)}`);
    }
    await sleep(250);
  }
  if (!viaProxy) wrangler.url = await workerSocket(log);
  return wrangler;
}

/** The Worker's own workerd socket, from wrangler's debug log (the last one announced). */
async function workerSocket(log) {
  const until = Date.now() + 10_000;
  for (;;) {
    const found = [...log.join('').matchAll(/"userWorkerUrl":\{"protocol":"(https?:)","hostname":"([^"]+)","port":"(\d+)"/g)].pop();
    if (found) {
      const [, protocol, hostname, port] = found;
      if (hostname !== '127.0.0.1') throw new Error(`the Worker's own socket is on ${hostname}, not 127.0.0.1`);
      const direct = `${protocol}//${hostname}:${port}`;
      const res = await get(direct, '/healthz', 5_000).catch((e) => ({ status: e.message }));
      if (res.status === 200) return direct;
      throw new Error(`the Worker's own socket ${direct} does not answer /healthz (${res.status}); try --via-proxy`);
    }
    if (Date.now() > until) throw new Error("wrangler's log does not announce the Worker's own socket (userWorkerUrl); try --via-proxy");
    await sleep(250);
  }
}

/** Stops wrangler and its workerd (their process group): TERM, then KILL. */
export async function stopWrangler(w) {
  if (!w) return;
  const { child } = w;
  if (child.exitCode !== null || child.signalCode !== null) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group gone */ }
    return;
  }
  const gone = new Promise((done) => child.once('exit', done));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
  const timer = new Promise((done) => setTimeout(done, STOP_GRACE_MS, 'timeout'));
  await Promise.race([gone, timer]);
  // whatever is left of the group (workerd) goes now
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group gone */ }
}
