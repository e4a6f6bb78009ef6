// Shopper and merchant requests for one merchant, with the SPEC's headers.
import assert from 'node:assert/strict';
import { request } from './http.mjs';
import { mintToken } from './jwt.mjs';
import { newKey } from './ids.mjs';

const enc = encodeURIComponent;

export class Api {
  constructor(merchant) {
    this.m = merchant;
  }

  /** A fresh valid token for customer `sub`. */
  token(sub, options) {
    return mintToken(this.m, sub, options);
  }

  /**
   * A shopper request as customer `sub` (token minted unless `token` is
   * given; `token: null` sends no Authorization). `key` sets
   * Idempotency-Key; `origin` sets Origin.
   */
  shopper(sub, method, path, { token, key, origin, headers = {}, ...rest } = {}) {
    const h = { ...headers };
    const t = token === undefined ? this.token(sub) : token;
    if (t !== null) h.Authorization = `Bearer ${t}`;
    if (key !== undefined && key !== null) h['Idempotency-Key'] = key;
    if (origin) h.Origin = origin;
    return request(method, path, { ...rest, headers: h });
  }

  /** A merchant request with this merchant's api_key (or `apiKey`; null: none). */
  admin(method, path, { apiKey, key, origin, headers = {}, ...rest } = {}) {
    const h = { ...headers };
    const k = apiKey === undefined ? this.m.api_key : apiKey;
    if (k !== null) h.Authorization = `Bearer ${k}`;
    if (key !== undefined && key !== null) h['Idempotency-Key'] = key;
    if (origin) h.Origin = origin;
    return request(method, path, { ...rest, headers: h });
  }

  // ---- shopper endpoints --------------------------------------------------

  me(sub, options) {
    return this.shopper(sub, 'GET', '/v1/me', options);
  }

  async meOk(sub) {
    const res = await this.me(sub);
    assert.equal(res.status, 200, `GET /v1/me → ${res.status} ${res.text.slice(0, 300)}`);
    return res.body;
  }

  activity(sub, query = '', options) {
    return this.shopper(sub, 'GET', `/v1/me/activity${query ? `?${query}` : ''}`, options);
  }

  redeem(sub, rewardId, { key = newKey(), ...options } = {}) {
    return this.shopper(sub, 'POST', '/v1/me/redemptions', { json: { reward_id: rewardId }, key, ...options });
  }

  action(sub, subscriptionId, body, { key = newKey(), ...options } = {}) {
    return this.shopper(sub, 'POST', `/v1/me/subscriptions/${enc(subscriptionId)}/actions`, { json: body, key, ...options });
  }

  preferences(sub, options) {
    return this.shopper(sub, 'GET', '/v1/me/preferences', options);
  }

  putPreferences(sub, doc, { ifMatch, headers = {}, ...options } = {}) {
    const h = { ...headers };
    if (ifMatch !== undefined) h['If-Match'] = ifMatch;
    return this.shopper(sub, 'PUT', '/v1/me/preferences', { json: doc, headers: h, ...options });
  }

  // ---- merchant endpoints -------------------------------------------------

  event(customerId, event, { key = newKey(), ...options } = {}) {
    return this.admin('POST', `/v1/admin/customers/${enc(customerId)}/events`, { json: event, key, ...options });
  }

  /** Posts an event and asserts 200; returns the `customer` document. */
  async eventOk(customerId, event, options) {
    const res = await this.event(customerId, event, options);
    assert.equal(res.status, 200, `event ${event.type} → ${res.status} ${res.text.slice(0, 400)}`);
    assert.ok(res.body?.customer, `event ${event.type}: body has no customer: ${res.text.slice(0, 300)}`);
    return res.body.customer;
  }

  customer(customerId, options) {
    return this.admin('GET', `/v1/admin/customers/${enc(customerId)}`, options);
  }

  async customerOk(customerId) {
    const res = await this.customer(customerId);
    assert.equal(res.status, 200, `GET /v1/admin/customers/${customerId} → ${res.status} ${res.text.slice(0, 300)}`);
    return res.body;
  }

  deleteCustomer(customerId, options) {
    return this.admin('DELETE', `/v1/admin/customers/${enc(customerId)}`, options);
  }

  putCustomerPreferences(customerId, doc, { ifMatch, headers = {}, ...options } = {}) {
    const h = { ...headers };
    if (ifMatch !== undefined) h['If-Match'] = ifMatch;
    return this.admin('PUT', `/v1/admin/customers/${enc(customerId)}/preferences`, { json: doc, headers: h, ...options });
  }

  message(customerId, body, { key = newKey(), ...options } = {}) {
    return this.admin('POST', `/v1/admin/customers/${enc(customerId)}/messages`, { json: body, key, ...options });
  }

  program(options) {
    return this.admin('GET', '/v1/admin/program', options);
  }

  putProgram(doc, options) {
    return this.admin('PUT', '/v1/admin/program', { json: doc, ...options });
  }

  outbox(limit = 100, options) {
    return this.admin('GET', `/v1/admin/outbox?limit=${limit}`, options);
  }

  redemption(code, options) {
    return this.admin('GET', `/v1/admin/redemptions/${enc(code)}`, options);
  }

  useCode(code, body, { key = newKey(), ...options } = {}) {
    return this.admin('POST', `/v1/admin/redemptions/${enc(code)}/use`, { json: body, key, ...options });
  }

  events(query = '', options) {
    return this.admin('GET', `/v1/admin/events${query ? `?${query}` : ''}`, options);
  }

  eventById(id, options) {
    return this.admin('GET', `/v1/admin/events/${enc(id)}`, options);
  }

  redeliver(id, { key = newKey(), ...options } = {}) {
    return this.admin('POST', `/v1/admin/events/${enc(id)}/redeliver`, { key, ...options });
  }

  ack(id, options) {
    return this.admin('POST', `/v1/admin/outbox/${enc(id)}/ack`, options);
  }
}

// ---- event builders -------------------------------------------------------

export const orderPaid = (orderId, amountMinor, extra = {}) =>
  ({ type: 'order_paid', order_id: orderId, amount_minor: amountMinor, currency: 'RUB', ...extra });
export const orderRefunded = (orderId, amountMinor) =>
  ({ type: 'order_refunded', order_id: orderId, amount_minor: amountMinor });
export const pointsAdjusted = (points, extra = {}) =>
  ({ type: 'points_adjusted', points, reason: 'test adjustment', ...extra });
export const reviewSubmitted = (productId, rating) =>
  ({ type: 'review_submitted', product_id: productId, rating });
export const subscriptionUpserted = (subscription) =>
  ({ type: 'subscription_upserted', subscription });
export const subscriptionCharged = (subscriptionId, chargedOn) =>
  ({ type: 'subscription_charged', subscription_id: subscriptionId, charged_on: chargedOn });

/** A subscription document (SPEC 3.5) with overrides. */
export function subscriptionDoc(id, overrides = {}) {
  return {
    id,
    product_id: 'coffee',
    variant_id: 'coffee-250g',
    title: 'Coffee beans 250 g',
    quantity: 1,
    price_minor: 89_000,
    currency: 'RUB',
    interval: { unit: 'month', count: 1 },
    status: 'active',
    next_charge_on: '2027-01-31',
    anchor_day: 31,
    paused_until: null,
    cancel_reason: null,
    discount_percent: null,
    ...overrides,
  };
}

/** Sum of the ledger's signed points. */
export const ledgerSum = (ledger) => ledger.reduce((s, e) => s + e.points, 0);
