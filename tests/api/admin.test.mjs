// Merchant endpoints (SPEC 3.4): program document with defaults and
// validation, events of every type, the admin customer view, DELETE.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import {
  Api, orderPaid, orderRefunded, pointsAdjusted, reviewSubmitted,
  subscriptionUpserted, subscriptionCharged, subscriptionDoc, ledgerSum,
} from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram, SUITE_PROGRAM, DEFAULT_PROGRAM, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant, today, addDays, addMonths, dayOf } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);
const DAY = 86_400_000;

before(ensureSuiteProgram);

test('merchant B has the default program; PUT {} keeps every default', async () => {
  const got = await b.program();
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.body, DEFAULT_PROGRAM);
  const put = await b.putProgram({});
  assert.equal(put.status, 200, put.text);
  assert.deepEqual((await b.program()).body, DEFAULT_PROGRAM);
});

test('a field left out at any depth takes its default', async () => {
  const partial = clone(SUITE_PROGRAM);
  delete partial.earn.per_amount_minor;
  delete partial.expiry.inactivity_days;
  delete partial.subscriptions.cutoff_hours;
  delete partial.renewal_reminder_days;
  delete partial.quiet_hours_floor;
  delete partial.history_days;
  partial.default_preferences = { time_zone: 'Europe/Moscow', topics: { promotions: true } };
  try {
    const put = await a.putProgram(partial);
    assert.equal(put.status, 200, put.text);
    const got = await a.program();
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, SUITE_PROGRAM, 'the suite program only left out default values');
  } finally {
    await a.putProgram(SUITE_PROGRAM); // whatever happened, the other files need it
  }
});

test('GET /v1/admin/program returns what was put', async () => {
  await ensureSuiteProgram();
  assert.deepEqual((await a.program()).body, SUITE_PROGRAM);
});

test('an invalid program → 422 validation_failed with errors; the program is unchanged', async () => {
  const base = () => clone(DEFAULT_PROGRAM);
  const cases = [
    ['first tier threshold not 0', (p) => { p.tiers = [{ id: 't1', name: 'One', threshold: 10, multiplier_percent: 100 }]; }],
    ['thresholds not increasing', (p) => { p.tiers = [{ id: 't0', name: 'A', threshold: 0, multiplier_percent: 100 }, { id: 't1', name: 'B', threshold: 500, multiplier_percent: 110 }, { id: 't2', name: 'C', threshold: 500, multiplier_percent: 120 }]; }],
    ['no tiers', (p) => { p.tiers = []; }],
    ['percent discount 101', (p) => { p.rewards = [{ id: 'r', name: 'R', cost: 10, kind: 'percent_discount', value: 101 }]; }],
    ['percent discount 0', (p) => { p.rewards = [{ id: 'r', name: 'R', cost: 10, kind: 'percent_discount', value: 0 }]; }],
    ['fixed discount 0', (p) => { p.rewards = [{ id: 'r', name: 'R', cost: 10, kind: 'fixed_discount', value: 0 }]; }],
    ['free shipping with a value', (p) => { p.rewards = [{ id: 'r', name: 'R', cost: 10, kind: 'free_shipping', value: 5 }]; }],
    ['pause offer longer than max_pause_days', (p) => { p.subscriptions.cancel_reasons = [{ id: 'x', label: 'X', offer: { kind: 'pause', days: 91 } }]; }],
    ['tier_window_days > history_days', (p) => { p.tier_window_days = 800; }],
    ['per_amount_minor 0', (p) => { p.earn.per_amount_minor = 0; }],
    ['currency not ISO 4217', (p) => { p.currency = 'rubles'; }],
    ['default preferences with a transactional topic off', (p) => { p.default_preferences.topics.order_updates = false; }],
    ['default preferences max_per_week 22', (p) => { p.default_preferences.max_per_week = 22; }],
    ['quiet_hours_floor start = end', (p) => { p.quiet_hours_floor = { start: '21:00', end: '21:00' }; }],
  ];
  for (const [name, mutate] of cases) {
    const doc = base();
    mutate(doc);
    const res = await b.putProgram(doc);
    if (res.status === 200) await b.putProgram({}); // keep B usable for the other files
    assertProblem(res, 422, 'validation_failed', name);
  }
  assert.deepEqual((await b.program()).body, DEFAULT_PROGRAM);
});

test('an unknown field in the program → 400 unknown_field', async () => {
  const res = await b.putProgram({ ...clone(DEFAULT_PROGRAM), loyalty_colour: 'gold' });
  if (res.status === 200) await b.putProgram({});
  assertProblem(res, 400, 'unknown_field');
  const res2 = await b.putProgram({ subscriptions: { max_quantity: 5, max_qty: 5 } });
  if (res2.status === 200) await b.putProgram({});
  assertProblem(res2, 400, 'unknown_field', 'at depth');
});

test('every event type answers 200 {"customer": <the GET /v1/me body>}', async () => {
  const c = customerId('events');
  const orderId = uid('o');
  const sid = uid('sub');
  const next = addDays(today(), 20);
  const events = [
    orderPaid(orderId, 25_000, { paid_at: instant(Date.now() - 10 * DAY) }),
    orderRefunded(orderId, 5_000),
    pointsAdjusted(40, { reason: 'import from the old platform', expires_at: instant(Date.now() + 90 * DAY), at: instant(Date.now() - 100 * DAY) }),
    reviewSubmitted('coffee', 5),
    subscriptionUpserted(subscriptionDoc(sid, { next_charge_on: next, anchor_day: undefined })),
    subscriptionCharged(sid, next),
  ];
  let last;
  for (const ev of events) {
    const res = await a.event(c, ev);
    assert.equal(res.status, 200, `${ev.type}: ${res.text}`);
    assert.deepEqual(Object.keys(res.body), ['customer'], ev.type);
    assert.equal(res.body.customer.customer_id, c);
    last = res.body.customer;
  }
  assert.equal(last.loyalty.balance, 250 - 50 + 40);
  assert.equal(last.subscriptions[0].next_charge_on, addMonths(next, 1, dayOf(next)));
  assert.deepEqual(await a.meOk(c), last);
});

test('GET /v1/admin/customers/{id}: the /v1/me body plus consents and the whole ledger, oldest first', async () => {
  const c = customerId('view');
  await a.eventOk(c, pointsAdjusted(10, { at: instant(Date.now() - 3 * DAY) }));
  await a.eventOk(c, orderPaid(uid('o'), 3_000, { paid_at: instant(Date.now() - 2 * DAY) }));
  await a.eventOk(c, pointsAdjusted(-5));
  const put = await a.putPreferences(c, { ...clone(DEFAULT_PREFERENCES), channels: { ...clone(DEFAULT_PREFERENCES.channels), push: { enabled: true } } });
  assert.equal(put.status, 200, put.text);
  const doc = await a.customerOk(c);
  const me = await a.meOk(c);
  const { consents, ledger, ...rest } = doc;
  assert.deepEqual(rest, me);
  assert.equal(consents.length, 1);
  assert.deepEqual([consents[0].old, consents[0].new, consents[0].source], [false, true, 'shopper']);
  assert.deepEqual(ledger.map((e) => [e.kind, e.points]), [['adjust', 10], ['earn', 30], ['adjust', -5]]);
  assert.equal(ledgerSum(ledger), me.loyalty.balance + me.loyalty.pending);
  for (const e of ledger) {
    assert.equal(typeof e.id, 'string');
    assert.equal(typeof e.description, 'string');
  }
});

test('DELETE /v1/admin/customers/{id} → 204; everything is erased and a later event starts a new, empty customer', async () => {
  const c = customerId('gone');
  const orderId = uid('o');
  const key = newKey();
  await a.eventOk(c, orderPaid(orderId, 10_000), { key });
  await a.eventOk(c, subscriptionUpserted(subscriptionDoc(uid('sub'), { next_charge_on: addDays(today(), 20), anchor_day: undefined })));
  assert.equal((await a.putPreferences(c, { ...clone(DEFAULT_PREFERENCES), marketing_unsubscribed: true })).status, 200);
  assert.equal((await a.customerOk(c)).consents.length, 1);

  const del = await a.deleteCustomer(c);
  assert.equal(del.status, 204, del.text);
  assert.equal(del.text, '', '204 has no body');

  const doc = await a.customerOk(c);
  assert.deepEqual(doc.ledger, []);
  assert.deepEqual(doc.consents, []);
  assert.equal(doc.loyalty.pending + doc.loyalty.balance + doc.loyalty.lifetime_earned, 0);
  assert.deepEqual(doc.subscriptions, []);
  assert.deepEqual(doc.preferences, DEFAULT_PREFERENCES);
  const me = await a.meOk(c);
  assert.deepEqual(me.loyalty.pending_lots, []);

  // idempotency records are erased too: the old key is a new request
  const again = await a.event(c, orderPaid(orderId, 10_000), { key });
  assert.equal(again.status, 200, again.text);
  assert.notEqual(again.headers['idempotent-replayed'], 'true', 'not a replay of the erased answer');
  assert.equal(again.body.customer.loyalty.pending, 100, 'the order id is not remembered either');
  assert.equal((await a.customerOk(c)).ledger.length, 1);
});

test('DELETE of a never-seen customer → 204; DELETE needs no idempotency key', async () => {
  const res = await a.deleteCustomer(customerId('never'));
  assert.equal(res.status, 204, res.text);
});

test('a customer who never saved preferences follows the program\'s current defaults; no consent records', async () => {
  const never = customerId('defaults');
  const saved = customerId('defaults');
  assert.equal((await b.putPreferences(saved, clone(DEFAULT_PREFERENCES))).status, 200);
  try {
    const put = await b.putProgram({ default_preferences: { locale: 'en', topics: { promotions: false }, channels: { sms: { enabled: true } } } });
    assert.equal(put.status, 200, put.text);
    const p = (await b.preferences(never)).body;
    assert.equal(p.locale, 'en');
    assert.equal(p.topics.promotions, false);
    assert.equal(p.channels.sms.enabled, true);
    assert.equal(p.time_zone, 'Europe/Moscow', 'the rest stays at the defaults');
    assert.deepEqual((await b.preferences(saved)).body, DEFAULT_PREFERENCES, 'a saved document is the customer\'s own');
    assert.deepEqual((await b.customerOk(never)).consents, [], 'changing defaults writes no consent records');
    assert.deepEqual((await b.customerOk(saved)).consents, []);
  } finally {
    await b.putProgram({});
  }
  assert.deepEqual((await b.preferences(never)).body, DEFAULT_PREFERENCES);
});

test('inactivity expiry: all lots expire inactivity_days after the last activity; a later event does not undo it', async () => {
  const c = customerId('inactive');
  try {
    const put = await b.putProgram({ expiry: { after_earn_days: null, inactivity_days: 30 } });
    assert.equal(put.status, 200, put.text);
    const at = instant(Date.now() - 40 * DAY);
    let me = await b.eventOk(c, pointsAdjusted(50, { at }));
    assert.equal(me.loyalty.balance, 0, 'the last activity was 40 days ago: expired 10 days ago');
    const exp = (await b.activity(c)).body.items.find((i) => i.kind === 'expire');
    assert.ok(exp, 'the expiry is listed');
    assert.equal(exp.points, -50);
    assert.equal(exp.at, instant(Date.parse(at) + 30 * DAY));
    // a backdated activity after the expiry instant would move "last activity" past it: the expiry stays
    me = await b.eventOk(c, pointsAdjusted(20, { at: instant(Date.now() - 5 * DAY) }));
    assert.equal(me.loyalty.balance, 20, 'a later, backdated event does not undo the expiry');
    assert.equal((await b.activity(c)).body.items.filter((i) => i.kind === 'expire').length, 1);
    me = await b.eventOk(c, pointsAdjusted(20));
    assert.equal(me.loyalty.balance, 40, 'new activity does not revive expired points');
    assert.equal(me.loyalty.expiring.length, 1, JSON.stringify(me.loyalty.expiring));
    assert.equal(me.loyalty.expiring[0].points, 40);
    const exp2 = Date.parse(me.loyalty.expiring[0].expires_at);
    assert.ok(Math.abs(exp2 - (Date.now() + 30 * DAY)) < 5 * 60_000, 'the new lot expires 30 days after the new activity');
  } finally {
    await b.putProgram({});
  }
});

test('with no expiry policy nothing expires and the expiring list is empty', async () => {
  const c = customerId('noexpiry');
  try {
    assert.equal((await b.putProgram({ expiry: { after_earn_days: null, inactivity_days: null } })).status, 200);
    const me = await b.eventOk(c, orderPaid(uid('o'), 10_000, { paid_at: instant(Date.now() - 500 * DAY) }));
    assert.equal(me.loyalty.balance, 100);
    assert.deepEqual(me.loyalty.expiring, []);
  } finally {
    await b.putProgram({});
  }
});

noServerErrorsTest();
