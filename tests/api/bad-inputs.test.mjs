// A catalogue of bad inputs (each runs on every platform): malformed and
// truncated JSON, wrong types, huge numbers and i64 overflow, negative and
// zero amounts, impossible dates and instants, unknown fields, oversized
// strings, control characters and invalid UTF-8, bad idempotency keys,
// path traversal and encoded slashes in ids, every wrong token shape. Each
// gets a 4xx problem+json with its code, and the customer's admin view is
// byte-for-byte what it was before.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './lib/env.mjs';
import { noServerErrorsTest, request } from './lib/http.mjs';
import { Api, subscriptionDoc, subscriptionUpserted, pointsAdjusted, orderPaid } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, newKey, uid } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant } from './lib/time.mjs';
import { mintToken, expiredToken, algNoneToken, hs512Token, unknownMerchantToken, badSubToken, signJwt, nowSeconds } from './lib/jwt.mjs';

const a = new Api(A);
const enc = encodeURIComponent;
const DAY = 86_400_000;
let c; // the customer every case aims at
const SUB = 'sub-bad-inputs';

before(async () => {
  await ensureSuiteProgram();
  c = customerId('bad');
  await a.eventOk(c, pointsAdjusted(500));
  await a.eventOk(c, orderPaid(uid('o'), 12_300, { paid_at: instant(Date.now() - 30 * DAY) }));
  await a.eventOk(c, subscriptionUpserted(subscriptionDoc(SUB, { next_charge_on: instant(Date.now() + 20 * DAY).slice(0, 10) })));
  assert.equal((await a.putCustomerPreferences(c, clone(DEFAULT_PREFERENCES))).status, 200);
});

const json = { 'Content-Type': 'application/json' };
const rawEvent = (body, headers = json) => a.admin('POST', `/v1/admin/customers/${enc(c)}/events`, { key: newKey(), body, headers });
const event = (value) => a.event(c, value);
const order = (extra) => ({ type: 'order_paid', order_id: uid('o'), amount_minor: 1_000, currency: 'RUB', ...extra });
const adjust = (extra) => ({ type: 'points_adjusted', points: 10, reason: 'r', ...extra });
const prefs = (mutate) => { const p = clone(DEFAULT_PREFERENCES); mutate(p); return a.putPreferences(c, p); };
const act = (body) => a.action(c, SUB, body);
const withToken = (token) => a.me(c, { token });
const withAuth = (value) => request('GET', '/v1/me', { headers: { Authorization: value } });
const adminPath = (path) => a.admin('GET', path);

// [what, () => the request, status, code]
const CASES = [
  // ---- JSON itself
  ['malformed JSON', () => rawEvent('{'), 400, 'invalid_json'],
  ['truncated JSON', () => rawEvent('{"type":"order_paid","order_id":"o'), 400, 'invalid_json'],
  ['trailing garbage after JSON', () => rawEvent('{"type":"order_paid"} x'), 400, 'invalid_json'],
  ['a JSON array', () => rawEvent('[]'), 422, 'validation_failed'],
  ['JSON null', () => rawEvent('null'), 422, 'validation_failed'],
  ['a JSON string', () => rawEvent('"order_paid"'), 422, 'validation_failed'],
  ['a JSON number', () => rawEvent('123'), 422, 'validation_failed'],
  ['an empty body', () => rawEvent(''), 400, 'invalid_json'],
  ['invalid UTF-8', () => rawEvent(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'invalid_json'],
  ['a byte-order mark', () => rawEvent(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(order()))])), 400, 'invalid_json'],
  ['nesting 2,000 deep', () => rawEvent(`${'['.repeat(2000)}${']'.repeat(2000)}`), 400, 'invalid_json'],
  ['a duplicated field', () => rawEvent('{"type":"order_paid","order_id":"o-dup","order_id":"o-dup2","amount_minor":100,"currency":"RUB"}'), 400, 'invalid_json'],
  ['text/plain', () => rawEvent(JSON.stringify(order()), { 'Content-Type': 'text/plain' }), 415, 'unsupported_media_type'],
  ['no Content-Type', () => rawEvent(JSON.stringify(order()), {}), 415, 'unsupported_media_type'],
  ['form encoding', () => rawEvent('type=order_paid', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type'],
  // ---- the event's fields
  ['no type', () => event({}), 422, 'validation_failed'],
  ['an unknown type', () => event({ type: 'order_teleported' }), 422, 'validation_failed'],
  ['type as a number', () => event({ type: 7 }), 422, 'validation_failed'],
  ['an unknown field', () => event(order({ coupon: 'X' })), 400, 'unknown_field'],
  ['no order_id', () => event({ type: 'order_paid', amount_minor: 100, currency: 'RUB' }), 422, 'validation_failed'],
  ['an empty order_id', () => event(order({ order_id: '' })), 422, 'validation_failed'],
  ['an order_id of 500 characters', () => event(order({ order_id: 'o'.repeat(500) })), 422, 'validation_failed'],
  ['an order_id with a control character', () => event(order({ order_id: 'o\u0001x' })), 422, 'validation_failed'],
  ['an order_id with a newline', () => event(order({ order_id: 'o\nx' })), 422, 'validation_failed'],
  ['an order_id as a number', () => event(order({ order_id: 12345 })), 422, 'validation_failed'],
  ['amount as a string', () => event(order({ amount_minor: '1000' })), 422, 'validation_failed'],
  ['amount with a fraction', () => event(order({ amount_minor: 10.5 })), 422, 'validation_failed'],
  ['amount 1e30', () => rawEvent('{"type":"order_paid","order_id":"o-big","amount_minor":1e30,"currency":"RUB"}'), 422, 'validation_failed'],
  ['amount past i64', () => rawEvent('{"type":"order_paid","order_id":"o-i64","amount_minor":9223372036854775808,"currency":"RUB"}'), 422, 'validation_failed'],
  ['amount at i64::MAX', () => rawEvent('{"type":"order_paid","order_id":"o-max","amount_minor":9223372036854775807,"currency":"RUB"}'), 422, 'validation_failed'],
  ['a negative amount', () => event(order({ amount_minor: -100 })), 422, 'validation_failed'],
  ['a zero amount', () => event(order({ amount_minor: 0 })), 422, 'validation_failed'],
  ['amount null', () => event(order({ amount_minor: null })), 422, 'validation_failed'],
  ['a lowercase currency', () => event(order({ currency: 'rub' })), 422, 'validation_failed'],
  ['a four-letter currency', () => event(order({ currency: 'RUBL' })), 422, 'validation_failed'],
  ['another currency', () => event(order({ currency: 'USD' })), 422, 'validation_failed'],
  ['paid_at 2026-02-30', () => event(order({ paid_at: '2026-02-30T10:00:00Z' })), 422, 'validation_failed'],
  ['paid_at without a zone', () => event(order({ paid_at: '2026-03-01T10:00:00' })), 422, 'validation_failed'],
  ['paid_at as words', () => event(order({ paid_at: 'yesterday' })), 422, 'validation_failed'],
  ['paid_at as a number', () => event(order({ paid_at: 1700000000 })), 422, 'validation_failed'],
  ['paid_at a day ahead', () => event(order({ paid_at: instant(Date.now() + DAY) })), 422, 'validation_failed'],
  ['paid_at hour 25', () => event(order({ paid_at: '2026-03-01T25:00:00Z' })), 422, 'validation_failed'],
  ['points 0', () => event(adjust({ points: 0 })), 422, 'validation_failed'],
  ['points beyond any balance', () => event(adjust({ points: 10 ** 15 })), 422, 'validation_failed'],
  ['points as a string', () => event(adjust({ points: '10' })), 422, 'validation_failed'],
  ['an empty reason', () => event(adjust({ reason: '' })), 422, 'validation_failed'],
  ['a reason of 10,000 characters', () => event(adjust({ reason: 'r'.repeat(10_000) })), 422, 'validation_failed'],
  ['expires_at in the past', () => event(adjust({ expires_at: instant(Date.now() - DAY) })), 422, 'validation_failed'],
  ['expires_at 2026-04-31', () => event(adjust({ expires_at: '2026-04-31T00:00:00Z' })), 422, 'validation_failed'],
  ['a rating of 6', () => event({ type: 'review_submitted', product_id: 'p', rating: 6 }), 422, 'validation_failed'],
  ['a rating of 0', () => event({ type: 'review_submitted', product_id: 'p', rating: 0 }), 422, 'validation_failed'],
  ['a rating of -1', () => event({ type: 'review_submitted', product_id: 'p', rating: -1 }), 422, 'validation_failed'],
  ['a rating of 300', () => event({ type: 'review_submitted', product_id: 'p', rating: 300 }), 422, 'validation_failed'],
  ['a refund of an unknown order', () => event({ type: 'order_refunded', order_id: uid('o'), amount_minor: 100 }), 404, 'order_not_found'],
  ['a negative refund', () => event({ type: 'order_refunded', order_id: uid('o'), amount_minor: -5 }), 422, 'validation_failed'],
  ['a charge of an unknown subscription', () => event({ type: 'subscription_charged', subscription_id: 'nope', charged_on: '2027-01-31' }), 404, 'subscription_not_found'],
  ['charged_on month 13', () => event({ type: 'subscription_charged', subscription_id: SUB, charged_on: '2027-13-01' }), 422, 'validation_failed'],
  ['an upsert without fields', () => event(subscriptionUpserted({ id: SUB })), 422, 'validation_failed'],
  ['an upsert of quantity 0', () => event(subscriptionUpserted(subscriptionDoc(SUB, { quantity: 0 }))), 422, 'validation_failed'],
  ['an upsert of a negative price', () => event(subscriptionUpserted(subscriptionDoc(SUB, { price_minor: -1 }))), 422, 'validation_failed'],
  // ---- idempotency keys
  ['no Idempotency-Key', () => a.admin('POST', `/v1/admin/customers/${enc(c)}/events`, { json: adjust() }), 400, 'idempotency_key_required'],
  ['an Idempotency-Key with a space', () => a.event(c, adjust(), { key: 'a b' }), 400, 'idempotency_key_invalid'],
  ['an Idempotency-Key of 256 characters', () => a.event(c, adjust(), { key: 'k'.repeat(256) }), 400, 'idempotency_key_invalid'],
  ['an Idempotency-Key with a Latin-1 letter', () => a.event(c, adjust(), { key: 'clé' }), 400, 'idempotency_key_invalid'],
  ['an Idempotency-Key of UTF-8 bytes', () => a.event(c, adjust(), { key: Buffer.from('ключ').toString('latin1') }), 400, 'idempotency_key_invalid'],
  ['an empty Idempotency-Key', () => a.event(c, adjust(), { key: '' }), 400, 'idempotency_key_invalid'],
  // ---- ids in paths
  ['a customer id with traversal', () => adminPath('/v1/admin/customers/..%2F..%2Fetc%2Fpasswd'), 422, 'validation_failed'],
  ['a customer id with an encoded slash', () => adminPath(`/v1/admin/customers/${enc(c)}%2Fx`), 422, 'validation_failed'],
  ['a customer id of 129 characters', () => adminPath(`/v1/admin/customers/${'c'.repeat(129)}`), 422, 'validation_failed'],
  ['a customer id with a space', () => adminPath('/v1/admin/customers/a%20b'), 422, 'validation_failed'],
  ['a customer id in Cyrillic', () => adminPath('/v1/admin/customers/%D0%B0%D0%B1'), 422, 'validation_failed'],
  ['a customer id with a NUL', () => adminPath('/v1/admin/customers/a%00b'), 422, 'validation_failed'],
  ['a malformed escape', () => adminPath('/v1/admin/customers/%zz'), 404, 'not_found'],
  ['an empty customer id', () => a.admin('POST', '/v1/admin/customers//events', { key: newKey(), json: adjust() }), 422, 'validation_failed'],
  ['an extra path segment', () => adminPath(`/v1/admin/customers/${enc(c)}/events/x`), 404, 'not_found'],
  // ---- shopper tokens
  ['no Authorization', () => withToken(null), 401, 'invalid_token'],
  ['an empty bearer', () => withAuth('Bearer '), 401, 'invalid_token'],
  ['Basic credentials', () => withAuth('Basic dXNlcjpwYXNz'), 401, 'invalid_token'],
  ['not a JWT', () => withToken('abc'), 401, 'invalid_token'],
  ['two parts', () => withToken('a.b'), 401, 'invalid_token'],
  ['three garbage parts', () => withToken('a.b.c'), 401, 'invalid_token'],
  ['four parts', () => withToken(`${mintToken(A, c)}.x`), 401, 'invalid_token'],
  ['alg none', () => withToken(algNoneToken(A, c)), 401, 'invalid_token'],
  ['HS512', () => withToken(hs512Token(A, c)), 401, 'invalid_token'],
  ['another secret', () => withToken(mintToken(A, c, { secret: 'x'.repeat(40) })), 401, 'invalid_token'],
  ['expired', () => withToken(expiredToken(A, c)), 401, 'token_expired'],
  ['a lifetime over 24 h', () => withToken(mintToken(A, c, { ttl: 25 * 3600 })), 401, 'invalid_token'],
  ['an unknown issuer', () => withToken(unknownMerchantToken(A, c)), 401, 'invalid_token'],
  ['a sub with a space', () => withToken(badSubToken(A)), 401, 'invalid_token'],
  ['no sub', () => withToken(signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: A.id, iat: nowSeconds(), exp: nowSeconds() + 600 }, A.token_secret)), 401, 'invalid_token'],
  ['exp as a string', () => withToken(signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: A.id, sub: c, iat: nowSeconds(), exp: String(nowSeconds() + 600) }, A.token_secret)), 401, 'invalid_token'],
  ['a wrong API key', () => a.admin('GET', `/v1/admin/customers/${enc(c)}`, { apiKey: 'ak_wrong_wrong_wrong_wrong_wrong_wrong' }), 401, 'invalid_api_key'],
  // ---- the shopper's documents and actions
  ['a channel listed twice', () => prefs((p) => { p.channel_order = ['email', 'email', 'sms', 'whatsapp', 'telegram', 'viber']; }), 422, 'validation_failed'],
  ['an unknown time zone', () => prefs((p) => { p.time_zone = 'Mars/Olympus_Mons'; }), 422, 'validation_failed'],
  ['quiet hours at 25:00', () => prefs((p) => { p.quiet_hours = { start: '25:00', end: '07:00' }; }), 422, 'validation_failed'],
  ['a negative weekly limit', () => prefs((p) => { p.max_per_week = -1; }), 422, 'validation_failed'],
  ['a reminder 0 days ahead', () => prefs((p) => { p.expiry_reminder_days = [0]; }), 422, 'validation_failed'],
  ['an empty locale', () => prefs((p) => { p.locale = ''; }), 422, 'validation_failed'],
  ['a transactional topic off', () => prefs((p) => { p.topics.order_updates = false; }), 422, 'validation_failed'],
  ['an unknown preferences field', () => prefs((p) => { p.favourite_colour = 'blue'; }), 400, 'unknown_field'],
  ['an unknown action', () => act({ action: 'teleport' }), 422, 'validation_failed'],
  ['a pause to 2027-02-30', () => act({ action: 'pause', resume_on: '2027-02-30' }), 422, 'validation_failed'],
  ['a quantity of 1,000', () => act({ action: 'set_quantity', quantity: 1_000 }), 422, 'validation_failed'],
  ['a swap to an unknown variant', () => act({ action: 'swap', variant_id: 'nope' }), 422, 'validation_failed'],
  ['an unknown reward', () => a.redeem(c, 'no-such-reward'), 404, 'reward_not_found'],
  ['a reward id as a number', () => a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), json: { reward_id: 7 } }), 422, 'validation_failed'],
  ['an activity limit of 0', () => a.activity(c, 'limit=0'), 422, 'validation_failed'],
  ['an activity cursor of garbage', () => a.activity(c, 'cursor=%00%01'), 422, 'validation_failed'],
];

test(`${CASES.length} bad inputs: each a 4xx problem+json with its code, the customer unchanged`, async () => {
  assert.ok(CASES.length >= 80, `${CASES.length} cases`);
  const view = async () => (await a.customer(c)).text;
  let before = await view();
  const wrong = [];
  for (const [what, send, status, code] of CASES) {
    try {
      assertProblem(await send(), status, code, what);
    } catch (e) {
      wrong.push(e.message.split('\n')[0]);
    }
    const after = await view();
    if (after !== before) wrong.push(`${what}: the customer changed`);
    before = after;
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${CASES.length} cases went wrong`);
  console.log(`bad-input catalogue: ${CASES.length} cases`);
});

noServerErrorsTest();
