// Test entry of the Workers build (run-workerd.mjs copies it beside
// worker.js, with pkg/edge-conformance in conformance/, and points
// wrangler.toml's `main` here): the same Worker and objects, plus what
// only the test runner may use, which a deployed Worker never has.
//
//   GET  /__test/clock                 → {"now": unix seconds}
//   POST /__test/clock?advance=SECONDS → moves Date.now() forward
//   POST /__test/broken-customer       → {merchant, customer}: a customer no wake
//                                        can read, due now (its alarm fails)
//   POST /__test/alarm-state           → {merchant, customer}: {failures, alarm}
//   POST /__test/conformance           → the store port's contract run
//                                        against the objects' store methods:
//                                        [{name, failure}]
//
// Alarms are set in real time, so each object's alarm is shifted by the
// offset; an advance asks every object whose alarm became due to set it
// again (an object's storage is usable only inside that object).
// workerd runs the Worker and its objects in one isolate locally, so one
// offset and one list of alarms serve them all.
import worker, { CustomerObject as Customer, MerchantObject as Merchant } from './worker.js';
import { initSync, runStoreConformance } from './conformance/retention_conformance.js';
import conformanceModule from './conformance/retention_conformance_bg.wasm';

initSync({ module: conformanceModule });

/** The store port over the objects' RPC methods, as the handler inside them uses it. */
function objectStore(env) {
  const customer = (m, c) => env.CUSTOMERS.get(env.CUSTOMERS.idFromName(`${m}\n${c}`));
  const merchant = (m) => env.MERCHANTS.get(env.MERCHANTS.idFromName(m));
  const byCustomer = ['loadCustomer', 'saveCustomer', 'saveIdempotency', 'consents', 'rows', 'eraseCustomer', 'loadIdempotency', 'lastSequence'];
  const byMerchant = ['loadProgram', 'saveProgram', 'dueOutbox', 'outboxOwner', 'ownerOf',
    'events', 'event', 'setDelivery', 'dueDeliveries', 'pruneEvents'];
  return Object.fromEntries([
    ...byCustomer.map((name) => [name, (m, c, ...rest) => customer(m, c)[name](m, c, ...rest)]),
    ...byMerchant.map((name) => [name, (m, ...rest) => merchant(m)[name](m, ...rest)]),
  ]);
}

const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;

const alarms = new Map(); // object id → {binding, at (clock time, ms)}

function shiftAlarms(ctx, binding) {
  const storage = ctx.storage;
  const set = storage.setAlarm.bind(storage);
  const get = storage.getAlarm.bind(storage);
  const id = ctx.id.toString();
  storage.setAlarm = (at, options) => {
    const when = Number(at instanceof Date ? at.getTime() : at);
    alarms.set(id, { binding, at: when });
    return set(Math.max(realNow(), when - offset), options);
  };
  storage.getAlarm = async (options) => {
    const at = await get(options);
    return at === null ? null : at + offset;
  };
  const deleteAlarm = storage.deleteAlarm.bind(storage);
  storage.deleteAlarm = (options) => {
    alarms.delete(id);
    return deleteAlarm(options);
  };
  return async () => {
    const entry = alarms.get(id);
    if (entry) await set(Math.max(realNow(), entry.at - offset));
  };
}

/** `Base` with its alarms on the test clock. */
function onTestClock(Base, binding) {
  return class extends Base {
    constructor(ctx, env) {
      const reset = shiftAlarms(ctx, binding);
      super(ctx, env);
      this.resetAlarm = reset;
    }

    /** The clock moved: set the alarm again in real time. */
    async testClockAdvanced() {
      await this.resetAlarm();
    }

    /** Merchant objects: the next copy of `customer`'s outbox never arrives (as if its object were evicted mid-send). */
    async testLoseNextCopy(customer) {
      (this.losing ??= new Set()).add(customer);
    }

    async indexOutbox(merchant, customer, ...rest) {
      if (this.losing?.delete(customer)) return new Promise(() => {});
      return super.indexOutbox(merchant, customer, ...rest);
    }

    /** Failed alarms in a row so far, and when the next is set (clock time). */
    async testAlarmState() {
      const rows = this.sql.exec("SELECT name FROM sqlite_master WHERE name = 'alarm_failures'").toArray();
      const failures = rows.length ? (this.sql.exec('SELECT count FROM alarm_failures').toArray()[0]?.count ?? 0) : 0;
      return { failures, alarm: await this.ctx.storage.getAlarm() };
    }
  };
}

export const CustomerObject = onTestClock(Customer, 'CUSTOMERS');
export const MerchantObject = onTestClock(Merchant, 'MERCHANTS');

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__test/broken-customer' && request.method === 'POST') {
      // A customer whose state no wake can read, due now: its alarm fails.
      const { merchant, customer } = await request.json();
      const stub = env.CUSTOMERS.get(env.CUSTOMERS.idFromName(`${merchant}\n${customer}`));
      const written = await stub.saveCustomer(merchant, customer, null, {
        version: 1, state: 'not a customer', nextWake: Math.floor(Date.now() / 1000) - 1,
        outbox: [], lookups: [], events: [], idempotency: null,
      });
      return Response.json({ written });
    }
    if (url.pathname === '/__test/lose-next-copy' && request.method === 'POST') {
      const { merchant, customer } = await request.json();
      await env.MERCHANTS.get(env.MERCHANTS.idFromName(merchant)).testLoseNextCopy(customer);
      return Response.json({ ok: true });
    }
    if (url.pathname === '/__test/alarm-state' && request.method === 'POST') {
      const { merchant, customer } = await request.json();
      const stub = env.CUSTOMERS.get(env.CUSTOMERS.idFromName(`${merchant}\n${customer}`));
      return Response.json(await stub.testAlarmState());
    }
    if (url.pathname === '/__test/conformance' && request.method === 'POST') {
      return Response.json(await runStoreConformance(objectStore(env), `workerd-${Date.now()}-`));
    }
    if (url.pathname !== '/__test/clock') return worker.fetch(request, env, ctx);
    if (request.method === 'POST') {
      const advance = Number(url.searchParams.get('advance'));
      if (!Number.isInteger(advance) || advance < 0) return new Response('advance=SECONDS (0 or more)', { status: 400 });
      offset += advance * 1000;
      const due = [...alarms].filter(([, entry]) => entry.at <= Date.now() + 1000);
      await Promise.all(due.map(([id, { binding }]) => {
        const ns = env[binding];
        return ns.get(ns.idFromString(id)).testClockAdvanced().catch(() => {});
      }));
    }
    return Response.json({ now: Math.floor(Date.now() / 1000) });
  },
};
