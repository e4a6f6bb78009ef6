// The birthday reward (SPEC 2.7), driven by the server's test clock: at
// 09:00 on the birthday in the shopper's time zone the handler credits
// the program's points (an adjust entry "Birthday reward", available at
// once, expiring expires_in_days later, counted in lifetime_earned but not
// in the tier metric) and plans a birthday_reward reminder, which passes
// the message decision by its topic; a birthday set less than 30 days
// before its instant is passed over that year.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { customerId } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, SUITE_PROGRAM, clone } from './lib/program.mjs';
import { daysInMonth, instant, sleep } from './lib/time.mjs';
import { advance, serverNow } from './lib/clock.mjs';
import { deliveries, waitFor } from './lib/webhooks.mjs';

const c = new Api(C);
const DAY = 86_400;
const REWARD = SUITE_PROGRAM.birthday_reward;
// UTC−5 all year (POSIX sign): 09:00 there is 14:00 UTC, so a reward at
// 09:00 UTC or at the server's midnight would be caught.
const ZONE = 'Etc/GMT+5';
const OFFSET = -5 * 3_600;

before(() => ensureSuiteProgram(C));

/** A token minted on the server's clock (the suite's clock may be days ahead of this machine's). */
const tokenFor = async (id) => c.token(id, { iat: await serverNow() });

async function me(id) {
  const res = await c.me(id, { token: await tokenFor(id) });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** The shopper saves a birthday `days` days after the server's now (local date), with `mutate` applied. */
async function giveBirthday(id, days, mutate = () => {}) {
  const now = await serverNow();
  const date = new Date((now + days * DAY + OFFSET) * 1000).toISOString().slice(0, 10);
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = ZONE;
  p.expiry_reminder_days = [];
  p.birthday = date.slice(5);
  mutate(p);
  const res = await c.putPreferences(id, p, { token: await tokenFor(id) });
  assert.equal(res.status, 200, res.text);
  // 09:00 local on that date, in unix seconds
  return { date, at: Date.parse(`${date}T09:00:00Z`) / 1000 - OFFSET };
}

/** The date a birthday celebrated on `date` is celebrated on the next year (Feb 29 → Feb 28). */
function nextYearOf(date) {
  const [y, m, d] = date.split('-').map(Number);
  return `${y + 1}-${String(m).padStart(2, '0')}-${String(Math.min(d, daysInMonth(y + 1, m))).padStart(2, '0')}`;
}

const rewardEntries = async (id) =>
  (await c.customerOk(id)).ledger.filter((e) => e.description === 'Birthday reward');

const reminders = async (id, kind) =>
  (await deliveries(id)).map((d) => JSON.parse(d.body)).filter((e) => e.type === 'reminder.due' && e.data.kind === kind);

test('at 09:00 on the birthday in the shopper\'s zone: the points, their entry, their expiry, and a birthday_reward reminder', async () => {
  const id = customerId('bday-clock');
  const quiet = customerId('bday-clock'); // reward_updates off: credited, not told
  const late = customerId('bday-clock'); // set 10 days before: passed over this year
  const { date, at } = await giveBirthday(id, 40);
  await giveBirthday(quiet, 40, (p) => { p.topics.reward_updates = false; });
  const lateDay = await giveBirthday(late, 10);
  assert.deepEqual((await me(id)).loyalty.birthday_reward, { points: REWARD.points, on: date });

  await advance(at - 120 - (await serverNow()));
  assert.equal((await me(late)).loyalty.balance, 0, 'the late one\'s birthday has passed without a reward');
  assert.deepEqual(await rewardEntries(late), []);
  let view = await me(id);
  assert.equal(view.loyalty.balance, 0, 'two minutes before 09:00: nothing yet');
  assert.deepEqual(view.loyalty.birthday_reward, { points: REWARD.points, on: date });
  assert.deepEqual(await rewardEntries(id), []);

  await advance(240);
  const expiresAt = instant((at + REWARD.expires_in_days * DAY) * 1000);
  const got = await waitFor(id, (g) => g.some((d) => JSON.parse(d.body).type === 'reminder.due'), 'the birthday_reward reminder', 30_000);
  const [reminder] = got.map((d) => JSON.parse(d.body)).filter((e) => e.type === 'reminder.due');
  assert.equal(reminder.data.kind, 'birthday_reward');
  assert.equal(reminder.data.topic, 'reward_updates');
  assert.equal(reminder.data.send_at, instant(at * 1000), 'decided at its instant, outside quiet time');
  assert.equal(reminder.data.channel, 'email');
  assert.deepEqual(reminder.data.data, { points: REWARD.points, expires_at: expiresAt });

  view = await me(id);
  assert.equal(view.loyalty.balance, REWARD.points, 'available at once');
  assert.equal(view.loyalty.lifetime_earned, REWARD.points);
  assert.equal(view.loyalty.qualifying_points, 0, 'not in the tier metric');
  assert.deepEqual(view.loyalty.expiring, [{ points: REWARD.points, expires_at: expiresAt }]);
  assert.deepEqual(view.loyalty.birthday_reward, { points: REWARD.points, on: nextYearOf(date) }, 'next: next year\'s');
  const entries = await rewardEntries(id);
  assert.equal(entries.length, 1, JSON.stringify(entries));
  assert.equal(entries[0].kind, 'adjust');
  assert.equal(entries[0].points, REWARD.points);
  assert.equal(entries[0].at, instant(at * 1000), 'dated 09:00 local');
  const activity = await c.activity(id, '', { token: await tokenFor(id) });
  assert.equal(activity.status, 200, activity.text);
  assert.equal(activity.body.items[0].description, 'Birthday reward');

  const outbox = await c.outbox(500);
  assert.equal(outbox.status, 200, outbox.text);
  const item = outbox.body.items.find((x) => x.customer_id === id && x.kind === 'birthday_reward');
  assert.ok(item, 'in the outbox too');
  const { customer_id: owner, ...rest } = item;
  assert.equal(owner, id);
  assert.deepEqual(rest, reminder.data, 'the event carries the outbox item');

  // reward_updates off: the same points, no reminder (a write runs the
  // customer's reminders now, whatever the scheduler did)
  assert.equal((await c.message(quiet, { topic: 'order_updates' })).status, 200);
  assert.equal((await me(quiet)).loyalty.balance, REWARD.points);
  assert.equal((await rewardEntries(quiet)).length, 1);
  await sleep(1_000);
  assert.deepEqual(await reminders(quiet, 'birthday_reward'), [], 'suppressed by the topic switch');
  assert.ok(!(await c.outbox(500)).body.items.some((x) => x.customer_id === quiet), 'nothing in the outbox');

  // the late one: next year's, no entry this year
  assert.equal((await c.message(late, { topic: 'order_updates' })).status, 200);
  assert.deepEqual(await rewardEntries(late), []);
  assert.equal((await me(late)).loyalty.birthday_reward.on, nextYearOf(lateDay.date));
  assert.deepEqual(await reminders(late, 'birthday_reward'), []);
});

noServerErrorsTest();
