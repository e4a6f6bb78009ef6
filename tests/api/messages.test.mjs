// The message decision (SPEC 2.6, 3.4): POST /v1/admin/customers/{id}/messages.
// Time zones are fixed-offset IANA zones chosen from the real current UTC
// time, so "inside quiet hours" or not is known in advance.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, reviewSubmitted } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant, ms, zoneWithLocalHour, localToInstant, hhmm } from './lib/time.mjs';

const a = new Api(A);

before(ensureSuiteProgram);

/** Saves preferences for `c`: defaults, in a zone where it is `localHour` now, then `mutate`. */
async function setup(localHour, mutate = () => {}) {
  const c = customerId('msg');
  const z = zoneWithLocalHour(localHour);
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = z.zone;
  mutate(p, z);
  const res = await a.putPreferences(c, p);
  assert.equal(res.status, 200, `preferences: ${res.text}`);
  return { c, z };
}

async function decide(c, body, options) {
  const res = await a.message(c, body, options);
  assert.equal(res.status, 200, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
  return res.body;
}

function assertSendNow(d, channel, note = '') {
  assert.equal(d.decision, 'send', `${note} ${JSON.stringify(d)}`);
  assert.equal(d.channel, channel, note);
  assert.equal(d.reason, null, note);
  assert.ok(Math.abs(ms(d.send_at) - Date.now()) < 5 * 60_000, `send_at is now: ${d.send_at}`);
}

function assertSuppress(d, reason, note = '') {
  assert.deepEqual(d, { decision: 'suppress', channel: null, send_at: null, reason }, note);
}

const allOff = (p) => { for (const ch of Object.keys(p.channels)) p.channels[ch].enabled = false; };

test('transactional and marketing messages are sent now on the first enabled channel', async () => {
  const { c } = await setup(12);
  assertSendNow(await decide(c, { topic: 'order_updates' }), 'email', 'order_updates');
  assertSendNow(await decide(c, { topic: 'subscription_updates', importance: 'transactional' }), 'email', 'subscription_updates');
  assertSendNow(await decide(c, { topic: 'promotions', importance: 'marketing', product_ids: ['p1'] }), 'email', 'promotions');
  assertSendNow(await decide(c, { topic: 'reward_updates' }), 'email', 'reward_updates');
});

test('the channel is the first enabled one in channel_order', async () => {
  const { c } = await setup(13, (p) => {
    p.channels.email.enabled = false;
    p.channels.sms.enabled = true;
    p.channels.telegram.enabled = true;
    p.channel_order = ['whatsapp', 'telegram', 'sms', 'email', 'viber', 'push'];
  });
  assertSendNow(await decide(c, { topic: 'order_updates' }), 'telegram');
  assertSendNow(await decide(c, { topic: 'new_products' }), 'telegram');
});

test('transactional without any enabled channel → suppress no_channel', async () => {
  const { c } = await setup(12, allOff);
  assertSuppress(await decide(c, { topic: 'order_updates' }), 'no_channel');
  assertSuppress(await decide(c, { topic: 'recommendations' }), 'no_channel', 'marketing too');
});

test('transactional ignores unsubscribe, topic switches, snooze and the cap', async () => {
  const { c } = await setup(12, (p) => {
    p.marketing_unsubscribed = true;
    p.topics.promotions = false;
    p.snoozed_until = instant(Date.now() + 30 * 86_400_000);
    p.max_per_week = 1;
  });
  for (let i = 0; i < 3; i++) assertSendNow(await decide(c, { topic: 'order_updates' }), 'email', `order update ${i}`);
  assertSendNow(await decide(c, { topic: 'subscription_updates' }), 'email');
});

test('marketing suppress reasons apply in the SPEC\'s order', async () => {
  const future = instant(Date.now() + 30 * 86_400_000);
  let { c } = await setup(12, (p) => { p.marketing_unsubscribed = true; p.topics.promotions = false; p.snoozed_until = future; allOff(p); });
  assertSuppress(await decide(c, { topic: 'promotions' }), 'unsubscribed');
  ({ c } = await setup(12, (p) => { p.topics.promotions = false; p.snoozed_until = future; allOff(p); }));
  assertSuppress(await decide(c, { topic: 'promotions' }), 'topic_off');
  assertSuppress(await decide(c, { topic: 'order_updates' }), 'no_channel', 'transactional: only the channel matters');
});

test('topic_off, snoozed, no_channel, each on its own', async () => {
  let { c } = await setup(12, (p) => { p.topics.new_products = false; });
  assertSuppress(await decide(c, { topic: 'new_products' }), 'topic_off');
  assertSendNow(await decide(c, { topic: 'promotions' }), 'email', 'other topics still go');
  ({ c } = await setup(12, (p) => { p.snoozed_until = instant(Date.now() + 86_400_000); allOff(p); }));
  assertSuppress(await decide(c, { topic: 'promotions' }), 'snoozed', 'snoozed comes before no_channel');
  ({ c } = await setup(12, (p) => { p.snoozed_until = instant(Date.now() - 60_000); }));
  assertSendNow(await decide(c, { topic: 'promotions' }), 'email', 'a snooze that ended');
  ({ c } = await setup(12, (p) => { allOff(p); p.max_per_week = 1; }));
  assertSuppress(await decide(c, { topic: 'promotions' }), 'no_channel');
});

test('recent_bad_review: a product reviewed ≤ 2 stars in the last 30 days', async () => {
  const { c } = await setup(12);
  await a.eventOk(c, reviewSubmitted('p-bad', 2));
  await a.eventOk(c, reviewSubmitted('p-ok', 3));
  await a.eventOk(c, reviewSubmitted('p-awful', 1));
  assertSuppress(await decide(c, { topic: 'recommendations', product_ids: ['p-bad'] }), 'recent_bad_review');
  assertSuppress(await decide(c, { topic: 'promotions', product_ids: ['p-new', 'p-awful'] }), 'recent_bad_review', 'any listed product');
  assertSendNow(await decide(c, { topic: 'recommendations', product_ids: ['p-ok'] }), 'email', '3 stars is fine');
  assertSendNow(await decide(c, { topic: 'recommendations', product_ids: ['p-other'] }), 'email', 'other products');
  assertSendNow(await decide(c, { topic: 'recommendations' }), 'email', 'no products named');
  assertSendNow(await decide(c, { topic: 'order_updates', product_ids: ['p-bad'] }), 'email', 'transactional is not affected');
});

test('weekly_cap: marketing sends in the last 7 days ≥ max_per_week; replays do not count', async () => {
  const { c } = await setup(12, (p) => { p.max_per_week = 2; });
  const key = newKey();
  const first = await a.message(c, { topic: 'promotions' }, { key });
  assert.equal(first.status, 200, first.text);
  assertSendNow(first.body, 'email');
  for (let i = 0; i < 3; i++) {
    const again = await a.message(c, { topic: 'promotions' }, { key });
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
  }
  assertSendNow(await decide(c, { topic: 'new_products' }), 'email', 'second send');
  assertSuppress(await decide(c, { topic: 'promotions' }), 'weekly_cap', 'third');
  assertSuppress(await decide(c, { topic: 'reward_updates' }), 'weekly_cap', 'any marketing topic');
  assertSendNow(await decide(c, { topic: 'order_updates' }), 'email', 'transactional is not capped');
});

test('suppressed and transactional decisions do not count toward the cap', async () => {
  const { c } = await setup(12, (p) => { p.max_per_week = 1; p.topics.promotions = false; });
  for (let i = 0; i < 3; i++) assertSuppress(await decide(c, { topic: 'promotions' }), 'topic_off');
  for (let i = 0; i < 3; i++) assertSendNow(await decide(c, { topic: 'order_updates' }), 'email');
  assertSendNow(await decide(c, { topic: 'new_products' }), 'email');
  assertSuppress(await decide(c, { topic: 'new_products' }), 'weekly_cap');
});

test('inside the shopper\'s quiet hours → defer until they end, on the channel that will be used', async () => {
  const { c, z } = await setup(12, (p, zz) => { p.quiet_hours = { start: hhmm(zz.localHour), end: hhmm(zz.localHour + 2) }; });
  const end = localToInstant(z.localDate, z.localHour + 2, 0, z.offsetHours);
  const expected = { decision: 'defer', channel: 'email', send_at: end, reason: 'quiet_hours' };
  assert.deepEqual(await decide(c, { topic: 'promotions' }), expected, `zone ${z.zone}`);
  assert.deepEqual(await decide(c, { topic: 'promotions', urgent: true }), expected, 'urgent is ignored for marketing');
  assert.deepEqual(await decide(c, { topic: 'order_updates' }), expected, 'transactional, not urgent');
  assertSendNow(await decide(c, { topic: 'order_updates', urgent: true }), 'email', 'urgent transactional');
  assertSendNow(await decide(c, { topic: 'subscription_updates', urgent: true }), 'email', 'urgent transactional');
});

test('suppression comes before quiet time', async () => {
  const { c } = await setup(12, (p, zz) => {
    p.quiet_hours = { start: hhmm(zz.localHour), end: hhmm(zz.localHour + 2) };
    p.marketing_unsubscribed = true;
  });
  assertSuppress(await decide(c, { topic: 'promotions' }), 'unsubscribed');
});

test('inside the program\'s quiet_hours_floor (21:00–08:00 local) → defer until 08:00', async () => {
  const { c, z } = await setup(2);
  const d = await decide(c, { topic: 'promotions' });
  assert.deepEqual(d, { decision: 'defer', channel: 'email', send_at: localToInstant(z.localDate, 8, 0, z.offsetHours), reason: 'quiet_hours' }, `zone ${z.zone}`);
  assertSendNow(await decide(c, { topic: 'order_updates', urgent: true }), 'email', 'urgent transactional');
});

test('with both windows, send_at is the first instant outside both', async () => {
  const { c, z } = await setup(2, (p) => { p.quiet_hours = { start: '07:00', end: '09:30' }; });
  const d = await decide(c, { topic: 'new_products' });
  assert.deepEqual(d, { decision: 'defer', channel: 'email', send_at: localToInstant(z.localDate, 9, 30, z.offsetHours), reason: 'quiet_hours' }, `zone ${z.zone}`);
});

test('windows covering the whole day together: only the floor applies', async () => {
  const { c } = await setup(12, (p) => { p.quiet_hours = { start: '08:00', end: '21:00' }; });
  assertSendNow(await decide(c, { topic: 'promotions' }), 'email', 'noon is outside the floor');
});

test('a deferred message does not count toward the cap', async () => {
  const { c } = await setup(12, (p, zz) => { p.max_per_week = 1; p.quiet_hours = { start: hhmm(zz.localHour), end: hhmm(zz.localHour + 2) }; });
  for (let i = 0; i < 2; i++) assert.equal((await decide(c, { topic: 'promotions' })).decision, 'defer');
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = zoneWithLocalHour(12).zone;
  p.max_per_week = 1;
  assert.equal((await a.putPreferences(c, p)).status, 200);
  assertSendNow(await decide(c, { topic: 'promotions' }), 'email', 'first send');
  assertSuppress(await decide(c, { topic: 'promotions' }), 'weekly_cap');
});

test('an importance that disagrees with the topic → 422; other bad requests', async () => {
  const { c } = await setup(12);
  assertProblem(await a.message(c, { topic: 'promotions', importance: 'transactional' }), 422, 'validation_failed', 'promotions as transactional');
  assertProblem(await a.message(c, { topic: 'order_updates', importance: 'marketing' }), 422, 'validation_failed', 'order_updates as marketing');
  assertProblem(await a.message(c, { topic: 'gossip' }), 422, 'validation_failed', 'unknown topic');
  assertProblem(await a.message(c, {}), 422, 'validation_failed', 'no topic');
  assertProblem(await a.message(c, { topic: 'promotions', channel: 'sms' }), 400, 'unknown_field');
  assertProblem(await a.admin('POST', `/v1/admin/customers/${c}/messages`, { json: { topic: 'promotions' } }), 400, 'idempotency_key_required');
});

test('a shopper window across midnight joined with the floor: defer to the first instant outside both', async () => {
  // local noon; shopper 11:00 → 09:00 (next day) and floor 21:00 → 08:00 leave only 09:00–11:00 free
  const { c, z } = await setup(12, (p) => { p.quiet_hours = { start: '11:00', end: '09:00' }; });
  const nextDay = new Date(Date.parse(`${z.localDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const d = await decide(c, { topic: 'promotions' });
  assert.deepEqual(d, { decision: 'defer', channel: 'email', send_at: localToInstant(nextDay, 9, 0, z.offsetHours), reason: 'quiet_hours' }, `zone ${z.zone}`);
});

noServerErrorsTest();
