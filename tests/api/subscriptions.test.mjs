// Subscriptions (SPEC 2.5, 3.3, 3.4): upsert and charge events, every
// shopper action, its states, the cutoff lock and the error precedence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, subscriptionUpserted, subscriptionCharged, subscriptionDoc } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram, SUITE_PROGRAM } from './lib/program.mjs';
import { today, addDays, addMonths, dayOf, nextJan31, daysInMonth } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);

before(ensureSuiteProgram);

const T = () => today();
const MONTHLY = { unit: 'month', count: 1 };
const BIWEEKLY = { unit: 'week', count: 2 };

/** Upserts a subscription for `c` (anchor_day left out unless given) and returns it. */
async function upsert(c, next, overrides = {}, api = a) {
  const id = overrides.id ?? uid('sub');
  const doc = subscriptionDoc(id, { next_charge_on: next, anchor_day: undefined, ...overrides });
  const customer = await api.eventOk(c, subscriptionUpserted(doc));
  const s = customer.subscriptions.find((x) => x.id === id);
  assert.ok(s, `the upserted subscription is in the customer's document: ${JSON.stringify(customer.subscriptions)}`);
  return s;
}

/** Runs an action, asserts 200 and that the answer is what GET /v1/me shows. */
async function act(c, id, body, api = a) {
  const res = await api.action(c, id, body);
  assert.equal(res.status, 200, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
  const me = await api.meOk(c);
  assert.deepEqual(me.subscriptions.find((s) => s.id === id), res.body, 'the answer is the updated subscription');
  return res.body;
}

/** The first 31st of a month at least 5 days ahead. */
function next31st() {
  let d = addDays(T(), 5);
  for (;;) {
    const [y, m] = d.split('-').map(Number);
    if (daysInMonth(y, m) === 31) {
      const c = `${d.slice(0, 7)}-31`;
      if (c >= addDays(T(), 5)) return c;
    }
    d = addMonths(`${d.slice(0, 7)}-01`, 1);
  }
}

test('an upserted subscription is shown with anchor_day from next_charge_on and swap options of its product', async () => {
  const c = customerId('sub');
  const next = addDays(T(), 20);
  const s = await upsert(c, next);
  // onetime_items is always written, [] when the upsert left it out (SPEC 2.7)
  assert.deepEqual(s, subscriptionDoc(s.id, { next_charge_on: next, anchor_day: dayOf(next), onetime_items: [] }));
  const me = await a.meOk(c);
  assert.deepEqual(me.subscription_options.swap_options, { coffee: SUITE_PROGRAM.subscriptions.swap_options.coffee },
    'swap_options holds the products this customer has, only');
  // a second upsert with the same id replaces it
  const again = await upsert(c, next, { id: s.id, quantity: 2 });
  assert.equal(again.quantity, 2);
  assert.equal((await a.meOk(c)).subscriptions.length, 1);
});

test('SPEC example: monthly from Jan 31 → Feb 28 (29 in leap years) → Mar 31', async () => {
  const c = customerId('sub');
  const jan31 = nextJan31(3);
  const year = Number(jan31.slice(0, 4));
  const s = await upsert(c, jan31, { anchor_day: 31 });
  assert.equal(s.anchor_day, 31);
  const feb = await act(c, s.id, { action: 'skip_next' });
  assert.equal(feb.next_charge_on, `${year}-02-${daysInMonth(year, 2)}`);
  assert.equal(feb.anchor_day, 31);
  const mar = await act(c, s.id, { action: 'skip_next' });
  assert.equal(mar.next_charge_on, `${year}-03-31`);
});

test('skip_next on a 2-weekly subscription adds exactly 14 days', async () => {
  const c = customerId('sub');
  const next = addDays(T(), 9);
  const s = await upsert(c, next, { interval: BIWEEKLY });
  assert.equal((await act(c, s.id, { action: 'skip_next' })).next_charge_on, addDays(next, 14));
});

test('a replayed skip_next skips once', async () => {
  const c = customerId('sub');
  const next = addDays(T(), 9);
  const s = await upsert(c, next, { interval: BIWEEKLY });
  const key = newKey();
  const r1 = await a.action(c, s.id, { action: 'skip_next' }, { key });
  const r2 = await a.action(c, s.id, { action: 'skip_next' }, { key });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r2.headers['idempotent-replayed'], 'true');
  assert.deepEqual(r2.body, r1.body);
  assert.equal((await a.meOk(c)).subscriptions[0].next_charge_on, addDays(next, 14));
});

test('an unknown subscription → 404 subscription_not_found, before any other check', async () => {
  const c = customerId('sub');
  assertProblem(await a.action(c, 'no-such-sub', { action: 'skip_next' }), 404, 'subscription_not_found');
  await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, 'no-such-sub', { action: 'skip_next', bogus: 1 }), 404, 'subscription_not_found', 'with an unknown field');
  assertProblem(await a.action(c, 'no-such-sub', {}), 404, 'subscription_not_found', 'without an action');
  // another customer's subscription is not found either
  const other = customerId('sub');
  const theirs = await upsert(other, addDays(T(), 20));
  assertProblem(await a.action(c, theirs.id, { action: 'skip_next' }), 404, 'subscription_not_found', 'another customer\'s');
  assert.equal((await a.meOk(other)).subscriptions[0].next_charge_on, addDays(T(), 20));
});

test('a field the action does not take → 400 unknown_field, before state and lock checks', async () => {
  const c = customerId('sub');
  const s = await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, s.id, { action: 'skip_next', resume_on: addDays(T(), 5) }), 400, 'unknown_field', 'skip_next with resume_on');
  assertProblem(await a.action(c, s.id, { action: 'resume', quantity: 2 }), 400, 'unknown_field', 'resume (invalid_state) with quantity');
  assertProblem(await a.action(c, s.id, { action: 'cancel', reason: 'other', note: 'x' }), 400, 'unknown_field', 'cancel with note');
  const locked = await upsert(c, addDays(T(), 1));
  assertProblem(await a.action(c, locked.id, { action: 'set_quantity', quantity: 2, variant_id: 'coffee-1kg' }), 400, 'unknown_field', 'locked, unknown field');
  assert.equal((await a.meOk(c)).subscriptions.find((x) => x.id === s.id).status, 'active');
});

test('a missing or unknown action → 422 validation_failed', async () => {
  const c = customerId('sub');
  const s = await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, s.id, {}), 422, 'validation_failed', 'no action');
  assertProblem(await a.action(c, s.id, { action: 'explode' }), 422, 'validation_failed', 'unknown action');
});

test('actions in the wrong status → 409 invalid_state', async () => {
  const c = customerId('sub');
  const s = await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, s.id, { action: 'resume' }), 409, 'invalid_state', 'resume an active one');
  assertProblem(await a.action(c, s.id, { action: 'reactivate' }), 409, 'invalid_state', 'reactivate an active one');
  await act(c, s.id, { action: 'pause', resume_on: addDays(T(), 10) });
  assertProblem(await a.action(c, s.id, { action: 'skip_next' }), 409, 'invalid_state', 'skip a paused one');
  assertProblem(await a.action(c, s.id, { action: 'pause', resume_on: addDays(T(), 12) }), 409, 'invalid_state', 'pause a paused one');
  assertProblem(await a.action(c, s.id, { action: 'reschedule', next_charge_on: addDays(T(), 12) }), 409, 'invalid_state', 'reschedule a paused one');
  assertProblem(await a.action(c, s.id, { action: 'reactivate' }), 409, 'invalid_state', 'reactivate a paused one');
  await act(c, s.id, { action: 'cancel', reason: 'other' });
  for (const body of [
    { action: 'cancel', reason: 'other' },
    { action: 'resume' },
    { action: 'set_quantity', quantity: 2 },
    { action: 'swap', variant_id: 'coffee-1kg' },
    { action: 'change_interval', interval: BIWEEKLY },
    { action: 'accept_offer', reason: 'too_expensive' },
    { action: 'skip_next' },
  ]) {
    assertProblem(await a.action(c, s.id, body), 409, 'invalid_state', `${body.action} on a cancelled one`);
  }
  // invalid_state comes before the action's own rules
  const t = await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, t.id, { action: 'resume' }), 409, 'invalid_state');
  await act(c, t.id, { action: 'cancel', reason: 'other' });
  assertProblem(await a.action(c, t.id, { action: 'set_quantity', quantity: 999 }), 409, 'invalid_state', 'invalid_state before 422');
});

test('within the cutoff every action but cancel → 409 subscription_locked with unlocks_at', async () => {
  const c = customerId('lock');
  const tomorrow = addDays(T(), 1);
  const s = await upsert(c, tomorrow); // cutoff 24 h: locked since 00:00 today
  for (const body of [
    { action: 'skip_next' },
    { action: 'pause', resume_on: addDays(T(), 10) },
    { action: 'change_interval', interval: BIWEEKLY },
    { action: 'reschedule', next_charge_on: addDays(T(), 10) },
    { action: 'swap', variant_id: 'coffee-1kg' },
    { action: 'set_quantity', quantity: 2 },
    { action: 'set_quantity', quantity: 999 }, // locked before the 422 of the rule
    { action: 'accept_offer', reason: 'too_expensive' },
  ]) {
    const problem = assertProblem(await a.action(c, s.id, body), 409, 'subscription_locked', JSON.stringify(body));
    assert.equal(problem.unlocks_at, `${tomorrow}T00:00:00Z`, 'unlocks_at = 00:00 UTC of next_charge_on');
  }
  // invalid_state comes before the lock
  assertProblem(await a.action(c, s.id, { action: 'resume' }), 409, 'invalid_state', 'resume of a locked active one');
  assert.deepEqual((await a.meOk(c)).subscriptions[0], s, 'nothing changed');
  // cancel is allowed within the cutoff
  const cancelled = await act(c, s.id, { action: 'cancel', reason: 'other' });
  assert.equal(cancelled.status, 'cancelled');
});

test('two days ahead is outside a 24 h cutoff', async () => {
  const c = customerId('lock');
  const s = await upsert(c, addDays(T(), 2));
  assert.equal((await act(c, s.id, { action: 'set_quantity', quantity: 2 })).quantity, 2);
});

test('an overdue charge locks with unlocks_at null until the merchant reports it', async () => {
  const c = customerId('lock');
  const s = await upsert(c, T());
  const problem = assertProblem(await a.action(c, s.id, { action: 'skip_next' }), 409, 'subscription_locked');
  assert.equal(problem.unlocks_at, null);
  const customer = await a.eventOk(c, subscriptionCharged(s.id, T()));
  const charged = customer.subscriptions.find((x) => x.id === s.id);
  assert.equal(charged.next_charge_on, addMonths(T(), 1, dayOf(T())));
  assert.equal((await act(c, s.id, { action: 'set_quantity', quantity: 3 })).quantity, 3, 'unlocked after the charge');
});

test('subscription_charged keeps the anchor: charged on Feb 28 with anchor 31 → Mar 31', async () => {
  const c = customerId('charge');
  const jan31 = nextJan31(3);
  const year = Number(jan31.slice(0, 4));
  const s = await upsert(c, jan31, { anchor_day: 31 });
  let customer = await a.eventOk(c, subscriptionCharged(s.id, jan31));
  const feb = `${year}-02-${daysInMonth(year, 2)}`;
  assert.equal(customer.subscriptions[0].next_charge_on, feb);
  customer = await a.eventOk(c, subscriptionCharged(s.id, feb));
  assert.equal(customer.subscriptions[0].next_charge_on, `${year}-03-31`);
});

test('subscription_charged needs an active subscription (409) and a known one (404)', async () => {
  const c = customerId('charge');
  const s = await upsert(c, addDays(T(), 20));
  await act(c, s.id, { action: 'pause', resume_on: addDays(T(), 30) });
  const res = await a.event(c, subscriptionCharged(s.id, T()));
  assertProblem(res, 409, res.body?.code ?? 'invalid_state', 'paused');
  assertProblem(await a.event(c, subscriptionCharged('no-such-sub', T())), 404, 'subscription_not_found');
});

test('pause: paused_until, next_charge_on null; resume_on from tomorrow to today + max_pause_days', async () => {
  const c = customerId('pause');
  for (const [resumeOn, why] of [[T(), 'today'], [addDays(T(), -3), 'in the past'], [addDays(T(), 61), 'max_pause_days + 1'], ['2030-02-30', 'not a date']]) {
    const s = await upsert(c, addDays(T(), 20));
    assertProblem(await a.action(c, s.id, { action: 'pause', resume_on: resumeOn }), 422, 'validation_failed', why);
  }
  const s = await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, s.id, { action: 'pause' }), 422, 'validation_failed', 'no resume_on');
  const p = await act(c, s.id, { action: 'pause', resume_on: addDays(T(), 60) });
  assert.equal(p.status, 'paused');
  assert.equal(p.paused_until, addDays(T(), 60));
  assert.equal(p.next_charge_on, null);
  const t = await upsert(c, addDays(T(), 20));
  assert.equal((await act(c, t.id, { action: 'pause', resume_on: addDays(T(), 1) })).paused_until, addDays(T(), 1));
});

test('resume: active again on the series it had before the pause', async () => {
  const c = customerId('resume');
  const d31 = next31st();
  const s = await upsert(c, d31, { anchor_day: 31 });
  await act(c, s.id, { action: 'pause', resume_on: addDays(T(), 40) });
  const r = await act(c, s.id, { action: 'resume' });
  assert.equal(r.status, 'active');
  assert.equal(r.paused_until, null);
  assert.equal(r.next_charge_on, d31);
  assert.equal(r.anchor_day, 31);
  const next = await act(c, s.id, { action: 'skip_next' });
  assert.equal(next.next_charge_on, addMonths(d31, 1, 31));
});

test('change_interval: only to an allowed interval; the next date is kept', async () => {
  const c = customerId('interval');
  const d31 = next31st();
  const s = await upsert(c, d31, { anchor_day: 31 });
  const changed = await act(c, s.id, { action: 'change_interval', interval: { unit: 'month', count: 2 } });
  assert.deepEqual(changed.interval, { unit: 'month', count: 2 });
  assert.equal(changed.next_charge_on, d31);
  assert.equal((await act(c, s.id, { action: 'skip_next' })).next_charge_on, addMonths(d31, 2, 31));
  for (const interval of [{ unit: 'day', count: 3 }, { unit: 'week', count: 1 }, { unit: 'month', count: 3 }]) {
    assertProblem(await a.action(c, s.id, { action: 'change_interval', interval }), 422, 'validation_failed', JSON.stringify(interval));
  }
  assertProblem(await a.action(c, s.id, { action: 'change_interval' }), 422, 'validation_failed', 'no interval');
  // a paused subscription may change its interval too
  await act(c, s.id, { action: 'pause', resume_on: addDays(T(), 10) });
  assert.deepEqual((await act(c, s.id, { action: 'change_interval', interval: BIWEEKLY })).interval, BIWEEKLY);
});

test('reschedule: from tomorrow to today + reschedule_window_days; its day becomes anchor_day', async () => {
  const c = customerId('resched');
  const s = await upsert(c, next31st(), { anchor_day: 31 });
  for (const [date, why] of [[T(), 'today'], [addDays(T(), 46), 'window + 1'], [addDays(T(), -1), 'yesterday']]) {
    assertProblem(await a.action(c, s.id, { action: 'reschedule', next_charge_on: date }), 422, 'validation_failed', why);
  }
  const target = addDays(T(), 45);
  const r = await act(c, s.id, { action: 'reschedule', next_charge_on: target });
  assert.equal(r.next_charge_on, target);
  assert.equal(r.anchor_day, dayOf(target));
  assert.equal((await act(c, s.id, { action: 'skip_next' })).next_charge_on, addMonths(target, 1, dayOf(target)));
  const t = await upsert(c, addDays(T(), 20));
  assert.equal((await act(c, t.id, { action: 'reschedule', next_charge_on: addDays(T(), 1) })).next_charge_on, addDays(T(), 1));
});

test('swap: only to a variant listed for the product; takes its title and price', async () => {
  const c = customerId('swap');
  const s = await upsert(c, addDays(T(), 20));
  const w = await act(c, s.id, { action: 'swap', variant_id: 'coffee-1kg' });
  assert.equal(w.variant_id, 'coffee-1kg');
  assert.equal(w.title, 'Coffee beans 1 kg');
  assert.equal(w.price_minor, 299_000);
  assert.equal(w.product_id, 'coffee');
  assertProblem(await a.action(c, s.id, { action: 'swap', variant_id: 'tea-100g' }), 422, 'validation_failed', 'a variant of another product');
  assertProblem(await a.action(c, s.id, { action: 'swap', variant_id: 'coffee-5kg' }), 422, 'validation_failed', 'an unknown variant');
  assertProblem(await a.action(c, s.id, { action: 'swap' }), 422, 'validation_failed', 'no variant_id');
  const soap = await upsert(c, addDays(T(), 20), { product_id: 'soap', variant_id: 'soap-1', title: 'Soap' });
  assertProblem(await a.action(c, soap.id, { action: 'swap', variant_id: 'coffee-1kg' }), 422, 'validation_failed', 'a product without swap options');
});

test('set_quantity: 1..=max_quantity', async () => {
  const c = customerId('qty');
  const s = await upsert(c, addDays(T(), 20));
  assert.equal((await act(c, s.id, { action: 'set_quantity', quantity: 5 })).quantity, 5);
  assert.equal((await act(c, s.id, { action: 'set_quantity', quantity: 1 })).quantity, 1);
  for (const q of [0, 6, -1]) {
    assertProblem(await a.action(c, s.id, { action: 'set_quantity', quantity: q }), 422, 'validation_failed', `quantity ${q}`);
  }
  assertProblem(await a.action(c, s.id, { action: 'set_quantity' }), 422, 'validation_failed', 'no quantity');
});

test('cancel: one request, reason among the program\'s cancel_reasons, comment ≤ 500 characters', async () => {
  const c = customerId('cancel');
  const s = await upsert(c, addDays(T(), 20));
  assertProblem(await a.action(c, s.id, { action: 'cancel', reason: 'not-a-reason' }), 422, 'validation_failed', 'unknown reason');
  assertProblem(await a.action(c, s.id, { action: 'cancel' }), 422, 'validation_failed', 'no reason');
  assertProblem(await a.action(c, s.id, { action: 'cancel', reason: 'other', comment: 'x'.repeat(501) }), 422, 'validation_failed', 'comment 501');
  const x = await act(c, s.id, { action: 'cancel', reason: 'too_much', comment: 'é'.repeat(500) });
  assert.equal(x.status, 'cancelled');
  assert.equal(x.next_charge_on, null);
  assert.equal(x.paused_until, null);
  assert.equal(x.cancel_reason, 'too_much');
  // a paused one loses its paused_until
  const p = await upsert(c, addDays(T(), 20));
  await act(c, p.id, { action: 'pause', resume_on: addDays(T(), 10) });
  const pc = await act(c, p.id, { action: 'cancel', reason: 'going_away' });
  assert.equal(pc.status, 'cancelled');
  assert.equal(pc.paused_until, null);
  assert.equal(pc.next_charge_on, null);
});

test('cancel with a program that lists no reasons takes any reason (merchant B)', async () => {
  const c = customerId('cancel');
  const s = await upsert(c, addDays(T(), 20), {}, b);
  const x = await act(c, s.id, { action: 'cancel', reason: 'anything at all' }, b);
  assert.equal(x.status, 'cancelled');
  assert.equal(x.cancel_reason, 'anything at all');
});

test('accept_offer: skip, pause and discount offers; no offer → 422', async () => {
  const c = customerId('offer');
  const next = addDays(T(), 9);
  const s = await upsert(c, next, { interval: BIWEEKLY });
  const skipped = await act(c, s.id, { action: 'accept_offer', reason: 'too_much' });
  assert.equal(skipped.next_charge_on, addDays(next, 14));
  assert.equal(skipped.status, 'active');
  const disc = await act(c, s.id, { action: 'accept_offer', reason: 'too_expensive' });
  assert.equal(disc.discount_percent, 15);
  assert.equal(disc.status, 'active');
  assertProblem(await a.action(c, s.id, { action: 'accept_offer', reason: 'other' }), 422, 'validation_failed', 'a reason without offer');
  assertProblem(await a.action(c, s.id, { action: 'accept_offer', reason: 'nope' }), 422, 'validation_failed', 'an unknown reason');
  const paused = await act(c, s.id, { action: 'accept_offer', reason: 'going_away' });
  assert.equal(paused.status, 'paused');
  assert.equal(paused.paused_until, addDays(T(), 30));
  assert.equal(paused.next_charge_on, null);
  // skip and pause offers need active; a discount is fine while paused
  assertProblem(await a.action(c, s.id, { action: 'accept_offer', reason: 'too_much' }), 409, 'invalid_state', 'skip offer on paused');
  assertProblem(await a.action(c, s.id, { action: 'accept_offer', reason: 'going_away' }), 409, 'invalid_state', 'pause offer on paused');
  assert.equal((await act(c, s.id, { action: 'accept_offer', reason: 'too_expensive' })).discount_percent, 15);
});

test('reactivate: cancelled → active, anchor_day = today\'s day, next = today + one interval', async () => {
  const c = customerId('react');
  const m = await upsert(c, next31st(), { anchor_day: 31 });
  await act(c, m.id, { action: 'cancel', reason: 'other' });
  const r = await act(c, m.id, { action: 'reactivate' });
  assert.equal(r.status, 'active');
  assert.equal(r.anchor_day, dayOf(T()));
  assert.equal(r.next_charge_on, addMonths(T(), 1, dayOf(T())));
  const w = await upsert(c, addDays(T(), 5), { interval: BIWEEKLY });
  await act(c, w.id, { action: 'cancel', reason: 'other' });
  const rw = await act(c, w.id, { action: 'reactivate' });
  assert.equal(rw.next_charge_on, addDays(T(), 14));
  assertProblem(await a.action(c, w.id, { action: 'reactivate' }), 409, 'invalid_state', 'reactivate an active one');
});

noServerErrorsTest();
