// Review follow-ups (SPEC 2.7), driven by the server's test clock: a
// 5-star review of a product sold by subscription, from a customer who
// does not subscribe to it, plans a subscribe_invite reminder 3 days later
// (topic recommendations, data {product_id, rating}), once ever per
// customer and product; a review of 2 stars or less cancels it while it
// waits; subscribing first drops it; it passes the message decision as
// marketing, by its topic alone (outside the weekly cap).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, reviewSubmitted, subscriptionDoc, subscriptionUpserted } from './lib/client.mjs';
import { customerId } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant, sleep, zoneWithLocalHour } from './lib/time.mjs';
import { advance, serverNow } from './lib/clock.mjs';
import { deliveries, waitFor } from './lib/webhooks.mjs';

const c = new Api(C);
const DAY = 86_400;
const INVITE = 'subscribe_invite';

before(() => ensureSuiteProgram(C));

/** A customer whose local time (on the server's clock) is noon, so no quiet time delays the invitation. */
async function customer(label, mutate = () => {}) {
  const id = customerId(label);
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = zoneWithLocalHour(12, (await serverNow()) * 1000).zone;
  p.expiry_reminder_days = [];
  mutate(p);
  const res = await c.putCustomerPreferences(id, p);
  assert.equal(res.status, 200, res.text);
  return id;
}

const review = (id, product, rating) => c.eventOk(id, reviewSubmitted(product, rating));

const invitations = async (id) =>
  (await deliveries(id)).map((d) => JSON.parse(d.body)).filter((e) => e.type === 'reminder.due' && e.data.kind === INVITE);

/** Runs the customer's reminders now (any write does), whatever the scheduler did. */
async function touch(id) {
  const res = await c.message(id, { topic: 'order_updates' });
  assert.equal(res.status, 200, res.text);
}

async function outboxOf(id) {
  const res = await c.outbox(500);
  assert.equal(res.status, 200, res.text);
  return res.body.items.filter((x) => x.customer_id === id && x.kind === INVITE);
}

test('a 5-star review invites 3 days later, once; cancelled by a bad review; dropped by subscribing; decided as marketing', async () => {
  const invited = await customer('invite');
  const cancelled = await customer('invite-cancel');
  const subscribed = await customer('invite-sub');
  const already = await customer('invite-already');
  const notSold = await customer('invite-other');
  const topicOff = await customer('invite-off', (p) => { p.topics.recommendations = false; });
  const unsubscribed = await customer('invite-unsub', (p) => { p.marketing_unsubscribed = true; });
  const capped = await customer('invite-cap', (p) => { p.max_per_week = 1; });

  const subscription = (id) => subscriptionDoc(`sub-${id}`, {
    next_charge_on: instant(((Date.now() / 1000) + 400 * DAY) * 1000).slice(0, 10),
  });
  await c.eventOk(already, subscriptionUpserted(subscription(already)));

  const reviewedAt = await serverNow();
  for (const id of [invited, cancelled, subscribed, already, topicOff, unsubscribed, capped]) await review(id, 'coffee', 5);
  await review(notSold, 'mug', 5); // not in swap_options: not sold by subscription
  await review(invited, 'coffee', 5); // again: still one invitation
  await review(invited, 'coffee', 4); // neither invites nor cancels
  await review(cancelled, 'coffee', 2);
  await c.eventOk(subscribed, subscriptionUpserted(subscription(subscribed)));
  // the weekly cap is full, which marketing reminders do not count against
  const sent = await c.message(capped, { topic: 'promotions' });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.decision, 'send');
  const refused = await c.message(capped, { topic: 'promotions' });
  assert.equal(refused.body.reason, 'weekly_cap', 'the cap is full');

  await advance(reviewedAt + 3 * DAY - 120 - (await serverNow()));
  await touch(invited);
  assert.deepEqual(await invitations(invited), [], 'two minutes before: not yet');

  await advance(240);
  const got = await waitFor(invited, (g) => g.some((d) => JSON.parse(d.body).type === 'reminder.due'), 'the subscribe_invite reminder', 30_000);
  const [first] = got.map((d) => JSON.parse(d.body)).filter((e) => e.type === 'reminder.due');
  assert.equal(first.data.kind, INVITE);
  assert.equal(first.data.topic, 'recommendations');
  assert.deepEqual(first.data.data, { product_id: 'coffee', rating: 5 });
  const due = Date.parse(first.data.send_at) / 1000;
  assert.ok(due >= reviewedAt + 3 * DAY && due <= reviewedAt + 3 * DAY + 5, `3 days after the review: ${first.data.send_at}`);
  assert.equal(first.data.channel, 'email');
  const [item] = await outboxOf(invited);
  assert.ok(item, 'in the outbox');
  assert.equal(item.id, first.data.id);

  const capGot = await waitFor(capped, (g) => g.some((d) => JSON.parse(d.body).type === 'reminder.due'), 'the capped customer\'s invitation', 30_000);
  assert.equal(capGot.filter((d) => JSON.parse(d.body).type === 'reminder.due').length, 1);

  for (const id of [cancelled, subscribed, already, notSold, topicOff, unsubscribed]) await touch(id);
  await sleep(1_000);
  for (const [id, why] of [
    [cancelled, 'cancelled by a 2-star review'],
    [subscribed, 'dropped: they subscribed first'],
    [already, 'they subscribe already'],
    [notSold, 'not a product sold by subscription'],
    [topicOff, 'recommendations switched off'],
    [unsubscribed, 'unsubscribed from marketing'],
  ]) {
    assert.deepEqual(await invitations(id), [], why);
    assert.deepEqual(await outboxOf(id), [], `${why}: nothing in the outbox`);
  }

  // never planned twice: a 5-star review after the invitation, nor after a cancel
  await review(invited, 'coffee', 5);
  await review(cancelled, 'coffee', 5);
  await advance(3 * DAY + 60);
  await touch(invited);
  await touch(cancelled);
  await sleep(1_000);
  assert.equal((await invitations(invited)).length, 1, 'once ever per customer and product');
  assert.deepEqual(await invitations(cancelled), [], 'a cancelled invitation is not planned again');
});

noServerErrorsTest();
