// The retention API on Deno: the wasm handler (pkg/edge/retention_edge.js)
// over Deno KV, served with Deno.serve, plus the reminder loop. Wiring
// only: every rule of the API lives in the wasm module.
//
//   deno run --unstable-kv --allow-net=127.0.0.1 --allow-read --allow-write \
//     --allow-env pkg/edge/deno/main.js [--port N] [--hostname H]
//
// Environment:
//   RETENTION_MERCHANTS  JSON array [{"id","api_key","token_secret","allowed_origins":[...],
//                        "webhook_url","webhook_secret"}] (required; the webhook pair optional)
//   RETENTION_KV         the Deno KV file (default ./retention.kv)
//   PORT                 the port, if --port is not given (default 8787; 0 picks a free one)
//   RETENTION_HOSTNAME   the address, if --hostname is not given (default 127.0.0.1)
//
// Deno Deploy: the same file runs there unchanged. Deploy has no files to
// name, so `Deno.openKv()` takes no path there and opens the project's
// hosted database (RETENTION_KV is ignored); Deno.serve's port and
// hostname are chosen by the platform; the KV API needs no --unstable-kv
// flag. An isolate there may sleep between requests, so besides the loop
// below a Deno.cron job (once a minute, Deploy's finest schedule) wakes the
// due customers.
import init, { EdgeHandler, retryDelayMs, timers } from '../retention_edge.js';
import { KvStore } from './store.js';

const NAME = 'retention-deno';
const TICK_MS = 1000;
const WAKE_BATCH = 100;

function die(message) {
  console.error(`${NAME}: ${message}`);
  Deno.exit(1);
}

function env(name) {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not granted by --allow-env: as if unset
  }
}

const onDeploy = Boolean(env('DENO_DEPLOYMENT_ID'));

// ---- command line ------------------------------------------------------------
function parseArgs(args) {
  const out = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--port') out.port = value();
    else if (flag === '--hostname' || flag === '--host') out.hostname = value();
    else if (flag === '-h' || flag === '--help') {
      console.log('usage: main.js [--port N] [--hostname H]   (env: RETENTION_MERCHANTS, RETENTION_KV, PORT, RETENTION_HOSTNAME)');
      Deno.exit(0);
    } else die(`unknown argument ${JSON.stringify(arg)} (usage: main.js [--port N] [--hostname H])`);
  }
  return out;
}

const args = parseArgs(Deno.args);
const hostname = args.hostname ?? env('RETENTION_HOSTNAME') ?? '127.0.0.1';
const portText = args.port ?? env('PORT') ?? '8787';
const port = Number(portText);
if (!/^\d+$/.test(String(portText)) || !Number.isInteger(port) || port > 65535) {
  die(`the port must be a number from 0 to 65535, not ${JSON.stringify(portText)}`);
}

// ---- merchants -----------------------------------------------------------------
const merchantsJson = env('RETENTION_MERCHANTS');
if (merchantsJson === undefined || merchantsJson.trim() === '') {
  die('RETENTION_MERCHANTS is not set: give the merchants as a JSON array [{"id","api_key","token_secret","allowed_origins":[...]}].');
}
try {
  const parsed = JSON.parse(merchantsJson);
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('it is not a non-empty JSON array');
} catch (e) {
  die(`RETENTION_MERCHANTS is not a JSON array of merchants: ${oneLine(e.message)}.`);
}

// ---- wasm, store, handler ---------------------------------------------------------
try {
  const wasm = await Deno.readFile(new URL('../retention_edge_bg.wasm', import.meta.url));
  await init({ module_or_path: wasm });
} catch (e) {
  die(`cannot load the wasm handler: ${oneLine(e.message)}`);
}
/** How often timers run and how long they wait (policy, from the wasm). */
const TIMERS = timers();

let kv;
const kvPath = onDeploy ? undefined : (env('RETENTION_KV') ?? './retention.kv');
try {
  // On Deno Deploy `Deno.openKv()` takes no path: it opens the project's
  // database. Locally it needs a file (and --unstable-kv).
  kv = kvPath ? await Deno.openKv(kvPath) : await Deno.openKv();
} catch (e) {
  die(`cannot open the Deno KV database${kvPath ? ` ${kvPath}` : ''}: ${oneLine(e.message)}`);
}
const store = new KvStore(kv);

let handler;
try {
  handler = new EdgeHandler(merchantsJson, store);
} catch (e) {
  die(oneLine(e.message ?? String(e)));
}

// ---- one customer at a time in this isolate -----------------------------------------
// Writes are compare-and-swap in the store, so this is only for speed: the
// requests of one customer queue here instead of racing and retrying (the
// store still decides when several isolates share a database). The wasm
// tells whose state a request concerns; requests that concern no customer
// run at once.
const queues = new Map();
function serialized(key, job) {
  const tail = queues.get(key) ?? Promise.resolve();
  const run = tail.then(job, job);
  const settled = run.then(() => {}, () => {});
  queues.set(key, settled);
  settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
const customerKey = (merchant, customer) => JSON.stringify([merchant, customer]);

function targetOf(request) {
  if (typeof handler.target !== 'function') return undefined;
  try {
    const t = handler.target(request);
    return t?.kind === 'customer' ? customerKey(t.merchant, t.customer) : undefined;
  } catch {
    return undefined;
  }
}

function unavailable(error) {
  console.error(`${NAME}: the handler failed: ${oneLine(error?.stack ?? error?.message ?? String(error))}`);
  return new Response(JSON.stringify({
    type: 'about:blank',
    title: 'Service Unavailable',
    status: 503,
    detail: 'The service failed to answer. Try again: with the same Idempotency-Key a change is made at most once.',
    code: 'unavailable',
  }), { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } });
}

async function serve(request) {
  const key = targetOf(request);
  const answer = () => handler.handle(request);
  try {
    return await (key ? serialized(key, answer) : answer());
  } catch (e) {
    return unavailable(e);
  }
}

// ---- reminders ---------------------------------------------------------------------------
let stopping = false;
let ticking = null;
// A customer whose wake failed is retried later and later (the handler's
// backoff, retryDelayMs), and passed over meanwhile, so it cannot hold back
// the customers behind it.
const failing = new Map(); // customerKey -> {retryAt (unix s), failures}

async function wakeDue() {
  const now = Math.floor(Date.now() / 1000);
  const due = await store.dueWakes(now, {
    limit: WAKE_BATCH,
    accept: ({ merchant, customer }) => !(failing.get(customerKey(merchant, customer))?.retryAt > now),
  });
  for (const { merchant, customer } of due) {
    if (stopping) break;
    const key = customerKey(merchant, customer);
    try {
      await serialized(key, () => handler.wake(merchant, customer));
      failing.delete(key);
    } catch (e) {
      const failures = (failing.get(key)?.failures ?? 0) + 1;
      const delay = retryDelayMs(failures) / 1000;
      failing.set(key, { retryAt: now + delay, failures });
      // The customer id stays out of the log; the merchant is enough to start looking.
      console.error(`${NAME}: reminders: waking a customer of merchant ${JSON.stringify(merchant)} failed (next try in ${delay} s): ${oneLine(e?.message ?? String(e))}`);
    }
  }
  if (failing.size > 10_000) failing.clear(); // bounded memory; they are simply tried again
}

// A sweep now and then starts a round for every merchant, so deliveries go
// on even if a queue message was lost (an isolate that died mid-round).
let sweptAt = Date.now();
function sweepDeliveries() {
  if (Date.now() - sweptAt < TIMERS.deliverySweepMs) return;
  sweptAt = Date.now();
  for (const merchant of handler.merchantIds()) deliveryRound(merchant);
}

// Events past the feed's retention go now and then (the wasm knows which).
let prunedAt = -Infinity;
async function pruneEvents() {
  if (Date.now() - prunedAt < TIMERS.housekeepingMs) return;
  prunedAt = Date.now();
  try {
    await handler.pruneEvents();
  } catch (e) {
    console.error(`${NAME}: events retention: ${oneLine(e?.message ?? String(e))}`);
  }
}

async function tick() {
  if (ticking) return ticking; // never two passes at once
  sweepDeliveries();
  ticking = Promise.all([wakeDue(), pruneEvents()])
    .catch((e) => console.error(`${NAME}: reminders: ${oneLine(e?.message ?? String(e))}`))
    .finally(() => { ticking = null; });
  return ticking;
}

let timer = null;
function schedule() {
  if (stopping) return;
  timer = setTimeout(async () => {
    await tick();
    schedule();
  }, TICK_MS);
}

// ---- webhooks ------------------------------------------------------------------------------
// A write that makes events to deliver sends {deliver: merchant} to the KV
// queue in its own commit; a round attempts what is due (the wasm decides)
// and asks the queue to come back when the next attempt is due. Rounds of
// one merchant never overlap in this isolate: a message that comes during
// one runs one more round after it.
const rounds = new Map(); // merchant -> {running: Promise, again: boolean}
/** Deno KV's longest queue delay; a round due later is asked for at this. */
const MAX_QUEUE_DELAY_MS = 30 * 24 * 3_600_000;

function deliveryRound(merchant) {
  const current = rounds.get(merchant);
  if (current) {
    current.again = true;
    return current.running;
  }
  const entry = { again: false, running: null };
  entry.running = (async () => {
    try {
      do {
        entry.again = false;
        const next = await handler.deliverDue(merchant);
        if (next !== null && next !== undefined && !stopping) {
          const delay = Math.min(MAX_QUEUE_DELAY_MS, Math.max(0, next * 1000 - Date.now()));
          await kv.enqueue({ deliver: merchant }, { delay });
        }
      } while (entry.again && !stopping);
    } catch (e) {
      // The chain of rounds must not end here: try again soon.
      console.error(`${NAME}: webhooks: a delivery round of merchant ${JSON.stringify(merchant)} failed: ${oneLine(e?.message ?? String(e))}`);
      if (!stopping) await kv.enqueue({ deliver: merchant }, { delay: TIMERS.roundRetryMs }).catch(() => {});
    } finally {
      rounds.delete(merchant);
    }
  })();
  rounds.set(merchant, entry);
  return entry.running;
}

// Every message starts a round (which never throws; see above).
kv.listenQueue((message) => {
  if (typeof message?.deliver === 'string') return deliveryRound(message.deliver);
});

if (onDeploy && typeof Deno.cron === 'function') {
  // Deploy registers cron jobs while the module is evaluated.
  Deno.cron('retention reminders', '* * * * *', () => tick());
}

// ---- serve -----------------------------------------------------------------------------------
let server;
try {
  server = Deno.serve({
    ...(onDeploy ? {} : { hostname, port }),
    onListen({ hostname: host, port: bound }) {
      const shown = host.includes(':') ? `[${host}]` : host;
      console.log(`listening on http://${shown}:${bound}`);
    },
    onError: unavailable,
  }, serve);
} catch (e) {
  die(`cannot listen on ${hostname}:${port}: ${oneLine(e.message)}`);
}
schedule();

async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearTimeout(timer);
  try {
    await server.shutdown();
    await ticking;
  } finally {
    kv.close();
    Deno.exit(0);
  }
}
if (!onDeploy) {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    try {
      Deno.addSignalListener(signal, shutdown);
    } catch { /* no signals on this platform */ }
  }
}

function oneLine(text) {
  return String(text).replace(/\s+/g, ' ').trim();
}
