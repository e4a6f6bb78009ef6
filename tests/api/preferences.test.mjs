// Contact preferences (SPEC 2.6, 3.3): GET/PUT with ETag and If-Match,
// validation, consent records.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { INSTANT_RE } from './lib/time.mjs';

const a = new Api(A);

before(ensureSuiteProgram);

const prefs = (mutate = () => {}) => {
  const p = clone(DEFAULT_PREFERENCES);
  mutate(p);
  return p;
};

test('GET /v1/me/preferences: the program\'s defaults with an ETag for a customer who never saved', async () => {
  const c = customerId('prefs');
  const res = await a.preferences(c);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, DEFAULT_PREFERENCES);
  assert.ok(res.headers.etag, 'ETag header');
});

test('PUT stores the whole document and answers a new ETag; GET shows it with that ETag', async () => {
  const c = customerId('prefs');
  const before = await a.preferences(c);
  const doc = prefs((p) => {
    p.channels.telegram.enabled = true;
    p.channel_order = ['telegram', 'email', 'sms', 'whatsapp', 'viber', 'push'];
    p.topics.recommendations = false;
    p.max_per_week = 3;
    p.time_zone = 'Asia/Yekaterinburg';
    p.quiet_hours = { start: '22:30', end: '07:15' };
    p.snoozed_until = '2031-05-01T10:00:00Z';
    p.expiry_reminder_days = [14, 3, 1];
    p.locale = 'en-GB';
  });
  const put = await a.putPreferences(c, doc, { ifMatch: before.headers.etag });
  assert.equal(put.status, 200, put.text);
  assert.ok(put.headers.etag);
  assert.notEqual(put.headers.etag, before.headers.etag, 'a new ETag');
  const get = await a.preferences(c);
  assert.deepEqual(get.body, doc);
  assert.equal(get.headers.etag, put.headers.etag);
  assert.deepEqual((await a.meOk(c)).preferences, doc, 'GET /v1/me shows them too');
});

test('snoozed_until given with an offset is stored as the same instant', async () => {
  const c = customerId('prefs');
  const put = await a.putPreferences(c, prefs((p) => { p.snoozed_until = '2031-05-01T13:00:00+03:00'; }));
  assert.equal(put.status, 200, put.text);
  const got = (await a.preferences(c)).body.snoozed_until;
  assert.match(got, INSTANT_RE);
  assert.equal(Date.parse(got), Date.parse('2031-05-01T10:00:00Z'));
});

test('PUT without If-Match is accepted (the header is optional)', async () => {
  const c = customerId('prefs');
  const put = await a.putPreferences(c, prefs((p) => { p.max_per_week = 2; }));
  assert.equal(put.status, 200, put.text);
  assert.equal((await a.preferences(c)).body.max_per_week, 2);
});

test('a stale If-Match → 412 precondition_failed, checked before 422', async () => {
  const c = customerId('prefs');
  const first = await a.preferences(c);
  const put = await a.putPreferences(c, prefs((p) => { p.locale = 'en'; }), { ifMatch: first.headers.etag });
  assert.equal(put.status, 200, put.text);
  assertProblem(await a.putPreferences(c, prefs((p) => { p.locale = 'de'; }), { ifMatch: first.headers.etag }), 412, 'precondition_failed', 'stale ETag');
  assertProblem(await a.putPreferences(c, prefs((p) => { p.max_per_week = 0; }), { ifMatch: first.headers.etag }), 412, 'precondition_failed', 'stale ETag and an invalid document');
  assertProblem(await a.putPreferences(c, prefs(), { ifMatch: '"made-up"' }), 412, 'precondition_failed', 'made-up ETag');
  assert.equal((await a.preferences(c)).body.locale, 'en', 'nothing changed');
  const ok = await a.putPreferences(c, prefs((p) => { p.locale = 'de'; }), { ifMatch: put.headers.etag });
  assert.equal(ok.status, 200, ok.text);
});

test('a missing field → 422 validation_failed (the whole document is required)', async () => {
  const c = customerId('prefs');
  for (const field of Object.keys(DEFAULT_PREFERENCES)) {
    const doc = prefs((p) => { delete p[field]; });
    assertProblem(await a.putPreferences(c, doc), 422, 'validation_failed', `without ${field}`);
  }
  assertProblem(await a.putPreferences(c, prefs((p) => { delete p.channels.push; })), 422, 'validation_failed', 'without channels.push');
  assertProblem(await a.putPreferences(c, prefs((p) => { delete p.topics.new_products; })), 422, 'validation_failed', 'without topics.new_products');
  assert.deepEqual((await a.preferences(c)).body, DEFAULT_PREFERENCES);
});

test('invalid values → 422 validation_failed', async () => {
  const c = customerId('prefs');
  const cases = [
    ['order_updates off', (p) => { p.topics.order_updates = false; }],
    ['subscription_updates off', (p) => { p.topics.subscription_updates = false; }],
    ['max_per_week 0', (p) => { p.max_per_week = 0; }],
    ['max_per_week 22', (p) => { p.max_per_week = 22; }],
    ['unknown time zone', (p) => { p.time_zone = 'Mars/Olympus_Mons'; }],
    ['quiet hours start = end', (p) => { p.quiet_hours = { start: '22:00', end: '22:00' }; }],
    ['quiet hours 25:00', (p) => { p.quiet_hours = { start: '25:00', end: '07:00' }; }],
    ['four reminder lead times', (p) => { p.expiry_reminder_days = [30, 14, 7, 1]; }],
    ['duplicate reminder lead times', (p) => { p.expiry_reminder_days = [7, 7]; }],
    ['lead time 0', (p) => { p.expiry_reminder_days = [0]; }],
    ['lead time 91', (p) => { p.expiry_reminder_days = [91]; }],
    ['channel twice in channel_order', (p) => { p.channel_order = ['email', 'email', 'sms', 'whatsapp', 'telegram', 'viber']; }],
    ['locale not a language tag', (p) => { p.locale = 'русский'; }],
    ['snoozed_until not an instant', (p) => { p.snoozed_until = 'next week'; }],
  ];
  for (const [name, mutate] of cases) {
    assertProblem(await a.putPreferences(c, prefs(mutate)), 422, 'validation_failed', name);
  }
  assert.deepEqual((await a.preferences(c)).body, DEFAULT_PREFERENCES);
});

test('an unknown field → 400 unknown_field', async () => {
  const c = customerId('prefs');
  assertProblem(await a.putPreferences(c, { ...prefs(), colour: 'red' }), 400, 'unknown_field', 'top level');
  assertProblem(await a.putPreferences(c, prefs((p) => { p.channels.fax = { enabled: true }; })), 400, 'unknown_field', 'unknown channel');
  assertProblem(await a.putPreferences(c, prefs((p) => { p.topics.gossip = true; })), 400, 'unknown_field', 'unknown topic');
});

test('quiet hours may cross midnight; lead times may be empty', async () => {
  const c = customerId('prefs');
  const doc = prefs((p) => { p.quiet_hours = { start: '23:00', end: '06:00' }; p.expiry_reminder_days = []; });
  const put = await a.putPreferences(c, doc);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual((await a.preferences(c)).body, doc);
});

test('consent records: every change of a channel, topic or the unsubscribe switch, with source shopper or merchant', async () => {
  const c = customerId('consent');
  const t0 = Date.now() - 5_000;
  // first save: sms on, promotions off
  let put = await a.putPreferences(c, prefs((p) => { p.channels.sms.enabled = true; p.topics.promotions = false; p.time_zone = 'Europe/Berlin'; }));
  assert.equal(put.status, 200, put.text);
  let doc = await a.customerOk(c);
  assert.equal(doc.consents.length, 2, `two switches changed: ${JSON.stringify(doc.consents)}`);
  for (const r of doc.consents) {
    assert.equal(r.source, 'shopper');
    assert.equal(typeof r.what, 'string');
    assert.match(r.at, INSTANT_RE);
    assert.ok(Date.parse(r.at) >= t0 && Date.parse(r.at) <= Date.now() + 5_000);
  }
  const pairs = doc.consents.map((r) => [r.old, r.new]).sort();
  assert.deepEqual(pairs, [[false, true], [true, false]]);
  const sms = doc.consents.find((r) => r.new === true);
  assert.match(sms.what, /sms/);
  assert.match(doc.consents.find((r) => r.new === false).what, /promotions/);
  // changing what is not a consent (time zone, quiet hours) adds no record
  put = await a.putPreferences(c, prefs((p) => { p.channels.sms.enabled = true; p.topics.promotions = false; p.time_zone = 'Asia/Tokyo'; p.quiet_hours = { start: '22:00', end: '08:00' }; }));
  assert.equal(put.status, 200, put.text);
  assert.equal((await a.customerOk(c)).consents.length, 2);
  // the merchant records an SMS STOP and an unsubscribe
  const mput = await a.putCustomerPreferences(c, prefs((p) => { p.topics.promotions = false; p.marketing_unsubscribed = true; p.time_zone = 'Asia/Tokyo'; p.quiet_hours = { start: '22:00', end: '08:00' }; }));
  assert.equal(mput.status, 200, mput.text);
  assert.ok(mput.headers.etag, 'the admin PUT answers an ETag too');
  doc = await a.customerOk(c);
  assert.equal(doc.consents.length, 4, JSON.stringify(doc.consents));
  const added = doc.consents.slice(2);
  for (const r of added) assert.equal(r.source, 'merchant');
  assert.deepEqual(added.map((r) => [r.old, r.new]).sort(), [[false, true], [true, false]]);
  assert.deepEqual(doc.consents.slice(0, 2), (await a.customerOk(c)).consents.slice(0, 2), 'earlier records unchanged');
  assert.ok(doc.consents.every((r, i) => i === 0 || Date.parse(doc.consents[i - 1].at) <= Date.parse(r.at)), 'oldest first');
  // the shopper sees the merchant's change
  assert.equal((await a.preferences(c)).body.marketing_unsubscribed, true);
  assert.equal((await a.preferences(c)).body.channels.sms.enabled, false);
});

test('the admin PUT honours If-Match against the shopper\'s ETag', async () => {
  const c = customerId('consent');
  const g = await a.preferences(c);
  const put = await a.putPreferences(c, prefs((p) => { p.locale = 'en'; }), { ifMatch: g.headers.etag });
  assert.equal(put.status, 200, put.text);
  assertProblem(await a.putCustomerPreferences(c, prefs(), { ifMatch: g.headers.etag }), 412, 'precondition_failed');
  const ok = await a.putCustomerPreferences(c, prefs((p) => { p.locale = 'fr'; }), { ifMatch: put.headers.etag });
  assert.equal(ok.status, 200, ok.text);
  assertProblem(await a.putCustomerPreferences(c, prefs((p) => { delete p.locale; })), 422, 'validation_failed', 'missing field');
});

noServerErrorsTest();
