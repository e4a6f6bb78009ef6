// Loyalty (SPEC 2.1–2.4, 3.3): GET /v1/me for a new customer, earning,
// pending lots, expiry list, tiers and multipliers, refunds with
// shortfall, activity paging.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, orderPaid, orderRefunded, pointsAdjusted, ledgerSum } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid } from './lib/ids.mjs';
import { ensureSuiteProgram, SUITE_PROGRAM, DEFAULT_PREFERENCES } from './lib/program.mjs';
import { instant, ms, INSTANT_RE, DATE_RE, today, addDays, sleep } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);
const DAY = 86_400_000;

before(ensureSuiteProgram);

/** An instant `days` ago, on a whole second. */
const daysAgo = (days, extraSeconds = 0) => instant(Date.now() - days * DAY + extraSeconds * 1000);

async function checkInvariant(api, c) {
  const doc = await api.customerOk(c);
  assert.equal(ledgerSum(doc.ledger), doc.loyalty.balance + doc.loyalty.pending,
    `sum of ledger entries = balance + pending (${JSON.stringify(doc.ledger)})`);
  return doc;
}

test('GET /v1/me for a never-seen customer: zeros, empty lists, the program\'s catalogue and defaults', async () => {
  const c = customerId('new');
  const res = await a.me(c);
  assert.equal(res.status, 200, res.text);
  assert.ok(res.headers.etag, 'GET /v1/me has an ETag');
  const me = res.body;
  assert.equal(me.customer_id, c);
  const l = me.loyalty;
  assert.equal(l.balance, 0);
  assert.equal(l.pending, 0);
  assert.equal(l.lifetime_earned, 0);
  assert.deepEqual(l.tier, { id: 'member', name: 'Member' });
  assert.equal(l.qualifying_points, 0);
  assert.deepEqual(l.next_tier, { id: 'silver', name: 'Silver', threshold: 100_000, points_needed: 100_000 });
  assert.equal(l.tier_held_until, null, 'threshold-0 tier: held_until is null');
  assert.deepEqual(l.expiring, []);
  assert.deepEqual(l.pending_lots, []);
  assert.equal(l.birthday_reward, null, 'no birthday given: no birthday reward ahead');
  assert.deepEqual(me.rewards, SUITE_PROGRAM.rewards.map((r) => ({ ...r, affordable: false })));
  assert.deepEqual(me.redemptions, []);
  assert.deepEqual(me.subscriptions, []);
  const o = me.subscription_options;
  const s = SUITE_PROGRAM.subscriptions;
  assert.deepEqual(o.allowed_intervals, s.allowed_intervals);
  assert.deepEqual(o.swap_options, {}, 'swap_options holds only products this customer has');
  assert.deepEqual(o.addons, {}, 'addons too');
  assert.equal(o.max_quantity, s.max_quantity);
  assert.equal(o.max_pause_days, s.max_pause_days);
  assert.equal(o.reschedule_window_days, s.reschedule_window_days);
  assert.equal(o.cutoff_hours, s.cutoff_hours);
  assert.deepEqual(o.cancel_reasons, s.cancel_reasons);
  assert.deepEqual(me.preferences, DEFAULT_PREFERENCES);
});

test('GET /v1/me for a never-seen customer of the default program (merchant B)', async () => {
  const me = await b.meOk(customerId('new'));
  assert.deepEqual(me.loyalty, {
    balance: 0, pending: 0, lifetime_earned: 0,
    tier: { id: 'base', name: 'Member' }, qualifying_points: 0, next_tier: null, tier_held_until: null,
    expiring: [], pending_lots: [], birthday_reward: null,
  });
  assert.deepEqual(me.rewards, []);
  assert.equal(me.subscription_options.max_quantity, 10);
});

test('reading a never-seen customer creates nothing visible to the merchant', async () => {
  const c = customerId('new');
  await a.meOk(c);
  const doc = await a.customerOk(c);
  assert.deepEqual(doc.ledger, []);
  assert.deepEqual(doc.consents, []);
});

test('order_paid now: pending points with available_at = paid_at + pending_days', async () => {
  const c = customerId('earn');
  const paidAt = instant(Date.now() - 60_000);
  const res = await a.event(c, orderPaid(uid('o'), 12_345, { paid_at: paidAt }));
  assert.equal(res.status, 200, res.text);
  const me = res.body.customer;
  assert.equal(me.customer_id, c);
  assert.equal(me.loyalty.balance, 0);
  assert.equal(me.loyalty.pending, 123, 'floor(12345 × 1 × 100 / (100 × 100))');
  assert.equal(me.loyalty.lifetime_earned, 123);
  assert.deepEqual(me.loyalty.pending_lots, [{ points: 123, available_at: instant(ms(paidAt) + 7 * DAY) }]);
  assert.deepEqual(me.loyalty.expiring, [], 'pending points are not in the expiring list');
  assert.equal(me.loyalty.next_tier.points_needed, 100_000 - 123, 'pending order points qualify');
  assert.equal(me.loyalty.qualifying_points, 123, 'qualifying_points + points_needed = threshold');
  assert.equal(me.loyalty.next_tier.threshold, 100_000);
  assert.equal(me.rewards.find((r) => r.id === 'r-ship').affordable, false, 'pending points are not spendable');
  const again = await a.meOk(c);
  assert.deepEqual(again, me, 'the event answer is the GET /v1/me body');
  await checkInvariant(a, c);
});

test('a backdated order is available after pending_days and expires after_earn_days after paid_at', async () => {
  const c = customerId('earn');
  const paidAt = daysAgo(30);
  const me = await a.eventOk(c, orderPaid(uid('o'), 50_000, { paid_at: paidAt }));
  assert.equal(me.loyalty.balance, 500);
  assert.equal(me.loyalty.pending, 0);
  assert.deepEqual(me.loyalty.pending_lots, []);
  assert.deepEqual(me.loyalty.expiring, [{ points: 500, expires_at: instant(ms(paidAt) + 365 * DAY) }]);
  assert.equal(me.rewards.find((r) => r.id === 'r-fixed').affordable, true);
  assert.equal(me.rewards.find((r) => r.id === 'r-percent').affordable, true);
});

test('expiring lists every upcoming expiry soonest first, lots with the same instant merged; pending_lots likewise', async () => {
  const c = customerId('exp');
  const t1 = daysAgo(40);
  const t2 = daysAgo(20);
  const soon = instant(Date.now() + 10 * DAY);
  const later = instant(Date.now() + 100 * DAY);
  await a.eventOk(c, orderPaid(uid('o'), 20_000, { paid_at: t2 }));
  await a.eventOk(c, orderPaid(uid('o'), 10_000, { paid_at: t1 }));
  await a.eventOk(c, orderPaid(uid('o'), 5_000, { paid_at: t1 }));
  await a.eventOk(c, pointsAdjusted(70, { expires_at: later }));
  await a.eventOk(c, pointsAdjusted(30, { expires_at: soon }));
  const p1 = instant(Date.now() - 3 * DAY);
  const p2 = instant(Date.now() - 1 * DAY);
  await a.eventOk(c, orderPaid(uid('o'), 900, { paid_at: p2 }));
  await a.eventOk(c, orderPaid(uid('o'), 400, { paid_at: p1 }));
  await a.eventOk(c, orderPaid(uid('o'), 100, { paid_at: p1 }));
  const me = await a.meOk(c);
  assert.deepEqual(me.loyalty.expiring, [
    { points: 30, expires_at: soon },
    { points: 70, expires_at: later },
    { points: 150, expires_at: instant(ms(t1) + 365 * DAY) },
    { points: 200, expires_at: instant(ms(t2) + 365 * DAY) },
  ]);
  assert.deepEqual(me.loyalty.pending_lots, [
    { points: 5, available_at: instant(ms(p1) + 7 * DAY) },
    { points: 9, available_at: instant(ms(p2) + 7 * DAY) },
  ]);
  assert.equal(me.loyalty.balance, 450);
  assert.equal(me.loyalty.pending, 14);
  assert.equal(me.loyalty.lifetime_earned, 464);
  for (const e of me.loyalty.expiring) assert.match(e.expires_at, INSTANT_RE);
  await checkInvariant(a, c);
});

test('an order id already recorded → 409 order_already_recorded, nothing changes', async () => {
  const c = customerId('dup');
  const orderId = uid('o');
  await a.eventOk(c, orderPaid(orderId, 10_000));
  assertProblem(await a.event(c, orderPaid(orderId, 10_000)), 409, 'order_already_recorded', 'same order');
  assertProblem(await a.event(c, orderPaid(orderId, 99_000, { paid_at: daysAgo(3) })), 409, 'order_already_recorded', 'same id, other amount');
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending, 100);
  // the same order id for another customer is that customer's order
  const other = customerId('dup');
  assert.equal((await a.eventOk(other, orderPaid(orderId, 10_000))).loyalty.pending, 100);
});

test('tiers: the multiplier of the tier held at paid_at (12 345 kopecks at 150 % → 185)', async () => {
  const c = customerId('tier');
  let me = await a.eventOk(c, orderPaid(uid('o'), 100_000_000, { paid_at: daysAgo(20) }));
  assert.equal(me.loyalty.balance, 1_000_000, 'the first order earns at Member (100 %)');
  assert.deepEqual(me.loyalty.tier, { id: 'gold', name: 'Gold' });
  assert.equal(me.loyalty.next_tier, null);
  assert.match(me.loyalty.tier_held_until, DATE_RE);
  const held = me.loyalty.tier_held_until;
  assert.ok(held >= addDays(today(), 340) && held <= addDays(today(), 346), `tier_held_until ${held}: the qualifying order leaves the 365-day window in 345 days`);
  me = await a.eventOk(c, orderPaid(uid('o'), 12_345));
  assert.equal(me.loyalty.pending, 185);
  assert.equal(me.loyalty.lifetime_earned, 1_000_185);
});

test('tiers: Silver at 125 %, next tier and points needed', async () => {
  const c = customerId('tier');
  let me = await a.eventOk(c, orderPaid(uid('o'), 9_000_000, { paid_at: daysAgo(10) }));
  assert.deepEqual(me.loyalty.tier, { id: 'member', name: 'Member' });
  assert.deepEqual(me.loyalty.next_tier, { id: 'silver', name: 'Silver', threshold: 100_000, points_needed: 10_000 });
  me = await a.eventOk(c, orderPaid(uid('o'), 1_000_000, { paid_at: daysAgo(9) }));
  assert.deepEqual(me.loyalty.tier, { id: 'silver', name: 'Silver' });
  assert.deepEqual(me.loyalty.next_tier, { id: 'gold', name: 'Gold', threshold: 1_000_000, points_needed: 900_000 });
  me = await a.eventOk(c, orderPaid(uid('o'), 10_000));
  assert.equal(me.loyalty.pending, 125, '10 000 kopecks at 125 %');
  // adjustments do not qualify
  me = await a.eventOk(c, pointsAdjusted(2_000_000));
  assert.deepEqual(me.loyalty.tier, { id: 'silver', name: 'Silver' });
  assert.equal(me.loyalty.next_tier.points_needed, 900_000 - 125);
  // redeeming never demotes
  const red = await a.redeem(c, 'r-percent');
  assert.equal(red.status, 201, red.text);
  assert.deepEqual((await a.meOk(c)).loyalty.tier, { id: 'silver', name: 'Silver' });
});

test('a backdated order earns at the tier held at its paid_at, not today\'s', async () => {
  const c = customerId('tier');
  await a.eventOk(c, orderPaid(uid('o'), 10_000_000, { paid_at: daysAgo(10) })); // 100 000 → Silver from then on
  const me = await a.eventOk(c, orderPaid(uid('o'), 10_000, { paid_at: daysAgo(30) })); // before: Member
  assert.equal(me.loyalty.balance, 100_000 + 100);
});

test('refunds are cumulative: floor(N × R / P) in total, the difference each time', async () => {
  const c = customerId('refund');
  const orderId = uid('o');
  await a.eventOk(c, orderPaid(orderId, 10_000)); // 100 points, pending
  let me = await a.eventOk(c, orderRefunded(orderId, 3_333));
  assert.equal(me.loyalty.pending, 67, 'floor(100 × 3333 / 10000) = 33 reversed');
  me = await a.eventOk(c, orderRefunded(orderId, 3_333));
  assert.equal(me.loyalty.pending, 34, 'floor(100 × 6666 / 10000) = 66 in total');
  me = await a.eventOk(c, orderRefunded(orderId, 3_334));
  assert.equal(me.loyalty.pending, 0);
  assert.equal(me.loyalty.lifetime_earned, 0);
  assertProblem(await a.event(c, orderRefunded(orderId, 1)), 422, 'validation_failed', 'refunds above the paid amount');
  const doc = await checkInvariant(a, c);
  assert.deepEqual(doc.ledger.filter((e) => e.kind === 'reverse').map((e) => e.points), [-33, -33, -34]);
  assert.deepEqual(doc.ledger.map((e) => e.kind), ['earn', 'reverse', 'reverse', 'reverse'], 'ledger oldest first');
});

test('a refund of an unknown order → 404 order_not_found', async () => {
  const c = customerId('refund');
  assertProblem(await a.event(c, orderRefunded(uid('nope'), 100)), 404, 'order_not_found');
  await a.eventOk(c, orderPaid(uid('o'), 1000));
  assertProblem(await a.event(c, orderRefunded(uid('nope'), 100)), 404, 'order_not_found', 'customer with other orders');
});

test('a refund of more than was paid at once → 422, nothing reversed', async () => {
  const c = customerId('refund');
  const orderId = uid('o');
  await a.eventOk(c, orderPaid(orderId, 5_000));
  assertProblem(await a.event(c, orderRefunded(orderId, 5_001)), 422, 'validation_failed');
  assert.equal((await a.meOk(c)).loyalty.pending, 50);
});

test('a refund of spent points records the shortfall, never a negative balance', async () => {
  const c = customerId('short');
  const orderId = uid('o');
  await a.eventOk(c, orderPaid(orderId, 10_000, { paid_at: daysAgo(30) })); // 100 available
  await a.eventOk(c, pointsAdjusted(-80)); // spends 80 of the order's lot
  let me = await a.eventOk(c, orderRefunded(orderId, 10_000));
  assert.equal(me.loyalty.balance, 0);
  assert.equal(me.loyalty.pending, 0);
  assert.equal(me.loyalty.lifetime_earned, 0, 'the reversal counts in full, shortfall included');
  const act = await a.activity(c);
  assert.equal(act.status, 200, act.text);
  const rev = act.body.items.find((i) => i.kind === 'reverse');
  assert.ok(rev, `a reverse entry in ${act.text}`);
  assert.equal(rev.shortfall, 80);
  assert.equal(rev.points, -20, 'only what was left is taken (the ledger sums to balance + pending)');
  await checkInvariant(a, c);
  // later points are not taken to cover the old shortfall
  me = await a.eventOk(c, pointsAdjusted(40));
  assert.equal(me.loyalty.balance, 40);
});

test('a refund takes from the order\'s own lot, then other available lots soonest-expiring first, then pending lots', async () => {
  const c = customerId('short');
  const orderId = uid('o');
  const late = instant(Date.now() + 300 * DAY);
  const early = instant(Date.now() + 30 * DAY);
  const paidAt = daysAgo(20); // once: a second call may fall in the next second
  await a.eventOk(c, orderPaid(orderId, 10_000, { paid_at: paidAt })); // 100, expires in 345 days
  await a.eventOk(c, pointsAdjusted(50, { expires_at: late }));
  await a.eventOk(c, pointsAdjusted(20, { expires_at: early }));
  await a.eventOk(c, orderPaid(uid('o'), 4_000)); // 40 pending
  await a.eventOk(c, pointsAdjusted(-90)); // spends 20 (early) then 50 (late), then 20 of the order's lot
  let me = await a.meOk(c);
  assert.equal(me.loyalty.balance, 80, 'soonest-expiring first: 20 early, 50 late, 20 of the order lot');
  assert.deepEqual(me.loyalty.expiring, [{ points: 80, expires_at: instant(ms(paidAt) + 365 * DAY) }]);
  // spend 70 more of the order lot: 10 left
  await a.eventOk(c, pointsAdjusted(-70));
  await a.eventOk(c, pointsAdjusted(25, { expires_at: late }));
  await a.eventOk(c, pointsAdjusted(15, { expires_at: early }));
  me = await a.eventOk(c, orderRefunded(orderId, 10_000)); // 100: 10 own, 15 early, 25 late, 40 pending, shortfall 10
  assert.equal(me.loyalty.balance, 0);
  assert.equal(me.loyalty.pending, 0);
  const rev = (await a.activity(c)).body.items.find((i) => i.kind === 'reverse');
  assert.equal(rev.points, -90);
  assert.equal(rev.shortfall, 10);
  await checkInvariant(a, c);
});

test('negative adjustments and redemptions larger than the balance → 409 insufficient_points', async () => {
  const c = customerId('neg');
  await a.eventOk(c, pointsAdjusted(30));
  await a.eventOk(c, orderPaid(uid('o'), 100_000)); // 1000 pending: not spendable
  assertProblem(await a.event(c, pointsAdjusted(-31)), 409, 'insufficient_points');
  const me = await a.meOk(c);
  assert.equal(me.loyalty.balance, 30);
  assert.equal(me.loyalty.pending, 1000);
});

test('points expire at their expires_at: read time shows it, activity lists the expiry', async () => {
  const c = customerId('expire');
  const at = instant(Date.now() + 3_000);
  await a.eventOk(c, pointsAdjusted(40, { expires_at: at }));
  await a.eventOk(c, pointsAdjusted(60, { expires_at: instant(Date.now() + 50 * DAY) }));
  assert.equal((await a.meOk(c)).loyalty.balance, 100);
  await sleep(Math.max(0, ms(at) - Date.now()) + 1_500);
  const me = await a.meOk(c);
  assert.equal(me.loyalty.balance, 60);
  assert.equal(me.loyalty.expiring.length, 1);
  assert.equal(me.loyalty.lifetime_earned, 100, 'expiry is no reversal');
  const first = await a.activity(c);
  const second = await a.activity(c);
  assert.deepEqual(first.body, second.body, 'reading never changes the answer');
  const exp = first.body.items.find((i) => i.kind === 'expire');
  assert.ok(exp, `an expire entry is shown: ${first.text}`);
  assert.equal(exp.points, -40);
  assert.equal(exp.at, at);
  await checkInvariant(a, c);
  // a backdated event does not undo the expiry
  await a.eventOk(c, pointsAdjusted(5, { at: instant(ms(at) - 60_000) }));
  assert.equal((await a.meOk(c)).loyalty.balance, 65);
});

test('activity: newest first, limit, cursor paging to the end', async () => {
  const c = customerId('act');
  const base = Date.now() - 50 * DAY;
  for (let i = 0; i < 25; i++) {
    await a.eventOk(c, pointsAdjusted(i + 1, { at: instant(base + i * 3_600_000) }));
  }
  const def = await a.activity(c);
  assert.equal(def.status, 200, def.text);
  assert.equal(def.body.items.length, 20, 'default limit 20');
  assert.equal(typeof def.body.next_cursor, 'string');
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await a.activity(c, `limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length <= 10);
    seen.push(...res.body.items);
    cursor = res.body.next_cursor;
    pages += 1;
    assert.ok(pages <= 4, 'paging ends');
  } while (cursor !== null);
  assert.equal(seen.length, 25);
  assert.deepEqual(seen.map((i) => i.points), Array.from({ length: 25 }, (_, i) => 25 - i), 'newest at first');
  assert.equal(new Set(seen.map((i) => i.id)).size, 25, 'ids unique');
  for (const item of seen) {
    assert.equal(item.kind, 'adjust');
    assert.match(item.at, INSTANT_RE);
    assert.equal(typeof item.description, 'string');
  }
  const all = await a.activity(c, 'limit=100');
  assert.equal(all.body.items.length, 25);
  assert.equal(all.body.next_cursor, null);
});

test('activity: the cursor is stable while new entries arrive', async () => {
  const c = customerId('act');
  const base = Date.now() - 10 * DAY;
  for (let i = 0; i < 12; i++) await a.eventOk(c, pointsAdjusted(100 + i, { at: instant(base + i * 60_000) }));
  const p1 = await a.activity(c, 'limit=5');
  assert.deepEqual(p1.body.items.map((i) => i.points), [111, 110, 109, 108, 107]);
  // new entries arrive (now) between the pages
  await a.eventOk(c, pointsAdjusted(1));
  await a.eventOk(c, orderPaid(uid('o'), 500));
  const p2 = await a.activity(c, `limit=5&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
  assert.equal(p2.status, 200, p2.text);
  assert.deepEqual(p2.body.items.map((i) => i.points), [106, 105, 104, 103, 102]);
  const p3 = await a.activity(c, `limit=5&cursor=${encodeURIComponent(p2.body.next_cursor)}`);
  assert.deepEqual(p3.body.items.map((i) => i.points), [101, 100]);
  assert.equal(p3.body.next_cursor, null);
  const top = await a.activity(c, 'limit=2');
  assert.deepEqual(top.body.items.map((i) => i.kind).sort(), ['adjust', 'earn']);
});

test('activity for a never-seen customer is empty', async () => {
  const res = await a.activity(customerId('act'));
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { items: [], next_cursor: null });
});

test('GET /v1/me has an ETag that stays while nothing changes and changes with the state', async () => {
  const c = customerId('etag');
  const r1 = await a.me(c);
  const r2 = await a.me(c);
  assert.match(String(r1.headers.etag), /^(W\/)?"[^"]*"$/, 'an HTTP entity tag (quoted)');
  assert.equal(r2.headers.etag, r1.headers.etag, 'same state, same ETag');
  await a.eventOk(c, pointsAdjusted(3));
  const r3 = await a.me(c);
  assert.notEqual(r3.headers.etag, r1.headers.etag, 'new state, new ETag');
  const cached = await a.me(c, { headers: { 'If-None-Match': r3.headers.etag } });
  assert.ok(cached.status === 304 || (cached.status === 200 && cached.body.loyalty.balance === 3), `If-None-Match: 304 or the full body (${cached.status})`);
});

test('a refund reversal counts in full for the tier, shortfall included', async () => {
  const c = customerId('tier');
  const orderId = uid('o');
  let me = await a.eventOk(c, orderPaid(orderId, 10_000_000, { paid_at: daysAgo(10) })); // 100 000: Silver
  assert.deepEqual(me.loyalty.tier, { id: 'silver', name: 'Silver' });
  await a.eventOk(c, pointsAdjusted(-100_000)); // all spent
  me = await a.eventOk(c, orderRefunded(orderId, 100_000)); // 1 %: 1 000 reversed, all of it shortfall
  assert.equal(me.loyalty.balance, 0);
  assert.deepEqual(me.loyalty.tier, { id: 'member', name: 'Member' });
  assert.deepEqual(me.loyalty.next_tier, { id: 'silver', name: 'Silver', threshold: 100_000, points_needed: 1_000 });
  assert.equal(me.loyalty.lifetime_earned, 99_000);
});

test('entries older than history_days are folded into one carried_forward entry', async () => {
  const c = customerId('fold');
  await a.eventOk(c, pointsAdjusted(50, { at: daysAgo(800), expires_at: instant(Date.now() + 100 * DAY) }));
  await a.eventOk(c, pointsAdjusted(30, { at: daysAgo(760), expires_at: instant(Date.now() + 100 * DAY) }));
  await a.eventOk(c, pointsAdjusted(7));
  const doc = await checkInvariant(a, c);
  const windowStart = Date.now() - 730 * DAY;
  const folded = doc.ledger.filter((e) => e.kind === 'carried_forward');
  assert.equal(folded.length, 1, JSON.stringify(doc.ledger));
  assert.equal(folded[0].points, 80);
  assert.ok(doc.ledger.every((e) => e.kind === 'carried_forward' || ms(e.at) >= windowStart), 'nothing else older than the window');
  assert.equal(doc.loyalty.balance, 87);
  const act = await a.activity(c);
  assert.deepEqual(act.body.items.map((i) => i.kind), ['adjust', 'carried_forward']);
});

test('the tier at paid_at uses the rolling window at that instant; today\'s tier only counts the last tier_window_days', async () => {
  const c = customerId('window');
  await a.eventOk(c, orderPaid(uid('o'), 10_000_000, { paid_at: daysAgo(400) })); // 100 000 then: Silver from then on
  const me = await a.eventOk(c, orderPaid(uid('o'), 10_000, { paid_at: daysAgo(380) }));
  assert.equal(me.loyalty.lifetime_earned, 100_125, 'the second order earned at 125 %');
  assert.deepEqual(me.loyalty.tier, { id: 'member', name: 'Member' }, 'both orders are outside today\'s 365-day window');
  assert.deepEqual(me.loyalty.next_tier, { id: 'silver', name: 'Silver', threshold: 100_000, points_needed: 100_000 });
  assert.equal(me.loyalty.balance, 0, 'and both lots expired after 365 days');
  const items = (await a.activity(c)).body.items;
  assert.deepEqual(items.map((i) => [i.kind, i.points]), [['expire', -125], ['expire', -100_000], ['earn', 125], ['earn', 100_000]]);
});

noServerErrorsTest();
