// The merchant's side of the tests: customers seeded with
// scripts/seed-demo.mjs, admin events and reads, shopper reads with a
// freshly minted token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { API_BASE, MERCHANT, REPO, SHOP } from './env.mjs';
import { mintShopperToken } from './shop.mjs';

const run = randomBytes(3).toString('hex');
let counter = 0;
/** A customer id no other test uses. */
export function newCustomerId(prefix) {
  counter += 1;
  return `${prefix}-${run}-${process.pid}-${counter}`;
}

async function call(method, path, { body, headers = {}, auth } = {}) {
  const h = { ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (auth !== null) h.Authorization = auth ?? `Bearer ${MERCHANT.api_key}`;
  const res = await fetch(`${API_BASE}${path}`, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

const customerPath = (id) => `/v1/admin/customers/${encodeURIComponent(id)}`;

/** A customer seeded by scripts/seed-demo.mjs: orders, imported points, two subscriptions. */
export async function seededCustomer(prefix = 'shopper') {
  const id = newCustomerId(prefix);
  await promisify(execFile)(process.execPath, [join(REPO, 'scripts', 'seed-demo.mjs'), API_BASE, MERCHANT.api_key, id], { timeout: 30_000 });
  return id;
}

/** GET /v1/admin/customers/ID: the /v1/me body plus consents and ledger. */
export async function customer(id) {
  const res = await call('GET', customerPath(id));
  assert.equal(res.status, 200, `GET ${customerPath(id)} → ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

/** A merchant event for customer `id`; returns the customer view after it. */
export async function event(id, body) {
  const res = await call('POST', `${customerPath(id)}/events`, { body, headers: { 'Idempotency-Key': `browser-${randomBytes(8).toString('hex')}` } });
  assert.equal(res.status, 200, `event ${body.type} for ${id} → ${res.status} ${res.text.slice(0, 300)}`);
  return res.json.customer;
}

/** A customer who only has `points` points, adjusted by the merchant (expiring per the program). */
export async function customerWithPoints(prefix, points) {
  const id = newCustomerId(prefix);
  await event(id, { type: 'points_adjusted', points, reason: 'Browser suite balance' });
  return id;
}

/** POST /v1/admin/redemptions/CODE/use: the shop's checkout used a code for an order. */
export async function useCode(code, orderId) {
  const res = await call('POST', `/v1/admin/redemptions/${encodeURIComponent(code)}/use`, {
    body: { order_id: orderId }, headers: { 'Idempotency-Key': `browser-${randomBytes(8).toString('hex')}` },
  });
  assert.equal(res.status, 200, `use ${code} → ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

/** PUT /v1/admin/customers/ID/preferences: the merchant changes them. */
export async function putPreferencesAsMerchant(id, prefs) {
  const res = await call('PUT', `${customerPath(id)}/preferences`, { body: prefs });
  assert.equal(res.status, 200, `PUT preferences for ${id} → ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

/** A shopper request as customer `id` (token minted here, as the shop's backend would). */
export async function shopper(id, method, path, body, headers = {}) {
  return call(method, path, { body, auth: `Bearer ${mintShopperToken(MERCHANT, id)}`, headers: { Origin: SHOP, ...headers } });
}

/** The whole activity of customer `id`, newest first, through the shopper API. */
export async function allActivity(id) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const res = await shopper(id, 'GET', `/v1/me/activity?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    items.push(...res.json.items);
    cursor = res.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('activity never ended');
}

/** How many tokens the shop's token endpoint minted for `sub`. */
export async function tokenRequests(sub) {
  const res = await fetch(`${SHOP}/__token-requests?sub=${encodeURIComponent(sub)}`);
  return (await res.json()).count;
}

export { mintShopperToken };
