// Tenancy (SPEC 3.2): a merchant never sees another merchant's data,
// whatever ids it sends. The same customer id under A and B is two
// customers.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api, orderPaid, pointsAdjusted, subscriptionUpserted, subscriptionDoc } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { mintToken } from './lib/jwt.mjs';
import { today, addDays } from './lib/time.mjs';

const a = new Api(A);
const b = new Api(B);

before(ensureSuiteProgram);

/** One customer id with different data under A and B. */
async function twin() {
  const c = customerId('twin');
  await a.eventOk(c, pointsAdjusted(111));
  await b.eventOk(c, pointsAdjusted(222));
  return c;
}

test('the same customer id holds different data under each merchant', async () => {
  const c = await twin();
  assert.equal((await a.meOk(c)).loyalty.balance, 111);
  assert.equal((await b.meOk(c)).loyalty.balance, 222);
  assert.equal((await a.customerOk(c)).loyalty.balance, 111);
  assert.equal((await b.customerOk(c)).loyalty.balance, 222);
  // each merchant's catalogue is its own
  assert.equal((await a.meOk(c)).rewards.length, 3);
  assert.deepEqual((await b.meOk(c)).rewards, []);
});

test('a token of merchant A never reads merchant B\'s customer', async () => {
  const c = await twin();
  // iss B signed with A's secret
  assertProblem(await a.me(c, { token: mintToken(A, c, { iss: B.id }) }), 401, 'invalid_token', 'iss B, secret A');
  // iss A with B's secret
  assertProblem(await a.me(c, { token: mintToken(A, c, { secret: B.token_secret }) }), 401, 'invalid_token', 'iss A, secret B');
  const res = await a.me(c);
  assert.equal(res.body.loyalty.balance, 111);
});

test('admin key A cannot read or change B\'s customer', async () => {
  const c = await twin();
  // with A's key, the path names the same id: A's own customer
  await a.eventOk(c, orderPaid(uid('o'), 100_000)); // A: +1000 pending
  assert.equal((await b.meOk(c)).loyalty.pending, 0);
  assert.equal((await b.meOk(c)).loyalty.balance, 222);
  // preferences written through A stay with A
  assert.equal((await a.putCustomerPreferences(c, { ...clone(DEFAULT_PREFERENCES), marketing_unsubscribed: true })).status, 200);
  assert.equal((await b.meOk(c)).preferences.marketing_unsubscribed, false);
  assert.deepEqual((await b.customerOk(c)).consents, []);
  // deleting through A leaves B's customer alone
  assert.equal((await a.deleteCustomer(c)).status, 204);
  assert.equal((await a.meOk(c)).loyalty.balance, 0);
  assert.equal((await b.meOk(c)).loyalty.balance, 222);
  // B's ledger holds only its own entry
  assert.equal((await b.customerOk(c)).ledger.length, 1);
});

test('a subscription id under A is not found under B', async () => {
  const c = customerId('twin');
  const sid = uid('sub');
  await a.eventOk(c, subscriptionUpserted(subscriptionDoc(sid, { next_charge_on: addDays(today(), 20), anchor_day: undefined })));
  assertProblem(await b.action(c, sid, { action: 'skip_next' }), 404, 'subscription_not_found');
  const res = await b.event(c, { type: 'subscription_charged', subscription_id: sid, charged_on: today() });
  assertProblem(res, 404, 'subscription_not_found', 'charging A\'s subscription through B');
  assert.equal((await a.meOk(c)).subscriptions[0].next_charge_on, addDays(today(), 20));
});

test('an order id recorded under A is new under B', async () => {
  const c = customerId('twin');
  const orderId = uid('o');
  await a.eventOk(c, orderPaid(orderId, 5_000));
  assert.equal((await b.eventOk(c, orderPaid(orderId, 5_000))).loyalty.balance, 50, 'B: no pending days');
  assertProblem(await b.event(c, { type: 'order_refunded', order_id: uid('o'), amount_minor: 1 }), 404, 'order_not_found');
});

test('programs are per merchant', async () => {
  const pa = (await a.program()).body;
  const pb = (await b.program()).body;
  assert.equal(pa.rewards.length, 3);
  assert.deepEqual(pb.rewards, []);
  assert.equal(pb.pending_days, 0);
  assert.equal(pa.pending_days, 7);
});

noServerErrorsTest();
