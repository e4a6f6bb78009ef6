// The Shopify theme section (integrations/shopify/sections/
// retention-widget.liquid), rendered with liquidjs and Shopify's
// `hmac_sha256` filter: the widget tag it writes for a logged-in customer
// carries a signature /v1/session accepts, for that customer; a guest gets
// no widget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, BASE_URL } from './lib/env.mjs';
import { noServerErrorsTest, request } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { renderSection } from './lib/liquid.mjs';

const settings = { api_url: BASE_URL, merchant_id: A.id, token_secret: A.token_secret, sections: 'loyalty' };

function attributes(html) {
  const tag = html.match(/<retention-widget([\s\S]*?)><\/retention-widget>/);
  assert.ok(tag, `a widget tag in ${html}`);
  return Object.fromEntries([...tag[1].matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

test('the theme section signs the logged-in customer so that /v1/session gives a token for them', async () => {
  const customerId = 7210987654321;
  const html = await renderSection({ customer: { id: customerId }, settings, locale: 'ru' });
  assert.match(html, new RegExp(`<script type="module" src="${BASE_URL}/widget/loader.js"`));
  const attrs = attributes(html);
  assert.equal(attrs.merchant, A.id);
  assert.equal(attrs.customer, String(customerId));
  assert.equal(attrs.locale, 'ru');
  assert.equal(attrs.sections, 'loyalty');
  assert.match(attrs['customer-ts'], /^\d+$/);
  assert.ok(Math.abs(Number(attrs['customer-ts']) - Date.now() / 1000) < 60, 'signed now');
  const res = await request('POST', '/v1/session', {
    json: { merchant: attrs.merchant, customer: attrs.customer, ts: Number(attrs['customer-ts']), signature: attrs['customer-signature'] },
  });
  assert.equal(res.status, 200, res.text);
  const me = await new Api(A).me(attrs.customer, { token: res.body.token });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.customer_id, String(customerId));
});

test('guests, and a section not yet set up, render no widget', async () => {
  const guest = await renderSection({ customer: null, settings });
  assert.doesNotMatch(guest, /retention-widget/);
  const unset = await renderSection({ customer: { id: 1 }, settings: { ...settings, token_secret: '' } });
  assert.doesNotMatch(unset, /retention-widget/);
});

noServerErrorsTest();
