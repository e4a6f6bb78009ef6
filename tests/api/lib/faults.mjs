// Fault injection for the native server (run-native.mjs): rounds of a mixed
// write load (orders, refunds, redemptions, subscription actions,
// preference saves) cut by `kill -9` at a random point, a restart on the
// same database, then: every acknowledged write is there, the ledger adds
// up, and the event feed has every acknowledged event once, with each
// customer's sequence 1, 2, 3… without a gap or a repeat.
import { randomBytes, randomInt } from 'node:crypto';
import { exchange } from './harness.mjs';
import { mintToken } from './jwt.mjs';
import { DEFAULT_PREFERENCES, SUITE_PROGRAM } from './program-data.mjs';

const CUSTOMERS = 3;
const CONNECTIONS = 6;

/**
 * Runs `rounds` rounds against merchant `m` (with the suite's program)
 * using `server()` for the current server and `restart()` to kill -9 and
 * start it again. Returns {problems, acked, rounds}.
 */
export async function faultRounds({ m, rounds, server, restart }) {
  const problems = [];
  const admin = { Authorization: `Bearer ${m.api_key}` };
  const run = randomBytes(3).toString('hex');
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `fault-${run}-${i}`);
  const url = () => server().url;
  const call = (method, path, { json, token, key } = {}) => exchange(url(), path, {
    method,
    json,
    headers: {
      Authorization: token ? `Bearer ${token}` : admin.Authorization,
      ...(key ? { 'Idempotency-Key': key } : {}),
    },
  });

  // setup: the program, a subscription and points for every customer
  const put = await call('PUT', '/v1/admin/program', { json: SUITE_PROGRAM });
  if (put.status !== 200) return { problems: [`PUT program → ${put.status}`], acked: 0, rounds: 0 };
  for (const c of customers) {
    await call('POST', `/v1/admin/customers/${c}/events`, { key: `setup-sub-${c}`, json: { type: 'subscription_upserted', subscription: subscription(c) } });
    await call('POST', `/v1/admin/customers/${c}/events`, { key: `setup-pts-${c}`, json: { type: 'points_adjusted', points: 100_000, reason: 'fault rounds' } });
  }

  const acked = { orders: [], refunds: [], codes: [], prefs: 0, actions: 0 };
  let n = 0;
  const nextOp = () => {
    n += 1;
    const c = customers[n % customers.length];
    const token = mintToken(m, c);
    const key = `fault-${run}-${n}`;
    switch (n % 5) {
      case 0: {
        const order = `fo-${run}-${n}`;
        return { kind: 'order', c, order, send: () => call('POST', `/v1/admin/customers/${c}/events`, { key, json: { type: 'order_paid', order_id: order, amount_minor: 10_000 + n, currency: 'RUB', paid_at: new Date(Date.now() - 10 * 86_400_000).toISOString() } }) };
      }
      case 1: {
        const paid = acked.orders.filter((o) => o.c === c && !acked.refunds.includes(o.order));
        if (paid.length === 0) return nextOp();
        const { order } = paid[paid.length - 1];
        return { kind: 'refund', c, order, send: () => call('POST', `/v1/admin/customers/${c}/events`, { key, json: { type: 'order_refunded', order_id: order, amount_minor: 1_000 } }) };
      }
      case 2:
        return { kind: 'redeem', c, send: () => call('POST', '/v1/me/redemptions', { token, key, json: { reward_id: 'r-ship' } }) };
      case 3:
        return { kind: 'action', c, send: () => call('POST', `/v1/me/subscriptions/fs-${c}/actions`, { token, key, json: { action: 'change_interval', interval: n % 2 ? { unit: 'month', count: 1 } : { unit: 'week', count: 2 } } }) };
      default: {
        const p = JSON.parse(JSON.stringify(DEFAULT_PREFERENCES));
        p.channels.sms.enabled = n % 2 === 0;
        p.max_per_week = 1 + (n % 7);
        return { kind: 'prefs', c, send: () => call('PUT', '/v1/me/preferences', { token, json: p }) };
      }
    }
  };

  for (let round = 1; round <= rounds; round++) {
    const killAfter = randomInt(5, 40);
    let acks = 0;
    let killed = false;
    let killing = null;
    const worker = async () => {
      while (!killed) {
        const op = nextOp();
        try {
          const res = await op.send();
          if (res.status === 200 || res.status === 201) {
            if (op.kind === 'order') acked.orders.push({ c: op.c, order: op.order });
            if (op.kind === 'refund') acked.refunds.push(op.order);
            if (op.kind === 'redeem') acked.codes.push({ c: op.c, code: JSON.parse(res.text).code });
            if (op.kind === 'prefs') acked.prefs += 1;
            if (op.kind === 'action') acked.actions += 1;
            acks += 1;
            if (acks >= killAfter && !killing) {
              killed = true;
              killing = restart();
            }
          } else if (!killed && res.status >= 500) {
            problems.push(`round ${round}: ${op.kind} → ${res.status} ${res.text.slice(0, 200)}`);
          }
        } catch {
          if (!killed) await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    await killing;
  }

  // after the last restart: everything acknowledged is there
  const events = await feed(url(), admin);
  for (const c of customers) {
    const res = await call('GET', `/v1/admin/customers/${c}`);
    if (res.status !== 200) { problems.push(`GET ${c} → ${res.status}`); continue; }
    const doc = JSON.parse(res.text);
    const ledger = doc.ledger ?? [];
    const sum = ledger.reduce((s, e) => s + e.points, 0);
    if (sum !== doc.loyalty.balance + doc.loyalty.pending) problems.push(`${c}: ledger ${sum} ≠ balance + pending ${doc.loyalty.balance + doc.loyalty.pending}`);
    for (const { order } of acked.orders.filter((o) => o.c === c)) {
      const hits = ledger.filter((e) => e.kind === 'earn' && e.description === `Order ${order}`).length;
      if (hits !== 1) problems.push(`${c}: acknowledged order ${order} is in the ledger ${hits} times`);
    }
    const codes = new Set((doc.redemptions ?? []).map((r) => r.code));
    for (const { code } of acked.codes.filter((x) => x.c === c)) {
      if (!codes.has(code)) problems.push(`${c}: acknowledged code ${code} is missing`);
    }
    const mine = events.filter((e) => e.customer_id === c);
    const sequences = mine.map((e) => e.sequence);
    const expected = Array.from({ length: mine.length }, (_, i) => i + 1);
    if (JSON.stringify(sequences) !== JSON.stringify(expected)) problems.push(`${c}: event sequences are not 1..${mine.length}: ${sequences.slice(0, 20).join(',')}…`);
    const redeemed = new Set(mine.filter((e) => e.type === 'reward.redeemed').map((e) => e.data.code));
    for (const { code } of acked.codes.filter((x) => x.c === c)) {
      if (!redeemed.has(code)) problems.push(`${c}: no reward.redeemed event for acknowledged code ${code}`);
    }
  }
  const ids = events.map((e) => e.id);
  if (new Set(ids).size !== ids.length) problems.push('an event id appears twice in the feed');
  const total = acked.orders.length + acked.refunds.length + acked.codes.length + acked.prefs + acked.actions;
  return { problems, acked: total, rounds, detail: acked };
}

async function feed(url, admin) {
  const items = [];
  let after = null;
  for (;;) {
    const res = await exchange(url, `/v1/admin/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: admin });
    const page = JSON.parse(res.text);
    items.push(...page.items);
    if (page.items.length === 0) return items;
    after = page.next_cursor;
  }
}

function subscription(c) {
  const next = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  return {
    id: `fs-${c}`, product_id: 'coffee', variant_id: 'coffee-250g', title: 'Coffee beans 250 g', quantity: 1,
    price_minor: 89_000, currency: 'RUB', interval: { unit: 'month', count: 1 }, status: 'active',
    next_charge_on: next, anchor_day: Number(next.slice(8, 10)), paused_until: null, cancel_reason: null, discount_percent: null,
  };
}

