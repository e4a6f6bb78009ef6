// The demo shop page (www/index.html) as ./dev demo serves it, from the
// shop's origin with the strict CSP, the widget and API on another origin.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withShopPage, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customer, tokenRequests } from './lib/api.mjs';
import { REPO } from './lib/env.mjs';

after(closeBrowser);

const index = join(REPO, 'www', 'index.html');

test('www/index.html: the widget loads from the API origin under the shop\'s CSP and shows the shopper', { skip: !existsSync(index) && 'www/index.html is not there yet' }, async (t) => {
  const html = readFileSync(index, 'utf8');
  assert.match(html, /<script[^>]+type="module"[^>]+src="http:\/\/127\.0\.0\.1:8787\/widget\/loader\.js"/, 'the page loads the loader as a module from the API origin');
  assert.match(html, /<retention-widget[^>]+token-url=/, 'the widget gets its token from a token-url');
  const id = await seededCustomer('shop');
  const { loyalty } = await customer(id);

  await withShopPage(t, { path: `/?sub=${encodeURIComponent(id)}` }, async ({ page, widget }) => {
    assert.ok(await page.locator('retention-widget').count() >= 1);
    const sections = await widget().locator('section[data-section]').evaluateAll((els) => els.map((el) => el.getAttribute('data-section')));
    assert.deepEqual(sections, ['loyalty', 'subscriptions', 'preferences'], 'the three sections the page asks for');
    assert.equal(await widget().locator('.rw-balance').getAttribute('data-balance'), String(loyalty.balance), 'the shopper\'s balance');
    assert.equal(await widget().locator('article.rw-subscription').count(), 2, 'the shopper\'s two subscriptions');
    assert.ok(await tokenRequests(id) >= 1, 'the token came from the shop\'s token-url');
  });
});
