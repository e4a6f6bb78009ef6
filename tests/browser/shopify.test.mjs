// A Shopify shop: the page carries the theme section's output (rendered
// with liquidjs from integrations/shopify/sections/retention-widget.liquid
// for a logged-in customer), on the shop's origin under the strict CSP.
// The shopper sees their balance, and when the API says the session has
// expired the widget trades the signature again and carries on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, closeBrowser, shopPageHtml, eventually } from './lib/page.mjs';
import { customerWithPoints, customer } from './lib/api.mjs';
import { API_BASE, MERCHANT, SHOP } from './lib/env.mjs';
import { renderSection } from '../api/lib/liquid.mjs';

after(closeBrowser);

test('the theme section\'s widget shows the balance, and renews its session at /v1/session when the API says it expired', async (t) => {
  const id = await customerWithPoints('shopify', 300);
  const section = await renderSection({
    customer: { id },
    settings: { api_url: API_BASE, merchant_id: MERCHANT.id, token_secret: MERCHANT.token_secret, sections: 'loyalty' },
  });
  assert.match(section, /<retention-widget/);
  const html = shopPageHtml({ widgets: [] }).replace('</main>', `${section}\n</main>`);
  const sessions = [];
  let redemptions = 0;
  await withShopPage(t, {
    html,
    setup: async (page) => {
      await page.route((u) => u.origin === API_BASE && u.pathname === '/v1/session', async (route) => {
        sessions.push(JSON.parse(route.request().postData() ?? '{}'));
        await route.continue();
      });
      // The first redemption meets an expired session (as after an hour on
      // the page): the API's own 401 token_expired.
      await page.route((u) => u.origin === API_BASE && u.pathname === '/v1/me/redemptions', async (route) => {
        if (route.request().method() !== 'POST' || redemptions++ > 0) return route.continue();
        return route.fulfill({
          status: 401,
          contentType: 'application/problem+json',
          headers: { 'access-control-allow-origin': SHOP },
          body: JSON.stringify({ type: 'urn:retention:problem:token_expired', title: 'Token expired', status: 401, detail: 'expired', code: 'token_expired' }),
        });
      });
    },
    allowConsole: [/status of 401/],
  }, async ({ section: sectionOf }) => {
    const loyalty = sectionOf('loyalty');
    assert.equal(await loyalty.locator('.rw-balance').getAttribute('data-balance'), '300');
    assert.equal(sessions.length, 1, 'one session for the page');
    await loyalty.getByRole('button', { name: 'Redeem Free shipping', exact: true }).click();
    await loyalty.getByRole('button', { name: 'Confirm', exact: true }).click();
    await eventually(async () => assert.equal(await loyalty.locator('.rw-balance').getAttribute('data-balance'), '50'));
    assert.equal(sessions.length, 2, 'the expired session was renewed with the same signature');
    assert.deepEqual(sessions[1], sessions[0]);
    assert.equal(typeof sessions[0].ts, 'number', 'ts is a JSON number');
    assert.equal(sessions[0].customer, String(id));
    assert.equal((await customer(id)).loyalty.balance, 50, 'spent once');
  });
});
