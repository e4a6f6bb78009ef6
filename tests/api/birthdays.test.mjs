// Birthdays (SPEC 2.7, 3.3, 3.4): the preferences' birthday, set once by
// the shopper and then locked for 365 days (422 birthday_locked), always
// changeable by the merchant; required in every PUT (422, after the 412 of
// a stale If-Match); /v1/me's loyalty.birthday_reward; the program's
// birthday_reward and default_preferences.birthday checks. The reward's
// credit at 09:00 needs the server's clock: birthdays.clock.mjs.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B, C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, DEFAULT_PROGRAM, SUITE_PROGRAM, clone } from './lib/program.mjs';
import { addDays, today, daysInMonth } from './lib/time.mjs';
import { waitForCount } from './lib/webhooks.mjs';

const a = new Api(A);
const b = new Api(B);
const c = new Api(C);

before(async () => {
  await ensureSuiteProgram();
  await ensureSuiteProgram(C);
});

const prefs = (birthday, mutate = () => {}) => {
  const p = clone(DEFAULT_PREFERENCES);
  p.birthday = birthday;
  mutate(p);
  return p;
};

/** Puts the shopper's preferences and asserts 200. */
async function shopperPut(api, id, doc) {
  const res = await api.putPreferences(id, doc);
  assert.equal(res.status, 200, `shopper PUT birthday ${doc.birthday} → ${res.status} ${res.text}`);
  return res;
}

/** Puts the preferences as the merchant and asserts 200. */
async function merchantPut(api, id, doc) {
  const res = await api.putCustomerPreferences(id, doc);
  assert.equal(res.status, 200, `merchant PUT birthday ${doc.birthday} → ${res.status} ${res.text}`);
  return res;
}

/** The date a `MM-DD` birthday is celebrated on in `year` (Feb 29 → Feb 28 outside leap years). */
function celebrated(mmdd, year) {
  const [m, d] = mmdd.split('-').map(Number);
  return `${year}-${String(m).padStart(2, '0')}-${String(Math.min(d, daysInMonth(year, m))).padStart(2, '0')}`;
}

test('the shopper sets a birthday once; another date or null within 365 days → 422 birthday_locked', async () => {
  const id = customerId('bday');
  assert.equal((await a.preferences(id)).body.birthday, null, 'null by default');
  await shopperPut(a, id, prefs('03-14'));
  assert.equal((await a.preferences(id)).body.birthday, '03-14');
  for (const other of ['03-15', '12-31', null]) {
    const p = assertProblem(await a.putPreferences(id, prefs(other)), 422, 'birthday_locked', `to ${other}`);
    assert.ok(p.detail.length > 0);
  }
  // the same birthday with other changes is no change of the birthday
  await shopperPut(a, id, prefs('03-14', (p) => { p.locale = 'en-GB'; }));
  const got = (await a.preferences(id)).body;
  assert.equal(got.birthday, '03-14');
  assert.equal(got.locale, 'en-GB');
  // a refused change changed nothing else either
  assertProblem(await a.putPreferences(id, prefs('04-01', (p) => { p.locale = 'de'; })), 422, 'birthday_locked');
  assert.equal((await a.preferences(id)).body.locale, 'en-GB');
});

test('the merchant may always change it, without counting toward the shopper\'s limit', async () => {
  const id = customerId('bday');
  await merchantPut(a, id, prefs('05-01'));
  await merchantPut(a, id, prefs('05-02'));
  // never set by the shopper: the shopper may change the merchant's date once
  await shopperPut(a, id, prefs('05-03'));
  assertProblem(await a.putPreferences(id, prefs('05-04')), 422, 'birthday_locked', 'the shopper\'s second change');
  await merchantPut(a, id, prefs('06-01'));
  assert.equal((await a.preferences(id)).body.birthday, '06-01');
  assertProblem(await a.putPreferences(id, prefs('06-02')), 422, 'birthday_locked', 'still locked after the merchant\'s change');
  await merchantPut(a, id, prefs(null));
  assert.equal((await a.customerOk(id)).preferences.birthday, null, 'the merchant may clear it');
  // null again: the shopper may set it whenever it is null, and that
  // counts as their change
  await shopperPut(a, id, prefs('07-07'));
  assertProblem(await a.putPreferences(id, prefs('07-08')), 422, 'birthday_locked', 'changed again');
});

test('a PUT without birthday → 422 naming it, for shopper and merchant; bad values → 422; 02-29 is a birthday', async () => {
  const id = customerId('bday');
  const without = prefs(null);
  delete without.birthday;
  for (const res of [await a.putPreferences(id, without), await a.putCustomerPreferences(id, without)]) {
    const p = assertProblem(res, 422, 'validation_failed', 'birthday left out');
    assert.ok(p.errors.some((e) => e.field === 'birthday'), JSON.stringify(p.errors));
  }
  for (const bad of ['02-30', '04-31', '13-01', '00-10', '1-05', '01/05', '2027-01-05', '', 314, true]) {
    const p = assertProblem(await a.putPreferences(id, prefs(bad)), 422, 'validation_failed', `birthday ${JSON.stringify(bad)}`);
    assert.ok(p.errors.some((e) => e.field === 'birthday'), `${JSON.stringify(bad)}: ${JSON.stringify(p.errors)}`);
  }
  assertProblem(await a.putPreferences(id, { ...prefs(null), birthdate: '01-01' }), 400, 'unknown_field', 'unknown field before the 422');
  assert.equal((await a.preferences(id)).body.birthday, null, 'nothing was stored');
  await shopperPut(a, id, prefs('02-29'));
  assert.equal((await a.meOk(id)).preferences.birthday, '02-29');
});

test('a stale If-Match → 412, before the 422 of a missing birthday and of birthday_locked', async () => {
  const id = customerId('bday');
  const first = await a.preferences(id);
  await shopperPut(a, id, prefs('08-08'));
  const without = prefs(null);
  delete without.birthday;
  assertProblem(await a.putPreferences(id, without, { ifMatch: first.headers.etag }), 412, 'precondition_failed', 'stale, birthday left out');
  assertProblem(await a.putPreferences(id, prefs('08-09'), { ifMatch: first.headers.etag }), 412, 'precondition_failed', 'stale, locked change');
  const now = await a.preferences(id);
  assertProblem(await a.putPreferences(id, without, { ifMatch: now.headers.etag }), 422, 'validation_failed', 'fresh, birthday left out');
  assertProblem(await a.putPreferences(id, prefs('08-09'), { ifMatch: now.headers.etag }), 422, 'birthday_locked', 'fresh, locked change');
});

test('a birthday change is a preferences.updated with no consent record', async () => {
  const id = customerId('bday-events');
  await merchantPut(c, id, prefs(null, (p) => { p.expiry_reminder_days = []; }));
  await shopperPut(c, id, prefs('09-09', (p) => { p.expiry_reminder_days = []; }));
  const events = (await waitForCount(id, 2)).map((d) => JSON.parse(d.body));
  assert.deepEqual(events.map((e) => [e.type, e.data.source]), [['preferences.updated', 'merchant'], ['preferences.updated', 'shopper']]);
  assert.equal(events[1].data.preferences.birthday, '09-09');
  assert.deepEqual(events[1].data.consents, [], 'a birthday is not a consent');
  assert.deepEqual((await c.customerOk(id)).consents, []);
});

test('/v1/me loyalty.birthday_reward: the next reward, past the 30-day notice; null without a birthday or a reward', async () => {
  const reward = SUITE_PROGRAM.birthday_reward;
  const fresh = customerId('bday');
  assert.equal((await a.meOk(fresh)).loyalty.birthday_reward, null, 'no birthday');

  // 60 days ahead: this year's (the 30-day notice is kept)
  const far = customerId('bday');
  const farDate = addDays(today(), 60);
  await shopperPut(a, far, prefs(farDate.slice(5)));
  assert.deepEqual((await a.meOk(far)).loyalty.birthday_reward, { points: reward.points, on: farDate });

  // 10 days ahead: set less than 30 days before, so next year's
  const near = customerId('bday');
  const nearDate = addDays(today(), 10);
  await shopperPut(a, near, prefs(nearDate.slice(5)));
  const nextYear = celebrated(nearDate.slice(5), Number(nearDate.slice(0, 4)) + 1);
  assert.deepEqual((await a.meOk(near)).loyalty.birthday_reward, { points: reward.points, on: nextYear });
  assert.equal((await a.meOk(near)).loyalty.balance, 0, 'nothing credited yet');

  // the same customer of a program without a birthday reward
  await shopperPut(b, far, prefs(farDate.slice(5)));
  assert.equal((await b.meOk(far)).loyalty.birthday_reward, null, 'the program has none');
  assert.deepEqual((await a.customerOk(far)).loyalty.birthday_reward, { points: reward.points, on: farDate }, 'the admin view has it too');
});

test('the program\'s birthday_reward: null or {points ≥ 1, expires_in_days 1..=36500}, both required; default_preferences.birthday must be null', async () => {
  const base = clone(DEFAULT_PROGRAM);
  for (const [value, field] of [
    [{ points: 0, expires_in_days: 30 }, 'birthday_reward.points'],
    [{ points: -5, expires_in_days: 30 }, 'birthday_reward.points'],
    [{ points: 10, expires_in_days: 0 }, 'birthday_reward.expires_in_days'],
    [{ points: 10, expires_in_days: 36_501 }, 'birthday_reward.expires_in_days'],
    [{ points: 10 }, 'birthday_reward'],
    [{ expires_in_days: 10 }, 'birthday_reward'],
    [5, 'birthday_reward'],
  ]) {
    const p = assertProblem(await b.putProgram({ ...base, birthday_reward: value }), 422, 'validation_failed', JSON.stringify(value));
    assert.ok(p.errors.some((e) => e.field.startsWith(field)), `${JSON.stringify(value)}: ${JSON.stringify(p.errors)}`);
  }
  assertProblem(await b.putProgram({ ...base, birthday_reward: { points: 1, expires_in_days: 1, extra: 1 } }), 400, 'unknown_field');
  const everyone = { ...base, default_preferences: { ...base.default_preferences, birthday: '01-01' } };
  const p = assertProblem(await b.putProgram(everyone), 422, 'validation_failed', 'a default birthday');
  assert.ok(p.errors.some((e) => e.field === 'default_preferences.birthday'), JSON.stringify(p.errors));
  const got = await b.program();
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, DEFAULT_PROGRAM, 'the refused programs changed nothing');
  assert.deepEqual((await a.program()).body.birthday_reward, SUITE_PROGRAM.birthday_reward, 'GET shows what was put');
});

noServerErrorsTest();
