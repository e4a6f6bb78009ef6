// The page contract's skeleton (UI.md): the root, the sections with their
// headings, one live region per section for notices.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, norm, eventually, waitReady, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customerWithPoints, event } from './lib/api.mjs';

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

test('loading: the root is data-state=loading with aria-busy=true until /v1/me answers', async (t) => {
  const id = await customerWithPoints('loading', 42);
  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }], ready: false, hold: '/v1/me' }, async ({ widget, release }) => {
    const root = widget().locator('div.rw');
    await root.waitFor({ state: 'attached', timeout: 20_000 });
    assert.equal(await root.getAttribute('data-state'), 'loading');
    assert.equal(await root.getAttribute('aria-busy'), 'true', 'aria-busy while loading');
    assert.equal(await root.locator('.rw-balance').count(), 0, 'no balance yet');
    release();
    await waitReady(widget());
    assert.notEqual(await root.getAttribute('aria-busy'), 'true', 'not busy once ready');
    assert.equal(await root.locator('.rw-balance').getAttribute('data-balance'), '42');
  });
});

test('offline: a [role=status].rw-offline banner while offline; back online the widget reloads by itself', async (t) => {
  const id = await customerWithPoints('offline', 10);
  await withShopPage(t, {
    widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }],
    allowConsole: [/ERR_INTERNET_DISCONNECTED/],
  }, async ({ page, widget }) => {
    const root = widget().locator('div.rw');
    // the live region may stay in the page; what it says is what counts
    const banner = root.locator('[role="status"].rw-offline');
    // what all such regions say now (none: nothing), without waiting for one to appear
    const says = async () => norm((await banner.evaluateAll((els) => els.map((el) => el.textContent).join(' '))));
    assert.doesNotMatch(await says(), /offline/i, 'no offline banner while online');
    await page.context().setOffline(true);
    await eventually(async () => assert.match(await says(), /offline/i, 'the banner says the shopper is offline'));
    assert.ok(await banner.isVisible(), 'and is visible');
    await event(id, { type: 'points_adjusted', points: 5, reason: 'Browser suite, while the shopper was offline' });
    await page.context().setOffline(false);
    await eventually(async () => assert.doesNotMatch(await says(), /offline/i, 'the banner goes away'));
    await eventually(async () => assert.equal(await root.locator('.rw-balance').getAttribute('data-balance'), '15', 'reloaded: the points given meanwhile are there'));
  });
});
