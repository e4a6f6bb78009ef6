// Shopify webhooks in (SPEC 3.7), with Shopify's own payload shapes
// (tests/fixtures/shopify/): paid orders credit points in the currency's
// minor units, refunds reverse them, repeats and forgeries change nothing,
// customers/redact erases. Merchant D's program changes currency between
// tests, so this file's tests run one after another (node:test's default).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A, D } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { fixture, hook, shopifyId } from './lib/shopify.mjs';

const d = new Api(D);

async function useCurrency(currency) {
  const res = await d.putProgram({ currency, earn: { points: 1, per_amount_minor: 100 }, pending_days: 0 });
  assert.equal(res.status, 200, res.text);
}

function paidOrder({ currency = 'USD', total = '403.00', customer = shopifyId(), order = shopifyId() } = {}) {
  const o = fixture('orders-paid');
  o.id = Number(order);
  o.currency = currency;
  o.presentment_currency = currency;
  o.current_total_price = total;
  o.processed_at = new Date(Date.now() - 60_000).toISOString();
  if (customer === null) o.customer = null;
  else o.customer.id = Number(customer);
  return { payload: o, customer: String(customer), order: String(order) };
}

async function balance(customer) {
  const res = await d.customer(customer);
  assert.equal(res.status, 200, res.text);
  return { balance: res.body.loyalty.balance, earned: res.body.loyalty.lifetime_earned, ledger: res.body.ledger.length };
}

before(() => useCurrency('USD'));

test('a paid order credits its points in the currency\'s minor units: RUB, USD, JPY (no decimals), KWD (three)', async () => {
  for (const [currency, total, points] of [['RUB', '1234.56', 1234], ['USD', '403.00', 403], ['JPY', '15000', 150], ['KWD', '12.345', 123]]) {
    await useCurrency(currency);
    const { payload, customer } = paidOrder({ currency, total });
    const res = await hook(D, 'orders/paid', payload);
    assert.equal(res.status, 200, `${currency}: ${res.text}`);
    assert.equal((await balance(customer)).balance, points, `${total} ${currency}`);
  }
  await useCurrency('USD');
});

test('a refund reverses the order\'s points; the customer is the order\'s', async () => {
  const { payload, customer, order } = paidOrder({ total: '403.00' });
  assert.equal((await hook(D, 'orders/paid', payload)).status, 200);
  assert.equal((await balance(customer)).balance, 403);
  const refund = fixture('refunds-create');
  refund.order_id = payload.id;
  refund.transactions[0].order_id = payload.id;
  refund.transactions[0].amount = '403.00';
  // a failed refund transaction does not count
  refund.transactions.push({ ...refund.transactions[0], id: 1, status: 'failure', amount: '100.00' });
  const res = await hook(D, 'refunds/create', refund);
  assert.equal(res.status, 200, res.text);
  assert.equal((await balance(customer)).balance, 0, `order ${order} refunded in full`);
});

test('the same webhook id twice changes nothing, and the same order under another id neither', async () => {
  const { payload, customer } = paidOrder({ total: '50.00' });
  const webhookId = `wh-same-${shopifyId()}`;
  assert.equal((await hook(D, 'orders/paid', payload, { webhookId })).status, 200);
  const once = await balance(customer);
  assert.equal(once.balance, 50);
  assert.equal((await hook(D, 'orders/paid', payload, { webhookId })).status, 200, 'a repeat is answered 200');
  assert.deepEqual(await balance(customer), once);
  assert.equal((await hook(D, 'orders/paid', payload)).status, 200, 'already recorded: 200');
  assert.deepEqual(await balance(customer), once);
});

test('a delivery that failed is processed again when Shopify retries it', async () => {
  const { payload, customer } = paidOrder({ total: '70.00' });
  const webhookId = `wh-retry-${shopifyId()}`;
  await useCurrency('EUR');
  assertProblem(await hook(D, 'orders/paid', payload, { webhookId }), 422, 'validation_failed', 'USD order, EUR program');
  await useCurrency('USD');
  assert.equal((await hook(D, 'orders/paid', payload, { webhookId })).status, 200);
  assert.equal((await balance(customer)).balance, 70);
});

test('a bad or missing signature → 401 invalid_signature, and nothing changes', async () => {
  const { payload, customer } = paidOrder({ total: '30.00' });
  assertProblem(await hook(D, 'orders/paid', payload, { hmac: null }), 401, 'invalid_signature', 'missing');
  assertProblem(await hook(D, 'orders/paid', payload, { hmac: 'bm90IGl0' }), 401, 'invalid_signature', 'wrong');
  assertProblem(await hook(D, 'orders/paid', payload, { secret: 'another-secret-of-some-length' }), 401, 'invalid_signature', 'another secret');
  const tampered = JSON.stringify(payload);
  const signed = await hook(D, 'orders/paid', tampered.replace('"30.00"', '"3000.00"'), {
    hmac: (await import('node:crypto')).createHmac('sha256', D.shopify_webhook_secret).update(tampered).digest('base64'),
  });
  assertProblem(signed, 401, 'invalid_signature', 'a body changed after signing');
  assert.equal((await balance(customer)).ledger, 0, 'nothing recorded');
});

test('an order without a customer, or with a total of 0 → 200, nothing changes', async () => {
  const none = paidOrder({ customer: null });
  assert.equal((await hook(D, 'orders/paid', none.payload)).status, 200);
  const zero = paidOrder({ total: '0.00' });
  assert.equal((await hook(D, 'orders/paid', zero.payload)).status, 200);
  assert.equal((await balance(zero.customer)).ledger, 0);
});

test('customers/redact and customers/delete erase the customer and emit customer.erased', async () => {
  for (const topic of ['customers/redact', 'customers/delete']) {
    const { payload, customer } = paidOrder({ total: '20.00' });
    assert.equal((await hook(D, 'orders/paid', payload)).status, 200);
    const body = topic === 'customers/redact' ? fixture('customers-redact') : fixture('customers-delete');
    if (topic === 'customers/redact') body.customer.id = Number(customer);
    else body.id = Number(customer);
    const res = await hook(D, topic, body);
    assert.equal(res.status, 200, res.text);
    assert.equal((await balance(customer)).ledger, 0, `${topic}: erased`);
    const feed = [];
    let after = null;
    for (;;) {
      const page = await d.events(`limit=1000&type=customer.erased${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      assert.equal(page.status, 200, page.text);
      feed.push(...page.body.items);
      if (page.body.items.length === 0) break;
      after = page.body.next_cursor;
    }
    assert.ok(feed.some((e) => e.customer_id === customer), `${topic}: customer.erased in the feed`);
  }
});

test('malformed payloads → 422 problem+json and nothing changes; inexact amounts are refused', async () => {
  const { payload, customer } = paidOrder({ total: '10.005' });
  assertProblem(await hook(D, 'orders/paid', payload), 422, 'validation_failed', '10.005 USD');
  for (const [what, body] of [
    ['not JSON', '{"id": '],
    ['no fields', {}],
    ['a price that is not a number', { ...payload, current_total_price: 'ten' }],
    ['an id that is not a number', { ...payload, id: 'abc' }],
  ]) {
    assertProblem(await hook(D, 'orders/paid', body), 422, 'validation_failed', what);
  }
  const refund = fixture('refunds-create');
  refund.transactions[0].currency = 'EUR';
  assertProblem(await hook(D, 'refunds/create', refund), 422, 'validation_failed', 'a refund in another currency');
  assert.equal((await balance(customer)).ledger, 0);
});

test('a refund of an order never seen, another topic, or a shop without the secret', async () => {
  const refund = fixture('refunds-create');
  refund.order_id = Number(shopifyId());
  assert.equal((await hook(D, 'refunds/create', refund)).status, 200, 'unknown order: 200');
  assert.equal((await hook(D, 'products/update', { id: 1 })).status, 200, 'other topics are ignored');
  assertProblem(await hook(D, 'orders/paid', paidOrder().payload, { merchantId: A.id }), 404, 'not_found', 'a merchant without shopify_webhook_secret');
  assertProblem(await hook(D, 'orders/paid', paidOrder().payload, { merchantId: 'no-such-shop' }), 404, 'not_found', 'an unknown merchant');
});

test('a large order (over 64 KiB, Shopify sends up to 1 MiB) is taken', async () => {
  const { payload, customer } = paidOrder({ total: '99.00' });
  payload.line_items = Array.from({ length: 400 }, (_, i) => ({ ...payload.line_items[0], id: i, title: `Item ${i} ${'x'.repeat(300)}` }));
  assert.ok(JSON.stringify(payload).length > 128 * 1024);
  const res = await hook(D, 'orders/paid', payload);
  assert.equal(res.status, 200, res.text);
  assert.equal((await balance(customer)).balance, 99);
});

noServerErrorsTest();
