// The merchant's outbox (SPEC 2.6 reminders, 3.4): planned reminders whose
// send_at has come, GET /v1/admin/outbox and POST /v1/admin/outbox/{id}/ack.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, orderPaid, pointsAdjusted } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant, ms, sleep, zoneWithLocalHour, INSTANT_RE } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);
const DAY = 86_400_000;
const WAIT_MS = 45_000;

before(ensureSuiteProgram);

const CHANNELS = ['email', 'sms', 'whatsapp', 'telegram', 'viber', 'push'];

async function outboxItems(api = a) {
  const res = await api.outbox(100);
  assert.equal(res.status, 200, res.text);
  assert.ok(Array.isArray(res.body?.items), res.text);
  return res.body.items;
}

/** Polls the outbox until `pred` matches an item (or the wait ends). */
async function waitForItem(pred, what) {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const found = (await outboxItems()).find(pred);
    if (found) return found;
    if (Date.now() > until) assert.fail(`no outbox item for ${what} within ${WAIT_MS / 1000} s`);
    await sleep(1_000);
  }
}

/** A customer whose local time is noon (no quiet time), with `mutate` applied to the preferences. */
async function customerAtNoon(mutate = () => {}) {
  const c = customerId('outbox');
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = zoneWithLocalHour(12).zone;
  mutate(p);
  const res = await a.putPreferences(c, p);
  assert.equal(res.status, 200, res.text);
  return c;
}

test('GET /v1/admin/outbox answers {"items": [...]}, each item complete, oldest first', async () => {
  const items = await outboxItems();
  for (const it of items) {
    for (const f of ['id', 'customer_id', 'kind', 'topic', 'channel', 'send_at', 'locale']) assert.equal(typeof it[f], 'string', `${f} in ${JSON.stringify(it)}`);
    assert.ok(Array.isArray(it.fallback_channels));
    assert.ok('data' in it);
    assert.ok(ms(it.send_at) <= Date.now() + 5_000, 'only items whose send_at has come');
  }
  for (let i = 1; i < items.length; i++) assert.ok(ms(items[i - 1].send_at) <= ms(items[i].send_at), 'oldest first');
});

test('a points_expiring reminder reaches the outbox at its lead time, can be acked once, and is never listed again', async () => {
  const c = await customerAtNoon((p) => {
    p.expiry_reminder_days = [7];
    p.locale = 'en-GB';
    p.channels.sms.enabled = true;
    p.channel_order = ['sms', 'email', 'whatsapp', 'telegram', 'viber', 'push'];
  });
  const expiresAt = instant(Date.now() + 7 * DAY + 4_000);
  await a.eventOk(c, pointsAdjusted(25, { expires_at: expiresAt }));
  await a.eventOk(c, pointsAdjusted(75, { expires_at: instant(Date.now() + 200 * DAY) }));
  const item = await waitForItem((it) => it.customer_id === c && it.kind === 'points_expiring', `points_expiring of ${c}`);
  assert.equal(item.topic, 'reward_updates');
  assert.equal(item.channel, 'sms');
  assert.ok(item.fallback_channels.every((ch) => CHANNELS.includes(ch) && ch !== 'sms'));
  assert.equal(item.locale, 'en-GB');
  assert.match(item.send_at, INSTANT_RE);
  assert.equal(item.send_at, instant(ms(expiresAt) - 7 * DAY), 'decided at its planned instant');
  // reading changes nothing
  const twice = (await outboxItems()).filter((it) => it.customer_id === c);
  assert.deepEqual(twice, (await outboxItems()).filter((it) => it.customer_id === c));
  assert.equal(twice.filter((it) => it.kind === 'points_expiring').length, 1, 'planned once');

  // another merchant cannot ack it
  assertProblem(await b.ack(item.id), 404, 'not_found', 'merchant B acking A\'s item');
  assert.ok((await outboxItems()).some((it) => it.id === item.id), 'still listed for A');

  const ack = await a.ack(item.id); // no Idempotency-Key needed: ack is naturally idempotent
  assert.equal(ack.status, 204, ack.text);
  assert.ok(!(await outboxItems()).some((it) => it.id === item.id), 'not listed after the ack');
  await sleep(2_000);
  assert.ok(!(await outboxItems()).some((it) => it.customer_id === c && it.kind === 'points_expiring'), 'never planned again');
});

test('a reminder for a shopper who turned reward updates off is not put in the outbox', async () => {
  const c = await customerAtNoon((p) => { p.expiry_reminder_days = [7]; p.topics.reward_updates = false; });
  const on = await customerAtNoon((p) => { p.expiry_reminder_days = [7]; });
  const expiresAt = instant(Date.now() + 7 * DAY + 3_000);
  await a.eventOk(c, pointsAdjusted(25, { expires_at: expiresAt }));
  await a.eventOk(on, pointsAdjusted(25, { expires_at: expiresAt }));
  await waitForItem((it) => it.customer_id === on && it.kind === 'points_expiring', `points_expiring of ${on}`);
  assert.ok(!(await outboxItems()).some((it) => it.customer_id === c), 'suppressed: nothing to send');
});

test('a reminder planned inside quiet time waits in the outbox until the quiet time ends', async () => {
  const quiet = customerId('outbox');
  const z = zoneWithLocalHour(2); // inside the floor (21:00–08:00)
  const pq = clone(DEFAULT_PREFERENCES);
  pq.time_zone = z.zone;
  pq.expiry_reminder_days = [7];
  assert.equal((await a.putPreferences(quiet, pq)).status, 200);
  const control = await customerAtNoon((p) => { p.expiry_reminder_days = [7]; });
  const expiresAt = instant(Date.now() + 7 * DAY + 3_000);
  await a.eventOk(quiet, pointsAdjusted(10, { expires_at: expiresAt }));
  await a.eventOk(control, pointsAdjusted(10, { expires_at: expiresAt }));
  const shown = await waitForItem((it) => it.customer_id === control && it.kind === 'points_expiring', `points_expiring of ${control}`);
  assert.equal(shown.send_at, instant(ms(expiresAt) - 7 * DAY));
  await sleep(1_000);
  assert.ok(!(await outboxItems()).some((it) => it.customer_id === quiet), 'the quiet-time reminder is not listed before its send_at (08:00 local)');
});

test('deleting a customer removes their reminders from the outbox', async () => {
  const c = await customerAtNoon((p) => { p.expiry_reminder_days = [7]; });
  await a.eventOk(c, pointsAdjusted(10, { expires_at: instant(Date.now() + 7 * DAY + 3_000) }));
  const item = await waitForItem((it) => it.customer_id === c, `a reminder of ${c}`);
  assert.equal((await a.deleteCustomer(c)).status, 204);
  assert.ok(!(await outboxItems()).some((it) => it.customer_id === c), 'erased with the customer');
  assertProblem(await a.ack(item.id), 404, 'not_found', 'its id is unknown now');
});

test('a tier change is announced (tier_changed, reward_updates)', async () => {
  const c = await customerAtNoon();
  await a.eventOk(c, orderPaid(uid('o'), 10_000_000, { paid_at: instant(Date.now() - 10 * DAY) })); // 100 000 points: Silver
  const item = await waitForItem((it) => it.customer_id === c && it.kind === 'tier_changed', `tier_changed of ${c}`);
  assert.equal(item.topic, 'reward_updates');
  assert.equal(item.channel, 'email');
  assert.equal((await a.ack(item.id)).status, 204);
});

test('ack of an unknown id → 404 not_found (with or without an Idempotency-Key)', async () => {
  assertProblem(await a.ack(uid('no-such-item')), 404, 'not_found');
  assertProblem(await a.ack(uid('no-such-item'), { key: 'some-key' }), 404, 'not_found', 'with a key');
  assertProblem(await a.ack(uid('x'), { apiKey: null }), 401, 'invalid_api_key', 'auth first');
});

test('limit caps the number of items', async () => {
  const res = await a.outbox(1);
  assert.equal(res.status, 200, res.text);
  assert.ok(res.body.items.length <= 1);
});

noServerErrorsTest();
