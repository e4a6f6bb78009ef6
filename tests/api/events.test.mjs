// Events to the merchant (SPEC 3.6): each event type delivered once to the
// webhook, signed, with its documented data and per-customer sequence; the
// feed and its cursors; redelivery; a failing or hanging receiver of one
// customer not holding up the others.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B, C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, pointsAdjusted, subscriptionDoc, subscriptionUpserted } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant, sleep, zoneWithLocalHour, INSTANT_RE } from './lib/time.mjs';
import { deliveries, script, signatureValid, waitFor, waitForCount } from './lib/webhooks.mjs';

const a = new Api(A);
const b = new Api(B);
const c = new Api(C);
const DAY = 86_400_000;

before(() => ensureSuiteProgram(C));

/** Preferences for a shopper whose local time is noon (reminders go at once). */
function noonPreferences(mutate = () => {}) {
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = zoneWithLocalHour(12).zone;
  p.expiry_reminder_days = [7];
  mutate(p);
  return p;
}

const bodies = (got) => got.map((d) => JSON.parse(d.body));

test('each event type arrives once, signed, with its documented data, in sequence order', async () => {
  const id = customerId('events');
  const prefs = noonPreferences();
  assert.equal((await c.putCustomerPreferences(id, prefs)).status, 200); // preferences.updated (merchant)
  await c.eventOk(id, pointsAdjusted(500));
  const sub = subscriptionDoc(`sub-${id}`, { next_charge_on: instant(Date.now() + 20 * DAY).slice(0, 10) });
  await c.eventOk(id, subscriptionUpserted(sub)); // the merchant's own change: not echoed
  const redeemed = await c.redeem(id, 'r-fixed');
  assert.equal(redeemed.status, 201, redeemed.text); // reward.redeemed
  const skipped = await c.action(id, sub.id, { action: 'skip_next' });
  assert.equal(skipped.status, 200, skipped.text); // subscription.updated
  const mine = clone(prefs);
  mine.channels.sms.enabled = true;
  assert.equal((await c.putPreferences(id, mine)).status, 200); // preferences.updated (shopper)
  await c.eventOk(id, pointsAdjusted(10, { expires_at: instant(Date.now() + 7 * DAY + 2_000) })); // reminder.due soon
  const got = await waitFor(id, (g) => bodies(g).some((e) => e.type === 'reminder.due'), 'reminder.due', 45_000);
  assert.equal((await c.deleteCustomer(id)).status, 204); // customer.erased
  const all = await waitForCount(id, 6);
  assert.ok(got.length <= all.length);

  const events = bodies(all);
  assert.deepEqual(events.map((e) => e.type), [
    'preferences.updated', 'reward.redeemed', 'subscription.updated', 'preferences.updated', 'reminder.due', 'customer.erased',
  ]);
  assert.deepEqual(events.map((e) => e.sequence), [1, 2, 3, 4, 5, 6], 'sequence counts per customer');
  assert.equal(new Set(events.map((e) => e.id)).size, 6, 'ids differ');
  for (const [i, d] of all.entries()) {
    const e = events[i];
    assert.match(e.id, /^evt_/);
    assert.equal(d.id, e.id, 'webhook-id is the event id');
    assert.ok(signatureValid(C.webhook_secret, d), `signature of ${e.type}`);
    assert.ok(!signatureValid(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, d), 'another secret does not verify');
    assert.match(d.timestamp, /^\d+$/);
    assert.ok(Math.abs(Number(d.timestamp) * 1000 - d.at) < 60_000, 'webhook-timestamp is the attempt time');
    assert.match(d.contentType, /^application\/json/);
    assert.equal(e.customer_id, id);
    assert.match(e.created_at, INSTANT_RE);
    assert.deepEqual(Object.keys(e).sort(), ['created_at', 'customer_id', 'data', 'id', 'sequence', 'type']);
  }
  const [merchantPrefs, reward, subscription, shopperPrefs, reminder, erased] = events.map((e) => e.data);
  assert.equal(merchantPrefs.source, 'merchant');
  assert.deepEqual(merchantPrefs.preferences, prefs);
  assert.deepEqual(reward, {
    redemption_id: redeemed.body.redemption_id, reward_id: 'r-fixed', kind: 'fixed_discount', value: 50_000,
    code: redeemed.body.code, points_spent: 100, balance: redeemed.body.balance,
  });
  assert.equal(subscription.action, 'skip_next');
  assert.equal(subscription.source, 'shopper');
  assert.deepEqual(subscription.subscription, skipped.body.subscription ?? skipped.body);
  assert.equal(subscription.previous.next_charge_on, sub.next_charge_on);
  assert.notEqual(subscription.subscription.next_charge_on, sub.next_charge_on);
  assert.equal(shopperPrefs.source, 'shopper');
  assert.deepEqual(shopperPrefs.preferences, mine);
  assert.equal(shopperPrefs.consents.length, 1);
  assert.deepEqual({ ...shopperPrefs.consents[0], at: undefined }, { at: undefined, what: 'channels.sms', old: false, new: true, source: 'shopper' });
  assert.equal(reminder.kind, 'points_expiring');
  for (const f of ['id', 'kind', 'topic', 'channel', 'fallback_channels', 'send_at', 'locale', 'data']) assert.ok(f in reminder, f);
  assert.deepEqual(erased, {});
});

test('a change that changes nothing writes no event: the same preferences again, the merchant\'s own subscription changes', async () => {
  const id = customerId('events');
  const prefs = noonPreferences((p) => { p.expiry_reminder_days = []; });
  assert.equal((await c.putPreferences(id, prefs)).status, 200);
  assert.equal((await c.putPreferences(id, prefs)).status, 200);
  await c.eventOk(id, subscriptionUpserted(subscriptionDoc(`sub-${id}`)));
  await c.eventOk(id, pointsAdjusted(5));
  await waitForCount(id, 1);
  await sleep(1_500);
  assert.deepEqual(bodies(await deliveries(id)).map((e) => e.type), ['preferences.updated']);
});

test('the feed pages events oldest first with their delivery; one event by id; unknown → 404', async () => {
  const id = customerId('feed');
  for (const days of [[7], [14], [7, 14]]) {
    assert.equal((await c.putPreferences(id, noonPreferences((p) => { p.expiry_reminder_days = days; }))).status, 200);
  }
  await waitForCount(id, 3);
  const mine = [];
  let cursor = null;
  for (let pages = 0; pages < 1000; pages++) {
    const res = await c.events(`limit=50${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    mine.push(...res.body.items.filter((e) => e.customer_id === id));
    if (res.body.items.length === 0) {
      assert.equal(res.body.next_cursor, cursor, 'an empty page hands back the cursor given');
      break;
    }
    assert.equal(typeof res.body.next_cursor, 'string');
    cursor = res.body.next_cursor;
  }
  assert.deepEqual(mine.map((e) => e.sequence), [1, 2, 3]);
  await waitFor(id, (g) => g.every((d) => d.delivered), 'all delivered');
  const one = await c.eventById(mine[2].id);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.delivery.state, 'delivered');
  assert.equal(one.body.delivery.attempts, 1);
  assert.equal(one.body.delivery.last_status, 200);
  assert.equal(one.body.delivery.next_attempt_at, null);
  assert.deepEqual({ ...one.body, delivery: undefined }, { ...mine[2], delivery: undefined });
  assertProblem(await c.eventById('evt_00000000000000000000000000000000'), 404, 'not_found', 'unknown event');
  assertProblem(await a.eventById(mine[2].id), 404, 'not_found', 'another merchant\'s event');
  const typed = await c.events('type=preferences.updated&limit=1000');
  assert.equal(typed.status, 200);
  assert.ok(typed.body.items.every((e) => e.type === 'preferences.updated'));
});

test('feed parameters: bad cursors → 400 invalid_cursor, limit and type out of range → 422', async () => {
  const first = await c.events('limit=1');
  assert.equal(first.status, 200);
  const cursor = first.body.next_cursor;
  for (const bad of ['nonsense', '0.abc', '1', `${cursor}x`]) {
    assertProblem(await c.events(`after=${encodeURIComponent(bad)}`), 400, 'invalid_cursor', `cursor ${bad}`);
  }
  if (cursor) assertProblem(await a.events(`after=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor', 'another merchant\'s cursor');
  for (const limit of ['0', '1001', 'ten']) {
    assertProblem(await c.events(`limit=${limit}`), 422, 'validation_failed', `limit=${limit}`);
  }
  assertProblem(await c.events('type=order.paid'), 422, 'validation_failed', 'unknown type');
  const none = await b.events();
  assert.equal(none.status, 200);
  assert.ok(Array.isArray(none.body.items));
});

test('a merchant without a webhook sees its events as delivery "none" and cannot redeliver', async () => {
  const id = customerId('nohook');
  assert.equal((await b.putPreferences(id, noonPreferences((p) => { p.expiry_reminder_days = []; }))).status, 200);
  const page = await b.events('limit=1000&type=preferences.updated');
  const mine = [];
  let res = page;
  for (;;) {
    assert.equal(res.status, 200);
    mine.push(...res.body.items.filter((e) => e.customer_id === id));
    if (res.body.items.length === 0) break;
    res = await b.events(`limit=1000&type=preferences.updated&after=${encodeURIComponent(res.body.next_cursor)}`);
  }
  assert.equal(mine.length, 1);
  assert.deepEqual(mine[0].delivery, { state: 'none', attempts: 0, last_status: null, next_attempt_at: null });
  assertProblem(await b.redeliver(mine[0].id), 409, 'no_webhook', 'redeliver without a webhook');
  assertProblem(await b.redeliver('evt_unknown'), 404, 'not_found', 'unknown id is checked first');
});

test('redeliver sends the same id and body once more (idempotent), counting the attempt', async () => {
  const id = customerId('redeliver');
  assert.equal((await c.putPreferences(id, noonPreferences((p) => { p.expiry_reminder_days = []; }))).status, 200);
  const [first] = await waitForCount(id, 1);
  await waitFor(id, (g) => g[0].delivered, 'first delivery answered');
  const key = newKey();
  const again = await c.redeliver(first.id, { key });
  assert.equal(again.status, 202, again.text);
  const replay = await c.redeliver(first.id, { key });
  assert.equal(replay.status, 202);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  const got = await waitForCount(id, 2);
  assert.equal(got[1].id, first.id);
  assert.equal(got[1].body, first.body);
  await sleep(1_500);
  assert.equal((await deliveries(id)).length, 2, 'the replayed redeliver started no third round');
  const view = await c.eventById(first.id);
  assert.equal(view.body.delivery.attempts, 2);
  assert.equal(view.body.delivery.state, 'delivered');
  assertProblem(await c.redeliver('evt_unknown'), 404, 'not_found', 'unknown event');
});

test('erasing removes the customer\'s earlier events, keeps customer.erased, and a new record continues the sequence', async () => {
  const id = customerId('erase');
  const prefs = noonPreferences((p) => { p.expiry_reminder_days = []; });
  assert.equal((await b.putPreferences(id, prefs)).status, 200);
  const before = (await b.events('limit=1000&type=preferences.updated')).body;
  const mine = await feedOf(b, id);
  assert.equal(mine.length, 1);
  assert.equal((await b.deleteCustomer(id)).status, 204);
  assertProblem(await b.eventById(mine[0].id), 404, 'not_found', 'an erased customer\'s event');
  const after = await feedOf(b, id);
  assert.deepEqual(after.map((e) => [e.type, e.sequence]), [['customer.erased', 2]]);
  // a cursor handed out before the erasure still pages
  const still = await b.events(`after=${encodeURIComponent(before.next_cursor)}`);
  assert.equal(still.status, 200, still.text);
  assert.equal((await b.deleteCustomer(id)).status, 204, 'erasing nothing again');
  assert.equal((await feedOf(b, id)).length, 1, 'erasing a customer with nothing stored writes no event');
  assert.equal((await b.putPreferences(id, prefs)).status, 200);
  assert.deepEqual((await feedOf(b, id)).map((e) => [e.type, e.sequence]), [['customer.erased', 2], ['preferences.updated', 3]]);
});

/** Every feed item of `customer`, oldest first. */
async function feedOf(api, customer) {
  const items = [];
  let cursor = null;
  for (;;) {
    const res = await api.events(`limit=1000${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items.filter((e) => e.customer_id === customer));
    if (res.body.items.length === 0) return items;
    cursor = res.body.next_cursor;
  }
}

test('one customer\'s failing receiver does not hold up nine others', async () => {
  const failing = customerId('failing');
  await script(failing, Array(20).fill(500));
  const others = Array.from({ length: 9 }, () => customerId('others'));
  const prefs = noonPreferences((p) => { p.expiry_reminder_days = []; });
  assert.equal((await c.putPreferences(failing, prefs)).status, 200);
  await waitForCount(failing, 1);
  const sent = Date.now();
  await Promise.all(others.map(async (o) => assert.equal((await c.putPreferences(o, prefs)).status, 200)));
  for (const o of others) {
    const [d] = await waitForCount(o, 1, 10_000);
    assert.ok(d.at - sent < 10_000);
  }
  const stuck = await c.eventById((await deliveries(failing))[0].id);
  assert.equal(stuck.body.delivery.state, 'pending');
  assert.equal(stuck.body.delivery.last_status, 500);
  assert.match(stuck.body.delivery.next_attempt_at, INSTANT_RE);
});

test('a receiver that does not answer within 15 s counts as a failure and is retried', async () => {
  const id = customerId('hang');
  await script(id, ['hang', 200]);
  assert.equal((await c.putPreferences(id, noonPreferences((p) => { p.expiry_reminder_days = []; }))).status, 200);
  const [first] = await waitForCount(id, 1);
  const got = await waitForCount(id, 2, 40_000);
  const waited = got[1].at - first.at;
  assert.ok(waited >= 15_000 + 4_000, `retried ${waited} ms after the hanging attempt began: 15 s limit + ~5 s`);
  assert.equal(got[1].id, first.id);
  await waitFor(id, (g) => g[1].delivered, 'the retry answered');
  const view = await c.eventById(first.id);
  assert.equal(view.body.delivery.attempts, 2);
  assert.equal(view.body.delivery.state, 'delivered');
});

test('the feed pages 1,000 events written while it is read, with no gap and no repeat', async () => {
  const customers = Array.from({ length: 10 }, () => customerId('flood'));
  const start = await b.events('limit=1000');
  let cursor = start.body.next_cursor;
  // catch up to the end first
  for (;;) {
    const res = await b.events(`limit=1000${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
    if (res.body.items.length === 0) break;
    cursor = res.body.next_cursor;
  }
  const written = new Set();
  let writing = true;
  const writer = async (customer) => {
    for (let i = 0; i < 100; i++) {
      const p = noonPreferences((x) => { x.expiry_reminder_days = []; x.channels.sms.enabled = i % 2 === 0; });
      const res = await b.putCustomerPreferences(customer, p);
      assert.equal(res.status, 200, res.text);
    }
  };
  const seen = [];
  const reader = (async () => {
    for (;;) {
      // Only a page asked for after the last write was answered may end it.
      const finished = !writing;
      const res = await b.events(`limit=37${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200, res.text);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
      if (finished && res.body.items.length === 0) return;
      if (res.body.items.length === 0) await sleep(20);
    }
  })();
  await Promise.all(customers.map(writer));
  writing = false;
  await reader;
  const mine = seen.filter((e) => customers.includes(e.customer_id));
  for (const e of mine) written.add(e.id);
  assert.equal(mine.length, 1000, 'every event once');
  assert.equal(written.size, 1000, 'no repeats');
  for (const customer of customers) {
    assert.deepEqual(mine.filter((e) => e.customer_id === customer).map((e) => e.sequence),
      Array.from({ length: 100 }, (_, i) => i + 1), `${customer}: in order`);
  }
});

noServerErrorsTest();
