// The Shopify theme section (integrations/shopify/sections/
// retention-widget.liquid), rendered with liquidjs and Shopify's
// `hmac_sha256` filter: the widget tag it writes for a logged-in customer
// carries a signature /v1/session accepts, for that customer; a guest gets
// no widget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import { A, BASE_URL } from './lib/env.mjs';
import { noServerErrorsTest, request } from './lib/http.mjs';
import { Api } from './lib/client.mjs';

const section = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..',
  'integrations', 'shopify', 'sections', 'retention-widget.liquid'), 'utf8');

/** liquidjs with what Shopify adds: the hmac_sha256 filter and the schema tag. */
function shopifyLiquid() {
  const engine = new Liquid();
  engine.registerFilter('hmac_sha256', (message, secret) => createHmac('sha256', String(secret)).update(String(message)).digest('hex'));
  engine.registerTag('schema', {
    parse(token, remaining) {
      const stream = this.liquid.parser.parseStream(remaining);
      stream.on('tag:endschema', () => stream.stop()).on('end', () => { throw new Error('no endschema'); });
      stream.start();
    },
    render() { return ''; },
  });
  return engine;
}

const settings = { api_url: BASE_URL, merchant_id: A.id, token_secret: A.token_secret, sections: 'loyalty' };

function attributes(html) {
  const tag = html.match(/<retention-widget([\s\S]*?)><\/retention-widget>/);
  assert.ok(tag, `a widget tag in ${html}`);
  return Object.fromEntries([...tag[1].matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

test('the theme section signs the logged-in customer so that /v1/session gives a token for them', async () => {
  const customerId = 7210987654321;
  const html = await shopifyLiquid().parseAndRender(section, {
    customer: { id: customerId },
    section: { settings },
    request: { locale: { iso_code: 'ru' } },
  });
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
  const engine = shopifyLiquid();
  const guest = await engine.parseAndRender(section, { customer: null, section: { settings }, request: { locale: { iso_code: 'en' } } });
  assert.doesNotMatch(guest, /retention-widget/);
  const unset = await engine.parseAndRender(section, {
    customer: { id: 1 }, section: { settings: { ...settings, token_secret: '' } }, request: { locale: { iso_code: 'en' } },
  });
  assert.doesNotMatch(unset, /retention-widget/);
});

noServerErrorsTest();
