// One-time add-ons (SPEC 2.7, 3.3, 3.5, 3.6): add_onetime and
// remove_onetime, their states, the cutoff lock and the error order, what
// keeps and what empties onetime_items, the upsert's rule, /v1/me's
// subscription_options.addons, the program's checks and the
// subscription.updated event of each action.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B, C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, subscriptionCharged, subscriptionDoc, subscriptionUpserted } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid } from './lib/ids.mjs';
import { ensureSuiteProgram, SUITE_PROGRAM, DEFAULT_PROGRAM, clone } from './lib/program.mjs';
import { today, addDays, addMonths, dayOf } from './lib/time.mjs';
import { waitForCount } from './lib/webhooks.mjs';

const a = new Api(A);
const b = new Api(B);
const c = new Api(C);

before(async () => {
  await ensureSuiteProgram();
  await ensureSuiteProgram(C);
});

const T = () => today();
const ADDONS = SUITE_PROGRAM.subscriptions.addons;
/** The program's offer of `variant` for `product` as a one-time item of `quantity`. */
const item = (product, variant, quantity) =>
  ({ ...ADDONS[product].find((v) => v.variant_id === variant), quantity });

/** Upserts a subscription for `customer` and returns it as the API shows it. */
async function upsert(customer, next, overrides = {}, api = a) {
  const id = overrides.id ?? uid('sub');
  const doc = subscriptionDoc(id, { next_charge_on: next, anchor_day: undefined, ...overrides });
  const view = await api.eventOk(customer, subscriptionUpserted(doc));
  const s = view.subscriptions.find((x) => x.id === id);
  assert.ok(s, `the upserted subscription is in the customer's document: ${JSON.stringify(view.subscriptions)}`);
  return s;
}

/** Runs an action, asserts 200 and that the answer is what GET /v1/me shows. */
async function act(customer, id, body, api = a) {
  const res = await api.action(customer, id, body);
  assert.equal(res.status, 200, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
  const me = await api.meOk(customer);
  assert.deepEqual(me.subscriptions.find((s) => s.id === id), res.body, 'the answer is the updated subscription');
  return res.body;
}

const add = (variant, quantity) => ({ action: 'add_onetime', variant_id: variant, quantity });
const remove = (variant) => ({ action: 'remove_onetime', variant_id: variant });

test('add_onetime adds the offered variant with its title and price; again sets its quantity; /v1/me offers the add-ons of the customer\'s products', async () => {
  const cu = customerId('addon');
  const s = await upsert(cu, addDays(T(), 20));
  assert.deepEqual(s.onetime_items, [], 'none by default');
  const me0 = await a.meOk(cu);
  assert.deepEqual(me0.subscription_options.addons, { coffee: ADDONS.coffee }, 'coffee add-ons only: no tea subscription');

  let after = await act(cu, s.id, add('filters-100', 2));
  assert.deepEqual(after.onetime_items, [item('coffee', 'filters-100', 2)]);
  after = await act(cu, s.id, add('filters-100', 3));
  assert.deepEqual(after.onetime_items, [item('coffee', 'filters-100', 3)], 'the quantity is set, not added');
  after = await act(cu, s.id, add('mug', 1));
  assert.deepEqual(after.onetime_items, [item('coffee', 'filters-100', 3), item('coffee', 'mug', 1)]);
  const max = SUITE_PROGRAM.subscriptions.max_quantity;
  after = await act(cu, s.id, add('mug', max));
  assert.equal(after.onetime_items[1].quantity, max, 'max_quantity itself is allowed');
  // the rest of the subscription is untouched
  assert.deepEqual({ ...after, onetime_items: [] }, s);

  await upsert(cu, addDays(T(), 20), {
    product_id: 'tea', variant_id: 'tea-100g', title: 'Green tea 100 g', price_minor: 45_000,
  });
  assert.deepEqual((await a.meOk(cu)).subscription_options.addons, ADDONS, 'tea add-ons too once there is a tea subscription');
});

test('remove_onetime takes the item off; absent → 404 addon_not_found (problem+json)', async () => {
  const cu = customerId('addon');
  const s = await upsert(cu, addDays(T(), 20));
  await act(cu, s.id, add('filters-100', 2));
  await act(cu, s.id, add('mug', 1));
  const after = await act(cu, s.id, remove('filters-100'));
  assert.deepEqual(after.onetime_items, [item('coffee', 'mug', 1)]);
  const p = assertProblem(await a.action(cu, s.id, remove('filters-100')), 404, 'addon_not_found', 'removed already');
  assert.match(p.detail, /filters-100/);
  assertProblem(await a.action(cu, s.id, remove('no-such-addon')), 404, 'addon_not_found', 'never offered');
  assertProblem(await a.action(cu, s.id, remove('honey-250g')), 404, 'addon_not_found', 'offered for another product');
  assert.deepEqual((await act(cu, s.id, remove('mug'))).onetime_items, []);
  assertProblem(await a.action(cu, s.id, remove('mug')), 404, 'addon_not_found', 'empty list');
  assertProblem(await a.action(cu, 'no-such-sub', remove('mug')), 404, 'subscription_not_found');
});

test('a variant not offered for the product or a bad quantity → 422; unknown fields → 400; nothing changes', async () => {
  const cu = customerId('addon');
  const s = await upsert(cu, addDays(T(), 20));
  await act(cu, s.id, add('mug', 2));
  const max = SUITE_PROGRAM.subscriptions.max_quantity;
  for (const [body, field] of [
    [add('honey-250g', 1), 'variant_id'], // tea's add-on on a coffee subscription
    [add('coffee-1kg', 1), 'variant_id'], // a swap option is not an add-on
    [add('no-such', 1), 'variant_id'],
    [add('mug', 0), 'quantity'],
    [add('mug', -1), 'quantity'],
    [add('mug', max + 1), 'quantity'],
    [add('filters-100', max + 1), 'quantity'],
    [add('mug', 1.5), 'quantity'],
    [add('mug', '2'), 'quantity'],
    [{ action: 'add_onetime', variant_id: 'mug' }, 'quantity'],
    [{ action: 'add_onetime', quantity: 1 }, 'variant_id'],
    [{ action: 'remove_onetime' }, 'variant_id'],
  ]) {
    const p = assertProblem(await a.action(cu, s.id, body), 422, 'validation_failed', JSON.stringify(body));
    assert.ok(p.errors.some((e) => e.field.includes(field)), `${JSON.stringify(body)}: errors name ${field}: ${JSON.stringify(p.errors)}`);
  }
  assertProblem(await a.action(cu, s.id, { ...add('mug', 1), reason: 'x' }), 400, 'unknown_field');
  assertProblem(await a.action(cu, s.id, { ...remove('mug'), quantity: 1 }), 400, 'unknown_field');
  assert.deepEqual((await a.meOk(cu)).subscriptions[0].onetime_items, [item('coffee', 'mug', 2)], 'nothing changed');
});

test('outside active → 409 invalid_state, before the add-on\'s own 404 and 422; pause, resume, cancel and reactivate keep the items', async () => {
  const cu = customerId('addon');
  const s = await upsert(cu, addDays(T(), 20));
  await act(cu, s.id, add('mug', 2));
  const paused = await act(cu, s.id, { action: 'pause', resume_on: addDays(T(), 10) });
  assert.deepEqual(paused.onetime_items, [item('coffee', 'mug', 2)], 'pause keeps them');
  assertProblem(await a.action(cu, s.id, add('filters-100', 1)), 409, 'invalid_state', 'add while paused');
  assertProblem(await a.action(cu, s.id, add('honey-250g', 99)), 409, 'invalid_state', 'invalid_state before 422');
  assertProblem(await a.action(cu, s.id, remove('mug')), 409, 'invalid_state', 'remove while paused');
  assertProblem(await a.action(cu, s.id, remove('filters-100')), 409, 'invalid_state', 'invalid_state before addon_not_found');
  const resumed = await act(cu, s.id, { action: 'resume' });
  assert.deepEqual(resumed.onetime_items, [item('coffee', 'mug', 2)], 'resume keeps them');
  const cancelled = await act(cu, s.id, { action: 'cancel', reason: 'other' });
  assert.deepEqual(cancelled.onetime_items, [item('coffee', 'mug', 2)], 'cancel keeps them');
  assertProblem(await a.action(cu, s.id, add('mug', 1)), 409, 'invalid_state', 'add while cancelled');
  assertProblem(await a.action(cu, s.id, remove('mug')), 409, 'invalid_state', 'remove while cancelled');
  const back = await act(cu, s.id, { action: 'reactivate' });
  assert.deepEqual(back.onetime_items, [item('coffee', 'mug', 2)], 'reactivate keeps them');
  assert.deepEqual((await act(cu, s.id, remove('mug'))).onetime_items, [], 'active again: removable');
});

test('within the cutoff → 409 subscription_locked with unlocks_at, before addon_not_found and 422', async () => {
  const cu = customerId('addon');
  const tomorrow = addDays(T(), 1);
  const s = await upsert(cu, tomorrow, {
    onetime_items: [item('coffee', 'mug', 1)],
  });
  for (const body of [add('filters-100', 1), add('mug', 3), add('honey-250g', 99), remove('mug'), remove('filters-100')]) {
    const p = assertProblem(await a.action(cu, s.id, body), 409, 'subscription_locked', JSON.stringify(body));
    assert.equal(p.unlocks_at, `${tomorrow}T00:00:00Z`);
  }
  assert.deepEqual((await a.meOk(cu)).subscriptions[0], s, 'nothing changed');
});

test('skip_next keeps the items; subscription_charged empties them, whatever its charged_on', async () => {
  const cu = customerId('addon');
  const next = addDays(T(), 20);
  const s = await upsert(cu, next);
  await act(cu, s.id, add('filters-100', 2));
  const skipped = await act(cu, s.id, { action: 'skip_next' });
  assert.equal(skipped.next_charge_on, addMonths(next, 1, dayOf(next)));
  assert.deepEqual(skipped.onetime_items, [item('coffee', 'filters-100', 2)], 'a skip keeps them for the delivery that goes');
  const charged = (await a.eventOk(cu, subscriptionCharged(s.id, T()))).subscriptions[0];
  assert.deepEqual(charged.onetime_items, [], 'they went out with the charge');
  assert.equal(charged.next_charge_on, addMonths(T(), 1, dayOf(next)), 'charged_on + one interval, on the anchor');
  // a charge dated in the past empties them as well
  await act(cu, s.id, add('mug', 1));
  const again = (await a.eventOk(cu, subscriptionCharged(s.id, addDays(T(), -3)))).subscriptions[0];
  assert.deepEqual(again.onetime_items, []);
});

test('subscription_upserted: onetime_items left out keeps them, sent replaces them, [] clears them; null and bad items → 422', async () => {
  const cu = customerId('addon');
  const next = addDays(T(), 20);
  const id = uid('sub');
  const fresh = await upsert(cu, next, { id, onetime_items: [item('coffee', 'filters-100', 4)] });
  assert.deepEqual(fresh.onetime_items, [item('coffee', 'filters-100', 4)], 'a new subscription takes the items sent');
  await act(cu, id, add('mug', 1));
  const kept = await upsert(cu, next, { id, quantity: 2 });
  assert.equal(kept.quantity, 2);
  assert.deepEqual(kept.onetime_items, [item('coffee', 'filters-100', 4), item('coffee', 'mug', 1)], 'left out: kept');
  // the merchant's items need not be on offer: its billing knows them
  const own = { variant_id: 'gift-card', title: 'Gift card', price_minor: 100_000, quantity: 1 };
  const replaced = await upsert(cu, next, { id, onetime_items: [own] });
  assert.deepEqual(replaced.onetime_items, [own], 'sent: replaced');
  assert.deepEqual((await upsert(cu, next, { id, onetime_items: [] })).onetime_items, [], '[]: cleared');
  for (const bad of [
    null,
    [{ ...own, quantity: 0 }],
    [{ ...own, quantity: undefined }],
    [own, { ...own, quantity: 2 }],
    [{ ...own, title: '' }],
    [{ ...own, price_minor: -1 }],
  ]) {
    const doc = subscriptionDoc(id, { next_charge_on: next, onetime_items: bad });
    assertProblem(await a.event(cu, subscriptionUpserted(doc)), 422, 'validation_failed', JSON.stringify(bad));
  }
  const doc = subscriptionDoc(id, { next_charge_on: next, onetime_items: [{ ...own, colour: 'red' }] });
  assertProblem(await a.event(cu, subscriptionUpserted(doc)), 400, 'unknown_field');
  assert.deepEqual((await a.meOk(cu)).subscriptions[0].onetime_items, [], 'the refused upserts changed nothing');
});

test('each add-on action emits subscription.updated with the document before and after, even one that changes nothing', async () => {
  const cu = customerId('addon-events');
  const s = await upsert(cu, addDays(T(), 20), {}, c); // the merchant's own change: not echoed
  const added = await act(cu, s.id, add('mug', 2), c);
  const same = await act(cu, s.id, add('mug', 2), c);
  assert.deepEqual(same, added, 'the same quantity again changes nothing');
  const removed = await act(cu, s.id, remove('mug'), c);
  assertProblem(await c.action(cu, s.id, remove('mug')), 404, 'addon_not_found'); // refused: no event
  const events = (await waitForCount(cu, 3)).map((d) => JSON.parse(d.body));
  assert.deepEqual(events.map((e) => [e.type, e.data.action, e.data.source, e.sequence]), [
    ['subscription.updated', 'add_onetime', 'shopper', 1],
    ['subscription.updated', 'add_onetime', 'shopper', 2],
    ['subscription.updated', 'remove_onetime', 'shopper', 3],
  ]);
  assert.deepEqual(events[0].data.previous, s);
  assert.deepEqual(events[0].data.subscription, added);
  assert.deepEqual(events[1].data.previous, added);
  assert.deepEqual(events[1].data.subscription, added);
  assert.deepEqual(events[2].data.previous, added);
  assert.deepEqual(events[2].data.subscription, removed);
  const feed = await c.events('type=subscription.updated&limit=1000');
  assert.equal(feed.status, 200, feed.text);
  let mine = feed.body.items.filter((e) => e.customer_id === cu);
  for (let page = feed.body; mine.length < 3 && page.items.length > 0;) {
    page = (await c.events(`type=subscription.updated&limit=1000&after=${encodeURIComponent(page.next_cursor)}`)).body;
    mine = mine.concat(page.items.filter((e) => e.customer_id === cu));
  }
  assert.deepEqual(mine.map((e) => e.data.action), ['add_onetime', 'add_onetime', 'remove_onetime'], 'the feed has them too');
});

test('the program\'s subscriptions.addons: checked like swap_options, each variant once per product, no quantity', async () => {
  const base = clone(DEFAULT_PROGRAM);
  for (const [addons, field] of [
    [{ coffee: [{ variant_id: 'mug', title: 'Mug', price_minor: 1 }, { variant_id: 'mug', title: 'Mug again', price_minor: 2 }] }, 'subscriptions.addons.coffee[1].variant_id'],
    [{ coffee: [{ variant_id: 'mug', title: '', price_minor: 1 }] }, 'subscriptions.addons'],
    [{ coffee: [{ variant_id: 'mug', title: 'Mug', price_minor: -1 }] }, 'subscriptions.addons'],
  ]) {
    const doc = { ...base, subscriptions: { ...base.subscriptions, addons } };
    const p = assertProblem(await b.putProgram(doc), 422, 'validation_failed', JSON.stringify(addons));
    assert.ok(p.errors.some((e) => e.field.startsWith(field)), `${JSON.stringify(addons)}: ${JSON.stringify(p.errors)}`);
  }
  // a program's variant has no quantity: a field the document does not take
  const quantity = { ...base, subscriptions: { ...base.subscriptions, addons: { coffee: [{ variant_id: 'mug', title: 'Mug', price_minor: 1, quantity: 2 }] } } };
  assertProblem(await b.putProgram(quantity), 400, 'unknown_field', 'quantity in an add-on of the program');
  const swapQuantity = { ...base, subscriptions: { ...base.subscriptions, swap_options: { coffee: [{ variant_id: 'x', title: 'X', price_minor: 1, quantity: 1 }] } } };
  assertProblem(await b.putProgram(swapQuantity), 400, 'unknown_field', 'quantity in a swap option of the program');
  const missing = { ...base, subscriptions: { ...base.subscriptions, addons: { coffee: [{ variant_id: 'mug', title: 'Mug' }] } } };
  assertProblem(await b.putProgram(missing), 422, 'validation_failed', 'price_minor left out');
  const got = await a.program();
  assert.deepEqual(got.body.subscriptions.addons, ADDONS, 'GET shows what was put');
});

noServerErrorsTest();
