// Webhook retries on the SPEC 3.6 schedule, driven by the server's test
// clock: same id and body on every attempt, 410 stops, the schedule runs
// out into `failed`, a later event of the customer waits behind an earlier
// one, and the automatic resume at `paused_until` is announced.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, subscriptionDoc, subscriptionUpserted } from './lib/client.mjs';
import { customerId } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { sleep } from './lib/time.mjs';
import { advance, serverNow } from './lib/clock.mjs';
import { deliveries, script, waitFor, waitForCount } from './lib/webhooks.mjs';

const c = new Api(C);
const SCHEDULE = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

before(() => ensureSuiteProgram(C));

const prefs = (sms) => {
  const p = clone(DEFAULT_PREFERENCES);
  p.expiry_reminder_days = [];
  p.channels.sms.enabled = sms;
  return p;
};

/** Makes one event for `id` (a preferences change) and returns nothing. */
async function change(id, sms) {
  const res = await c.putCustomerPreferences(id, prefs(sms));
  assert.equal(res.status, 200, res.text);
}

async function view(eventId) {
  const res = await c.eventById(eventId);
  assert.equal(res.status, 200, res.text);
  return res.body.delivery;
}

/** Moves the clock to the event's next attempt and waits for that attempt. */
async function nextAttempt(id, eventId, n) {
  const due = Date.parse((await view(eventId)).next_attempt_at) / 1000;
  const now = await serverNow();
  if (due > now) await advance(due - now);
  return waitForCount(id, n, 15_000);
}

test('500, 500, then 200: the same webhook-id and body three times, 5 s then 5 min apart (±10 %)', async () => {
  const id = customerId('retry');
  await script(id, [500, 500, 200]);
  await change(id, true);
  const [first] = await waitForCount(id, 1);
  await waitFor(id, () => true, '');
  let d = await view(first.id);
  assert.equal(d.state, 'pending');
  assert.equal(d.last_status, 500);
  const wait1 = Date.parse(d.next_attempt_at) / 1000 - Number(first.timestamp);
  assert.ok(wait1 >= 4 && wait1 <= 7, `first retry ${wait1} s after the first attempt`);
  const second = (await nextAttempt(id, first.id, 2))[1];
  await sleep(300);
  d = await view(first.id);
  const wait2 = Date.parse(d.next_attempt_at) / 1000 - Number(second.timestamp);
  assert.ok(wait2 >= 270 && wait2 <= 331, `second retry ${wait2} s after the second attempt`);
  const got = await nextAttempt(id, first.id, 3);
  assert.deepEqual(got.map((x) => x.id), [first.id, first.id, first.id]);
  assert.ok(got.every((x) => x.body === first.body), 'the same body every time');
  await waitFor(id, (g) => g[2].delivered, 'the third attempt answered');
  await sleep(300);
  d = await view(first.id);
  assert.deepEqual(d, { state: 'delivered', attempts: 3, last_status: 200, next_attempt_at: null });
});

test('410 Gone stops retries at once', async () => {
  const id = customerId('gone');
  await script(id, [410, 200]);
  await change(id, true);
  const [first] = await waitForCount(id, 1);
  await sleep(500);
  assert.deepEqual(await view(first.id), { state: 'failed', attempts: 1, last_status: 410, next_attempt_at: null });
  await advance(2 * 86_400);
  await sleep(1_000);
  assert.equal((await deliveries(id)).length, 1, 'never tried again');
});

test('the schedule runs out after 8 attempts into failed; a later event waits behind it; redeliver starts a fresh round', async () => {
  const id = customerId('exhaust');
  await script(id, Array(8).fill(500));
  await change(id, true);
  const [first] = await waitForCount(id, 1);
  await change(id, false); // the second event waits while the first is retried
  await sleep(1_000);
  assert.equal((await deliveries(id)).length, 1, 'the later event waits');
  const feed = (await c.events('limit=1000&type=preferences.updated')).body;
  let second = null;
  for (let page = feed; ; ) {
    second ??= page.items.find((e) => e.customer_id === id && e.sequence === 2);
    if (second || page.items.length === 0) break;
    page = (await c.events(`limit=1000&type=preferences.updated&after=${encodeURIComponent(page.next_cursor)}`)).body;
  }
  assert.ok(second, 'the second event is in the feed');
  assert.equal(second.delivery.state, 'pending');
  assert.ok(Date.parse(second.delivery.next_attempt_at) <= (await serverNow()) * 1000, 'due, though waiting');
  for (let n = 2; n <= 8; n++) {
    const got = await nextAttempt(id, first.id, n);
    assert.ok(got.slice(0, n).every((x) => x.id === first.id), `attempt ${n} is the first event again`);
    const gap = Number(got[n - 1].timestamp) - Number(got[n - 2].timestamp);
    const planned = SCHEDULE[n - 2];
    assert.ok(gap >= planned * 0.9 - 1 && gap <= planned * 1.1 + 2, `attempt ${n}: ${gap} s after the one before (${planned} s ±10 %)`);
  }
  const got = await waitForCount(id, 9, 15_000); // then the second event goes
  assert.equal(got[8].id, second.id);
  assert.deepEqual(await view(first.id), { state: 'failed', attempts: 8, last_status: 500, next_attempt_at: null });
  await waitFor(id, (g) => g[8].delivered, 'the second event delivered');
  const again = await c.redeliver(first.id);
  assert.equal(again.status, 202, again.text);
  const last = await waitForCount(id, 10, 15_000);
  assert.equal(last[9].id, first.id);
  await waitFor(id, (g) => g[9].delivered, 'redelivered');
  await sleep(300);
  const d = await view(first.id);
  assert.equal(d.state, 'delivered');
  assert.equal(d.attempts, 9);
});

test('a pause that ends by itself is announced: subscription.updated, auto_resume, from the handler', async () => {
  const id = customerId('resume');
  const now = await serverNow();
  const tomorrow = new Date((now + 86_400) * 1000).toISOString().slice(0, 10);
  const sub = subscriptionDoc(`sub-${id}`, { next_charge_on: new Date((now + 20 * 86_400) * 1000).toISOString().slice(0, 10) });
  await c.eventOk(id, subscriptionUpserted(sub));
  const token = c.token(id, { iat: now });
  const paused = await c.action(id, sub.id, { action: 'pause', resume_on: tomorrow }, { token });
  assert.equal(paused.status, 200, paused.text);
  await waitForCount(id, 1);
  await advance(2 * 86_400);
  const got = await waitForCount(id, 2, 20_000);
  const e = JSON.parse(got[1].body);
  assert.equal(e.type, 'subscription.updated');
  assert.equal(e.sequence, 2);
  assert.equal(e.data.action, 'auto_resume');
  assert.equal(e.data.source, 'handler');
  assert.equal(e.data.previous.status, 'paused');
  assert.equal(e.data.subscription.status, 'active');
});

noServerErrorsTest();
