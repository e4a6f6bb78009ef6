// The page contract's skeleton (UI.md): the root, the sections with their
// headings, one live region per section for notices.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, norm, closeBrowser } from './lib/page.mjs';
import { seededCustomer } from './lib/api.mjs';

after(closeBrowser);

test('root div.rw (ready, lang), the three sections in order with their headings, one [role=status].rw-notice each', async (t) => {
  const id = await seededCustomer('structure');
  await withShopPage(t, { widgets: [{ sub: id, locale: 'en' }] }, async ({ widget }) => {
    const root = widget().locator('div.rw');
    assert.equal(await root.count(), 1, 'one div.rw in the shadow root');
    assert.equal(await root.getAttribute('data-state'), 'ready');
    assert.equal(await root.getAttribute('lang'), 'en');
    assert.notEqual(await root.getAttribute('aria-busy'), 'true', 'not busy once ready');
    const sections = root.locator('section[data-section]');
    assert.deepEqual(await sections.evaluateAll((els) => els.map((el) => el.getAttribute('data-section'))), ['loyalty', 'subscriptions', 'preferences'], 'all three by default, in order');
    const headings = { loyalty: 'Your points', subscriptions: 'Your subscriptions', preferences: 'Contact preferences' };
    const notices = {};
    for (const [name, heading] of Object.entries(headings)) {
      const s = root.locator(`section[data-section="${name}"]`);
      assert.equal(norm(await s.locator('h2').first().textContent()), heading, `${name}: <h2>`);
      notices[name] = await s.locator('[role="status"].rw-notice').count();
    }
    assert.deepEqual(notices, { loyalty: 1, subscriptions: 1, preferences: 1 }, 'one [role=status] .rw-notice live region per section');
  });
});
