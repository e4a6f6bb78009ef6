// Redemptions for the checkout (SPEC 3.3, 3.6): a shopper finds a code
// again in GET /v1/me, the merchant's checkout looks a code up and uses it
// once; idempotency keys are scoped to the caller.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, pointsAdjusted } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid } from './lib/ids.mjs';
import { ensureSuiteProgram } from './lib/program.mjs';
import { INSTANT_RE, ms } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);

before(ensureSuiteProgram);

async function redeemed(c, rewardId) {
  const res = await a.redeem(c, rewardId);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

test('GET /v1/me lists the shopper\'s redemptions newest first, so a code can be found again', async () => {
  const c = customerId('codes');
  await a.eventOk(c, pointsAdjusted(1000));
  const first = await redeemed(c, 'r-fixed');
  const second = await redeemed(c, 'r-ship');
  const me = await a.meOk(c);
  assert.equal(me.redemptions.length, 2);
  const [newest, older] = me.redemptions;
  // Redeemed in the same second, the order falls to the id; both are listed.
  assert.deepEqual(new Set(me.redemptions.map((r) => r.code)), new Set([first.code, second.code]));
  assert.ok(ms(newest.at) >= ms(older.at), 'newest first');
  const shipping = me.redemptions.find((r) => r.code === second.code);
  assert.deepEqual(Object.keys(shipping).sort(), ['at', 'code', 'name', 'points_spent', 'redemption_id', 'reward_id', 'used_at']);
  assert.equal(shipping.redemption_id, second.redemption_id);
  assert.equal(shipping.reward_id, 'r-ship');
  assert.equal(shipping.name, 'Free shipping');
  assert.equal(shipping.points_spent, 50);
  assert.match(shipping.at, INSTANT_RE);
  assert.equal(shipping.used_at, null);
  const admin = await a.customerOk(c);
  assert.deepEqual(admin.redemptions, me.redemptions, 'the admin customer view lists them too');
});

test('the checkout looks a code up, uses it for one order, and a second order is refused', async () => {
  const c = customerId('codes');
  await a.eventOk(c, pointsAdjusted(500));
  const r = await redeemed(c, 'r-fixed');
  const found = await a.redemption(r.code);
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(found.body, {
    customer_id: c, redemption_id: r.redemption_id, reward_id: 'r-fixed', kind: 'fixed_discount',
    value: 50_000, code: r.code, points_spent: 100, at: found.body.at, used_at: null,
  });
  const order = uid('order');
  const used = await a.useCode(r.code, { order_id: order });
  assert.equal(used.status, 200, used.text);
  assert.match(used.body.used_at, INSTANT_RE);
  assert.deepEqual({ ...used.body, used_at: null }, found.body);
  const again = await a.useCode(r.code, { order_id: order });
  assert.equal(again.status, 200, 'the same order again');
  assert.deepEqual(again.body, used.body, 'unchanged');
  assertProblem(await a.useCode(r.code, { order_id: uid('other-order') }), 409, 'code_already_used');
  const me = await a.meOk(c);
  assert.equal(me.redemptions[0].used_at, used.body.used_at, 'the shopper sees it used');
  // A replay of the first use answers as it did, marked as a replay.
  const key = uid('use-key');
  const c2 = customerId('codes');
  await a.eventOk(c2, pointsAdjusted(500));
  const r2 = await redeemed(c2, 'r-ship');
  const once = await a.useCode(r2.code, { order_id: 'o-1' }, { key });
  const replay = await a.useCode(r2.code, { order_id: 'o-1' }, { key });
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.body, once.body);
});

test('codes of another merchant, unknown codes and erased customers\' codes are not found', async () => {
  const c = customerId('codes');
  await a.eventOk(c, pointsAdjusted(500));
  const r = await redeemed(c, 'r-ship');
  assertProblem(await b.redemption(r.code), 404, 'not_found');
  assertProblem(await b.useCode(r.code, { order_id: 'o' }), 404, 'not_found');
  assertProblem(await a.redemption('ZZZZ-ZZZZ-ZZZZ'), 404, 'not_found');
  assert.equal((await a.deleteCustomer(c)).status, 204);
  assertProblem(await a.redemption(r.code), 404, 'not_found');
  assertProblem(await a.useCode(r.code, { order_id: 'o' }), 404, 'not_found');
  const me = await a.meOk(c);
  assert.deepEqual(me.redemptions, [], 'nothing was recreated');
});

test('use checks in the SPEC\'s order: key (400), unknown field (400), unknown code (404), missing order (422)', async () => {
  const c = customerId('codes');
  await a.eventOk(c, pointsAdjusted(500));
  const r = await redeemed(c, 'r-ship');
  assertProblem(await a.useCode(r.code, { order_id: 'o' }, { key: null }), 400, 'idempotency_key_required');
  assertProblem(await a.useCode('NOPE', { order_id: 'o', coupon: 1 }), 400, 'unknown_field');
  assertProblem(await a.useCode('NOPE', {}), 404, 'not_found');
  assertProblem(await a.useCode(r.code, {}), 422, 'validation_failed');
  assertProblem(await a.useCode(r.code, { order_id: '' }), 422, 'validation_failed');
});

test('a shopper\'s and the merchant\'s identical idempotency keys do not collide', async () => {
  const c = customerId('scoped');
  await a.eventOk(c, pointsAdjusted(500));
  const key = uid('same-key');
  const redemption = await a.redeem(c, 'r-ship', { key });
  assert.equal(redemption.status, 201, redemption.text);
  // The merchant's refund-like adjustment with the very same key is carried out.
  const event = await a.event(c, pointsAdjusted(-20), { key });
  assert.equal(event.status, 200, event.text);
  assert.equal(event.headers['idempotent-replayed'], undefined);
  assert.equal(event.body.customer.loyalty.balance, 430);
  // Each replays its own first answer.
  const shopperReplay = await a.redeem(c, 'r-ship', { key });
  assert.equal(shopperReplay.status, 201);
  assert.equal(shopperReplay.headers['idempotent-replayed'], 'true');
  assert.equal(shopperReplay.body.code, redemption.body.code);
  const merchantReplay = await a.event(c, pointsAdjusted(-20), { key });
  assert.equal(merchantReplay.headers['idempotent-replayed'], 'true');
  assert.equal((await a.meOk(c)).loyalty.balance, 430, 'each ran once');
});

noServerErrorsTest();
