// Errors and limits (SPEC 3.1): the order of checks 401 → idempotency 400
// → 413 → 415 → invalid_json 400 → unknown_field 400 → rules, the 64 KiB
// body limit, and problem+json on every error.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { A, BASE_URL } from './lib/env.mjs';
import { noServerErrorsTest, makeAgent } from './lib/http.mjs';
import { Api, orderPaid } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { instant } from './lib/time.mjs';

const a = new Api(A);
const enc = encodeURIComponent;
const LIMIT = 64 * 1024;

before(ensureSuiteProgram);

const json = { 'Content-Type': 'application/json' };
/** A JSON body of exactly `size` bytes: `value` padded with trailing spaces. */
function padded(value, size) {
  const text = JSON.stringify(value);
  assert.ok(text.length <= size);
  return text + ' '.repeat(size - text.length);
}
const tooBig = () => padded(orderPaid(uid('o'), 1000), LIMIT + 1);

function eventsPath(c) {
  return `/v1/admin/customers/${enc(c)}/events`;
}

test('order of checks on an admin POST: each earlier check wins over every later one', async () => {
  const c = customerId('order');
  const path = eventsPath(c);
  // everything wrong: no key, too big, wrong type, not JSON, unknown field, bad rule
  const allWrong = `{"type":"order_paid","order_id":"x","amount_minor":-1,"currency":"RUB","bogus":1,${' '.repeat(LIMIT)}`;
  assertProblem(await a.admin('POST', path, { apiKey: null, body: allWrong, headers: { 'Content-Type': 'text/plain' } }), 401, 'invalid_api_key', '401 first');
  assertProblem(await a.admin('POST', path, { body: allWrong, headers: { 'Content-Type': 'text/plain' } }), 400, 'idempotency_key_required', 'then the key');
  assertProblem(await a.admin('POST', path, { key: 'bad key', body: allWrong, headers: { 'Content-Type': 'text/plain' } }), 400, 'idempotency_key_invalid', 'then the key (malformed)');
  assertProblem(await a.admin('POST', path, { key: newKey(), body: allWrong, headers: { 'Content-Type': 'text/plain' } }), 413, 'payload_too_large', 'then the size');
  const notJson = '{"type":"order_paid","order_id":"x","amount_minor":-1,"currency":"RUB","bogus":1,';
  assertProblem(await a.admin('POST', path, { key: newKey(), body: notJson, headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type', 'then the content type');
  assertProblem(await a.admin('POST', path, { key: newKey(), body: notJson, headers: json }), 400, 'invalid_json', 'then JSON');
  const unknownAndBad = { type: 'order_paid', order_id: uid('o'), amount_minor: -1, currency: 'RUB', bogus: 1 };
  assertProblem(await a.event(c, unknownAndBad), 400, 'unknown_field', 'then unknown fields');
  assertProblem(await a.event(c, { type: 'order_paid', order_id: uid('o'), amount_minor: -1, currency: 'RUB' }), 422, 'validation_failed', 'then the rules');
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending + me.loyalty.balance, 0, 'no refused request changed anything');
});

test('order of checks on a shopper POST', async () => {
  const c = customerId('order');
  const big = padded({ reward_id: 'r-fixed' }, LIMIT + 1);
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { token: null, body: big, headers: { 'Content-Type': 'text/plain' } }), 401, 'invalid_token', '401 first');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { body: big, headers: { 'Content-Type': 'text/plain' } }), 400, 'idempotency_key_required');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), body: big, headers: { 'Content-Type': 'text/plain' } }), 413, 'payload_too_large');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), body: '{"reward_id": ', headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), body: '{"reward_id": ', headers: json }), 400, 'invalid_json');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), json: { reward_id: 'no-such-reward', extra: true } }), 400, 'unknown_field');
  assertProblem(await a.redeem(c, 'no-such-reward'), 404, 'reward_not_found');
});

test('order of checks on PUT /v1/me/preferences (no idempotency key needed)', async () => {
  const c = customerId('order');
  const doc = clone(DEFAULT_PREFERENCES);
  const big = padded(doc, LIMIT + 1);
  assertProblem(await a.shopper(c, 'PUT', '/v1/me/preferences', { token: null, body: big, headers: json }), 401, 'invalid_token');
  assertProblem(await a.shopper(c, 'PUT', '/v1/me/preferences', { body: big, headers: { 'Content-Type': 'text/plain' } }), 413, 'payload_too_large');
  assertProblem(await a.shopper(c, 'PUT', '/v1/me/preferences', { body: '{', headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type');
  assertProblem(await a.shopper(c, 'PUT', '/v1/me/preferences', { body: '{', headers: json }), 400, 'invalid_json');
  const unknown = { ...clone(doc), max_per_week: 99, favourite_colour: 'blue' };
  assertProblem(await a.putPreferences(c, unknown), 400, 'unknown_field');
  assertProblem(await a.putPreferences(c, { ...clone(doc), max_per_week: 99 }), 422, 'validation_failed');
  const ok = await a.putPreferences(c, doc);
  assert.equal(ok.status, 200, ok.text);
});

test('order of checks on PUT /v1/admin/program', async () => {
  assertProblem(await a.admin('PUT', '/v1/admin/program', { apiKey: null, body: '{', headers: { 'Content-Type': 'text/plain' } }), 401, 'invalid_api_key');
  assertProblem(await a.admin('PUT', '/v1/admin/program', { body: padded({}, LIMIT + 1), headers: json }), 413, 'payload_too_large');
  assertProblem(await a.admin('PUT', '/v1/admin/program', { body: '{}', headers: { 'Content-Type': 'application/xml' } }), 415, 'unsupported_media_type');
  assertProblem(await a.admin('PUT', '/v1/admin/program', { body: '{"currency": RUB}', headers: json }), 400, 'invalid_json');
  assertProblem(await a.putProgram({ earn: { points: 1, per_amount_minor: 100, bonus: 2 } }), 400, 'unknown_field', 'unknown field at depth');
});

test('a body of 64 KiB + 1 byte → 413 payload_too_large; exactly 64 KiB is read', async () => {
  const c = customerId('size');
  assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body: tooBig(), headers: json }), 413, 'payload_too_large', 'with Content-Length');
  assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body: tooBig(), headers: json, chunked: true }), 413, 'payload_too_large', 'chunked');
  const exact = padded(orderPaid(uid('o'), 10_000), LIMIT);
  assert.equal(Buffer.byteLength(exact), LIMIT);
  const res = await a.admin('POST', eventsPath(c), { key: newKey(), body: exact, headers: json });
  assert.equal(res.status, 200, `exactly 64 KiB: ${res.text.slice(0, 300)}`);
  assert.equal(res.body.customer.loyalty.pending, 100);
  const res2 = await a.admin('POST', eventsPath(c), { key: newKey(), body: padded(orderPaid(uid('o'), 20_000), LIMIT), headers: json, chunked: true });
  assert.equal(res2.status, 200, `exactly 64 KiB chunked: ${res2.text.slice(0, 300)}`);
  assert.equal((await a.meOk(c)).loyalty.pending, 300, 'the refused bodies changed nothing');
});

test('content type: application/json with a charset is accepted; none, text/plain or form → 415', async () => {
  const c = customerId('ctype');
  const body = JSON.stringify(orderPaid(uid('o'), 1000));
  const ok = await a.admin('POST', eventsPath(c), { key: newKey(), body, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  assert.equal(ok.status, 200, ok.text);
  assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body }), 415, 'unsupported_media_type', 'no Content-Type');
  assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', 'form');
  assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body, headers: { 'Content-Type': 'text/json' } }), 415, 'unsupported_media_type', 'text/json');
});

test('invalid JSON: syntax, not an object, invalid UTF-8 → 400 invalid_json', async () => {
  const c = customerId('json');
  for (const [name, body] of [
    ['truncated', '{"type": "order_paid"'],
    ['trailing garbage', '{"type": "points_adjusted", "points": 1, "reason": "x"} x'],
    ['empty body', ''],
    ['single quotes', "{'type': 'order_paid'}"],
  ]) {
    assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body, headers: json }), 400, 'invalid_json', name);
  }
  const badUtf8 = Buffer.concat([Buffer.from('{"type":"points_adjusted","points":1,"reason":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  assertProblem(await a.admin('POST', eventsPath(c), { key: newKey(), body: badUtf8, headers: json }), 400, 'invalid_json', 'invalid UTF-8');
});

test('validation errors name their fields', async () => {
  const c = customerId('val');
  const cases = [
    ['amount 0', orderPaid(uid('o'), 0)],
    ['amount above 10^12', orderPaid(uid('o'), 1_000_000_000_001)],
    ['another currency', orderPaid(uid('o'), 1000, { currency: 'USD' })],
    ['paid_at 10 minutes ahead', orderPaid(uid('o'), 1000, { paid_at: instant(Date.now() + 10 * 60_000) })],
    ['paid_at not an instant', orderPaid(uid('o'), 1000, { paid_at: 'yesterday' })],
    ['order without order_id', { type: 'order_paid', amount_minor: 1000, currency: 'RUB' }],
    ['rating 0', { type: 'review_submitted', product_id: 'p', rating: 0 }],
    ['rating 6', { type: 'review_submitted', product_id: 'p', rating: 6 }],
    ['adjustment at 10 minutes ahead', { type: 'points_adjusted', points: 5, reason: 'x', at: instant(Date.now() + 10 * 60_000) }],
  ];
  for (const [name, ev] of cases) assertProblem(await a.event(c, ev), 422, 'validation_failed', name);
  const me = await a.meOk(c);
  assert.equal(me.loyalty.balance + me.loyalty.pending, 0);
});

test('an unknown event type is refused (4xx problem), nothing changes', async () => {
  const c = customerId('val');
  const res = await a.event(c, { type: 'order_teleported', order_id: 'x' });
  assert.ok(res.status === 400 || res.status === 422, `${res.status} ${res.text}`);
  assertProblem(res, res.status, res.body?.code);
  assert.ok(['validation_failed', 'unknown_field'].includes(res.body.code), res.text);
});

test('a paid_at up to 5 minutes ahead is accepted (clock skew)', async () => {
  const c = customerId('val');
  const res = await a.event(c, orderPaid(uid('o'), 1000, { paid_at: instant(Date.now() + 2 * 60_000) }));
  assert.equal(res.status, 200, res.text);
});

test('paid_at accepts any RFC 3339 offset and answers in UTC', async () => {
  const c = customerId('val');
  // 40 days ago at 12:00 UTC, written as 15:00+03:00
  const d = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
  const res = await a.event(c, orderPaid(uid('o'), 7_700, { paid_at: `${d}T15:00:00+03:00` }));
  assert.equal(res.status, 200, res.text);
  const act = await a.activity(c);
  const earn = act.body.items.find((i) => i.kind === 'earn');
  assert.equal(earn.at, `${d}T12:00:00Z`);
});

test('after a 413 the connection is either announced closed (Connection: close) or still usable', async () => {
  const agent = makeAgent(1); // one connection: the next request reuses it unless the server said close
  try {
    const c = customerId('size');
    const big = await a.admin('POST', eventsPath(c), { agent, key: newKey(), body: 'x'.repeat(200_000), headers: json });
    assertProblem(big, 413, 'payload_too_large');
    let next;
    try {
      next = await a.admin('GET', '/v1/admin/program', { agent });
    } catch (e) {
      assert.fail(`the request after a 413 on the same keep-alive connection failed (${e.code ?? e.message}); `
        + `the 413 had Connection: ${big.headers.connection ?? '(none)'}: a server that does not read the rest of the body must say Connection: close`);
    }
    assert.equal(next.status, 200);
  } finally {
    agent.destroy();
  }
});

test('a body cut short (connection half-closed before Content-Length) → 400 problem+json', { skip: !BASE_URL.startsWith('http:') && 'plain HTTP only' }, async () => {
  const url = new URL(BASE_URL);
  const raw = await new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port || 80), url.hostname, () => {
      socket.write([
        `POST ${url.pathname.replace(/\/$/, '')}/v1/admin/customers/${customerId('cut')}/events HTTP/1.1`,
        `Host: ${url.host}`,
        `Authorization: Bearer ${A.api_key}`,
        `Idempotency-Key: ${newKey()}`,
        'Content-Type: application/json',
        'Content-Length: 100',
        'Connection: close',
        '',
        '{"type":"points_adjusted"',
      ].join('\r\n'));
      socket.end(); // half-close: the answer can still be read
    });
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (d) => { text += d; });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  const [head, body] = raw.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 400 /, raw.slice(0, 200));
  assert.match(head, /\r\ncontent-type: application\/problem\+json/i, `problem+json expected: ${JSON.stringify(raw.slice(0, 300))}`);
  assert.equal(typeof JSON.parse(body).code, 'string');
});

noServerErrorsTest();
