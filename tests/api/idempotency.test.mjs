// Idempotency-Key (SPEC 3.1): required on state-changing POSTs, replays
// answer the stored response with Idempotent-Replayed: true, a reused key
// with another body → 422 idempotency_key_reused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { request, noServerErrorsTest } from './lib/http.mjs';
import { Api, orderPaid, pointsAdjusted, subscriptionUpserted, subscriptionDoc } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram } from './lib/program.mjs';
import { addDays, today } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);

before(ensureSuiteProgram);

const enc = encodeURIComponent;

test('every state-changing POST without Idempotency-Key → 400 idempotency_key_required', async () => {
  const c = customerId('idem');
  const sid = uid('sub');
  await a.eventOk(c, subscriptionUpserted(subscriptionDoc(sid, { next_charge_on: addDays(today(), 20), anchor_day: undefined })));
  const cases = [
    ['events', a.admin('POST', `/v1/admin/customers/${enc(c)}/events`, { json: orderPaid(uid('o'), 1000) })],
    ['messages', a.admin('POST', `/v1/admin/customers/${enc(c)}/messages`, { json: { topic: 'order_updates' } })],
    ['redemptions', a.shopper(c, 'POST', '/v1/me/redemptions', { json: { reward_id: 'r-fixed' } })],
    ['subscription actions', a.shopper(c, 'POST', `/v1/me/subscriptions/${enc(sid)}/actions`, { json: { action: 'skip_next' } })],
  ];
  for (const [name, pending] of cases) assertProblem(await pending, 400, 'idempotency_key_required', name);
  // and nothing happened
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending + me.loyalty.balance, 0);
  assert.equal(me.subscriptions[0].next_charge_on, addDays(today(), 20));
});

test('a malformed Idempotency-Key → 400 idempotency_key_invalid', async () => {
  const c = customerId('idem');
  for (const [name, key] of [
    ['256 characters', 'k'.repeat(256)],
    ['a space', 'has space'],
    ['a tab', 'has\ttab'],
    ['a non-ASCII byte', 'caf\xe9'],
  ]) {
    assertProblem(await a.event(c, orderPaid(uid('o'), 1000), { key }), 400, 'idempotency_key_invalid', name);
  }
  // an empty header is not 1–255 characters: refused (as malformed or as missing)
  const empty = await a.event(c, orderPaid(uid('o'), 1000), { key: '' });
  assertProblem(empty, 400, empty.body?.code === 'idempotency_key_required' ? 'idempotency_key_required' : 'idempotency_key_invalid', 'empty');
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending, 0, 'no malformed-key request changed anything');
});

test('keys of 1 and of 255 visible ASCII characters are accepted', async () => {
  const c = customerId('idem');
  const r1 = await a.event(c, orderPaid(uid('o'), 1000), { key: '!' });
  assert.equal(r1.status, 200, r1.text);
  const long = `~${uid('k')}`.padEnd(255, '}');
  const r2 = await a.event(c, orderPaid(uid('o'), 2000), { key: long });
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.body.customer.loyalty.pending, 30);
});

test('a replay returns the stored answer with Idempotent-Replayed: true and changes nothing', async () => {
  const c = customerId('idem');
  const key = newKey();
  const ev = orderPaid(uid('o'), 12_300);
  const first = await a.event(c, ev, { key });
  assert.equal(first.status, 200, first.text);
  assert.notEqual(first.headers['idempotent-replayed'], 'true', 'a first answer is not a replay');
  for (let i = 0; i < 3; i++) {
    const again = await a.event(c, ev, { key });
    assert.equal(again.status, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
  }
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending, 123, 'the order counted once');
});

test('a JSON-equal body (other key order, whitespace) is a replay', async () => {
  const c = customerId('idem');
  const key = newKey();
  const orderId = uid('o');
  const first = await a.event(c, { type: 'order_paid', order_id: orderId, amount_minor: 5000, currency: 'RUB' }, { key });
  assert.equal(first.status, 200, first.text);
  const body = `{ "currency" : "RUB",\n  "amount_minor": 5000, "order_id": ${JSON.stringify(orderId)}, "type": "order_paid" }`;
  const again = await a.admin('POST', `/v1/admin/customers/${enc(c)}/events`, { key, body, headers: { 'Content-Type': 'application/json' } });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.body, first.body);
});

test('the same key with another body → 422 idempotency_key_reused, nothing changes', async () => {
  const c = customerId('idem');
  const key = newKey();
  const first = await a.event(c, orderPaid(uid('o'), 10_000), { key });
  assert.equal(first.status, 200, first.text);
  assertProblem(await a.event(c, orderPaid(uid('o'), 10_000), { key }), 422, 'idempotency_key_reused', 'other order id');
  assertProblem(await a.event(c, pointsAdjusted(5), { key }), 422, 'idempotency_key_reused', 'other event type');
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending, 100);
  assert.equal(me.loyalty.balance, 0);
});

test('the same key on another path (another customer) is another request', async () => {
  const c1 = customerId('idem');
  const c2 = customerId('idem');
  const key = newKey();
  const ev = orderPaid(uid('o'), 4_200);
  const r1 = await a.event(c1, ev, { key });
  const r2 = await a.event(c2, ev, { key });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r2.status, 200, r2.text);
  assert.notEqual(r2.headers['idempotent-replayed'], 'true');
  assert.equal(r2.body.customer.customer_id, c2);
  assert.equal((await a.meOk(c2)).loyalty.pending, 42);
});

test('keys are scoped to the merchant', async () => {
  const c = customerId('idem');
  const key = newKey();
  const ev = { type: 'points_adjusted', points: 7, reason: 'scope test' };
  const ra = await a.event(c, ev, { key });
  const rb = await b.event(c, ev, { key });
  assert.equal(ra.status, 200, ra.text);
  assert.equal(rb.status, 200, rb.text);
  assert.notEqual(rb.headers['idempotent-replayed'], 'true');
  assert.equal((await b.meOk(c)).loyalty.balance, 7);
  assert.equal((await a.meOk(c)).loyalty.balance, 7);
});

test('a 4xx answer past body parsing is stored and replayed too', async () => {
  const c = customerId('idem');
  const key = newKey();
  const first = await a.redeem(c, 'r-fixed', { key });
  assertProblem(first, 409, 'insufficient_points', 'nothing to spend yet');
  assert.notEqual(first.headers['idempotent-replayed'], 'true');
  await a.eventOk(c, pointsAdjusted(500));
  const again = await a.redeem(c, 'r-fixed', { key });
  assertProblem(again, 409, 'insufficient_points', 'replayed although points arrived');
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.body, first.body);
  assert.equal((await a.meOk(c)).loyalty.balance, 500);
});

test('an answer before body parsing (invalid JSON, 415) is not stored', async () => {
  const c = customerId('idem');
  const key = newKey();
  const path = `/v1/admin/customers/${enc(c)}/events`;
  assertProblem(await a.admin('POST', path, { key, body: '{"type": "order_paid",', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_json');
  assertProblem(await a.admin('POST', path, { key, body: JSON.stringify(pointsAdjusted(3)), headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type');
  const res = await a.event(c, pointsAdjusted(9), { key });
  assert.equal(res.status, 200, res.text);
  assert.notEqual(res.headers['idempotent-replayed'], 'true');
  assert.equal(res.body.customer.loyalty.balance, 9);
});

test('a shopper redemption replayed returns the same code and spends once', async () => {
  const c = customerId('idem');
  await a.eventOk(c, pointsAdjusted(300));
  const key = newKey();
  const first = await a.redeem(c, 'r-fixed', { key });
  assert.equal(first.status, 201, first.text);
  const again = await a.redeem(c, 'r-fixed', { key });
  assert.equal(again.status, 201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body.code, first.body.code);
  assert.equal(again.body.redemption_id, first.body.redemption_id);
  assert.equal((await a.meOk(c)).loyalty.balance, 200);
  // the same key as another shopper is that shopper's own request
  const other = customerId('idem');
  assertProblem(await a.redeem(other, 'r-fixed', { key }), 409, 'insufficient_points', 'other shopper, same key');
});

test('a replay needs the same method and path: the key of a redemption does not replay an action', async () => {
  const c = customerId('idem');
  const sid = uid('sub');
  await a.eventOk(c, subscriptionUpserted(subscriptionDoc(sid, { next_charge_on: addDays(today(), 20), anchor_day: undefined })));
  await a.eventOk(c, pointsAdjusted(100));
  const key = newKey();
  assert.equal((await a.redeem(c, 'r-fixed', { key })).status, 201);
  const res = await a.action(c, sid, { action: 'set_quantity', quantity: 2 }, { key });
  // another path with the same key is either processed (200) or refused as a reused key (422)
  if (res.status === 200) {
    assert.notEqual(res.headers['idempotent-replayed'], 'true');
    assert.equal(res.body.quantity, 2);
  } else {
    assertProblem(res, 422, 'idempotency_key_reused');
  }
});

noServerErrorsTest();
