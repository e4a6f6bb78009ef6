// Redemptions (SPEC 2.4, 3.3): POST /v1/me/redemptions.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, orderPaid, pointsAdjusted, ledgerSum } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram } from './lib/program.mjs';
import { instant } from './lib/time.mjs';

const a = new Api(A);
const DAY = 86_400_000;

before(ensureSuiteProgram);

test('redeeming answers 201 with a redemption id, a code of ≥ 10 characters, points spent and the new balance', async () => {
  const c = customerId('redeem');
  await a.eventOk(c, pointsAdjusted(420));
  const res = await a.redeem(c, 'r-fixed');
  assert.equal(res.status, 201, res.text);
  const r = res.body;
  assert.equal(typeof r.redemption_id, 'string');
  assert.ok(r.redemption_id.length > 0);
  assert.equal(typeof r.code, 'string');
  assert.ok(r.code.length >= 10, `code ${r.code} has at least 10 characters`);
  assert.equal(r.points_spent, 100);
  assert.equal(r.balance, 320);
  const me = await a.meOk(c);
  assert.equal(me.loyalty.balance, 320);
  assert.deepEqual(me.rewards.map((x) => [x.id, x.affordable]), [['r-fixed', true], ['r-percent', true], ['r-ship', true]]);
  const act = await a.activity(c, 'limit=1');
  assert.equal(act.body.items[0].kind, 'redeem');
  assert.equal(act.body.items[0].points, -100);
  const doc = await a.customerOk(c);
  assert.equal(ledgerSum(doc.ledger), 320);
});

test('every redemption gets its own unguessable code', async () => {
  const c = customerId('redeem');
  await a.eventOk(c, pointsAdjusted(500));
  const codes = [];
  const ids = [];
  for (let i = 0; i < 10; i++) {
    const res = await a.redeem(c, 'r-ship');
    assert.equal(res.status, 201, res.text);
    codes.push(res.body.code);
    ids.push(res.body.redemption_id);
    assert.equal(res.body.balance, 500 - 50 * (i + 1));
  }
  assert.equal(new Set(codes).size, 10, `codes are unique: ${codes}`);
  assert.equal(new Set(ids).size, 10);
  // another shopper's code differs too
  const other = customerId('redeem');
  await a.eventOk(other, pointsAdjusted(50));
  const o = await a.redeem(other, 'r-ship');
  assert.ok(!codes.includes(o.body.code));
  assertProblem(await a.redeem(c, 'r-ship'), 409, 'insufficient_points', 'balance now 0');
});

test('not enough points → 409 insufficient_points; nothing changes', async () => {
  const c = customerId('redeem');
  assertProblem(await a.redeem(c, 'r-ship'), 409, 'insufficient_points', 'new customer');
  await a.eventOk(c, pointsAdjusted(249));
  assertProblem(await a.redeem(c, 'r-percent'), 409, 'insufficient_points', '249 < 250');
  assert.equal((await a.meOk(c)).loyalty.balance, 249);
  assert.equal((await a.meOk(c)).rewards.find((r) => r.id === 'r-percent').affordable, false);
});

test('pending points cannot be redeemed', async () => {
  const c = customerId('redeem');
  await a.eventOk(c, orderPaid(uid('o'), 100_000)); // 1000 pending
  assertProblem(await a.redeem(c, 'r-fixed'), 409, 'insufficient_points');
  const me = await a.meOk(c);
  assert.equal(me.loyalty.pending, 1000);
});

test('an unknown reward → 404 reward_not_found (even without points)', async () => {
  const c = customerId('redeem');
  assertProblem(await a.redeem(c, 'no-such-reward'), 404, 'reward_not_found');
  await a.eventOk(c, pointsAdjusted(1000));
  assertProblem(await a.redeem(c, 'R-FIXED'), 404, 'reward_not_found', 'ids are exact');
  assert.equal((await a.meOk(c)).loyalty.balance, 1000);
});

test('a redemption body with a missing or unknown field is refused', async () => {
  const c = customerId('redeem');
  await a.eventOk(c, pointsAdjusted(1000));
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), json: { reward_id: 'r-fixed', points: 1 } }), 400, 'unknown_field');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/redemptions', { key: newKey(), json: {} }), 422, 'validation_failed', 'missing reward_id');
  assert.equal((await a.meOk(c)).loyalty.balance, 1000);
});

test('redemptions spend the soonest-expiring points first (ties: oldest first)', async () => {
  const c = customerId('redeem');
  const late = instant(Date.now() + 200 * DAY);
  const early = instant(Date.now() + 20 * DAY);
  const older = instant(Date.now() - 2 * DAY);
  await a.eventOk(c, pointsAdjusted(80, { expires_at: late }));
  await a.eventOk(c, pointsAdjusted(60, { expires_at: early, at: older }));
  await a.eventOk(c, pointsAdjusted(60, { expires_at: early }));
  const res = await a.redeem(c, 'r-fixed'); // 100: 60 + 40 of the two early lots
  assert.equal(res.status, 201, res.text);
  assert.deepEqual((await a.meOk(c)).loyalty.expiring, [
    { points: 20, expires_at: early },
    { points: 80, expires_at: late },
  ]);
});

noServerErrorsTest();
