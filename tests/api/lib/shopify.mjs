// Shopify's side of the suite (SPEC 3.7): its documented webhook payloads
// (tests/fixtures/shopify/) sent as Shopify sends them, signed with the
// shop's secret; and the Liquid-style customer signature for /v1/session.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './http.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'shopify');

/** A fresh copy of a fixture (e.g. 'orders-paid'). */
export function fixture(name) {
  return JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8'));
}

/** A Shopify-style numeric id, unique to this run (below 2^53, so JSON numbers in JS keep it). */
export function shopifyId() {
  return String(BigInt(`0x${randomBytes(6).toString('hex')}`) + 10n ** 15n);
}

/**
 * POSTs `payload` (an object, or a raw string) to the shop's webhook as
 * Shopify would. options: hmac (a header value; null: none), webhookId,
 * merchantId (the path's), secret (to sign with).
 */
export function hook(shop, topic, payload, options = {}) {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const secret = options.secret ?? shop.shopify_webhook_secret;
  const hmac = options.hmac === undefined ? createHmac('sha256', secret).update(raw).digest('base64') : options.hmac;
  const headers = {
    'Content-Type': 'application/json',
    'X-Shopify-Topic': topic,
    'X-Shopify-Shop-Domain': 'suite.myshopify.com',
    'X-Shopify-Api-Version': '2025-01',
    'X-Shopify-Webhook-Id': options.webhookId ?? `wh-${randomBytes(8).toString('hex')}`,
  };
  if (hmac !== null) headers['X-Shopify-Hmac-Sha256'] = hmac;
  return request('POST', `/v1/hooks/shopify/${encodeURIComponent(options.merchantId ?? shop.id)}`, { body: raw, headers });
}

/** What the theme snippet computes: hex HMAC-SHA256(token_secret, "merchant:customer:ts"). */
export function customerSignature(merchant, customer, ts, secret = merchant.token_secret) {
  return createHmac('sha256', secret).update(`${merchant.id}:${customer}:${ts}`).digest('hex');
}
