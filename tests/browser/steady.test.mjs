// The page stays steady under the shopper's hands: a re-render (after a
// failure, a save or a background refresh) changes only what changed, so
// what the shopper typed and where their focus is stay put.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, text, isFocused, closeBrowser } from './lib/page.mjs';
import { seededCustomer, event } from './lib/api.mjs';
import { API_BASE, SHOP } from './lib/env.mjs';

after(closeBrowser);

const DAY = 86_400_000;
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const todayUtc = () => new Date().toISOString().slice(0, 10);
const card = (section, sid) => section.locator(`article.rw-subscription[data-subscription-id="${sid}"]`);
const button = (scope, name) => scope.getByRole('button', { name, exact: true });

/** Answers the widget's subscription actions with a 503, as a busy API would. */
const failingActions = (page) => page.route(
  (u) => u.origin === API_BASE && /^\/v1\/me\/subscriptions\/[^/]+\/actions$/.test(u.pathname),
  (route) => (route.request().method() !== 'POST' ? route.continue() : route.fulfill({
    status: 503,
    contentType: 'application/problem+json',
    headers: { 'access-control-allow-origin': SHOP, 'retry-after': '1' },
    body: JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, detail: 'busy', code: 'unavailable' }),
  })),
);

test('a failed pause keeps the date the shopper chose', async (t) => {
  const id = await seededCustomer('failed-pause');
  const chosen = addDays(todayUtc(), 17);
  await withShopPage(t, {
    widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }],
    setup: failingActions,
    allowConsole: [/status of 503/],
  }, async ({ section }) => {
    const s = section('subscriptions');
    const coffee = card(s, 'demo-coffee');
    await button(coffee, 'Pause').click();
    const form = coffee.locator('form.rw-action');
    const date = form.getByLabel('Resume on', { exact: true });
    await date.fill(chosen);
    await button(form, 'Confirm').click();
    await s.locator('.rw-notice-error, [role="alert"]').first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await form.isVisible(), 'the form is still open after the failure');
    assert.equal(await date.inputValue(), chosen, 'with the date the shopper chose');
  });
});

test('a typed cancel comment survives a background refresh', async (t) => {
  const id = await seededCustomer('comment-refresh');
  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ page, section }) => {
    const s = section('subscriptions');
    const tea = card(s, 'demo-tea');
    await button(tea, 'Cancel subscription').click();
    const form = tea.locator('form.rw-cancel');
    const comment = form.getByLabel('Anything else? (optional)', { exact: true });
    await comment.fill('Too much tea in the cupboard');
    // something changes elsewhere, and the widget reloads in the background
    await event(id, { type: 'points_adjusted', points: 7, reason: 'Thank you' });
    const reloaded = page.waitForResponse((r) => r.url() === `${API_BASE}/v1/me` && r.request().method() === 'GET');
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await reloaded;
    await page.waitForTimeout(200); // the re-render
    assert.equal(await comment.inputValue(), 'Too much tea in the cupboard', 'the comment is still there');
    assert.ok(await isFocused(comment), 'and still focused');
  });
});

test('after Save the focus stays on Save, and the notice is announced', async (t) => {
  const id = await seededCustomer('save-focus');
  await withShopPage(t, { widgets: [{ sub: id, sections: 'preferences', locale: 'en' }] }, async ({ section }) => {
    const s = section('preferences');
    const form = s.locator('form.rw-preferences');
    await form.getByRole('group', { name: 'Topics' }).getByRole('checkbox', { name: 'Recommendations', exact: true }).check();
    const save = s.getByRole('button', { name: 'Save preferences', exact: true });
    await save.click();
    await eventually(async () => assert.match(await text(s.locator('.rw-notice')), /Preferences saved/));
    await eventually(async () => assert.ok(await isFocused(save), 'Save has the focus'));
  });
});

/**
 * What a screen reader hears from the page's live regions, read from
 * Chromium's accessibility tree through the DevTools protocol: for each
 * live region (by the class of its element), its text and the DOM nodes
 * behind that text. A screen reader announces a region again when those
 * nodes are replaced, even with the same text.
 */
async function liveRegions(cdp) {
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const regions = {};
  for (const n of nodes) {
    const live = n.properties?.find((p) => p.name === 'live')?.value?.value;
    // a region's root has `live`; the nodes inside it name their root
    const inside = n.properties?.some((p) => p.name === 'liveRegionRoot');
    if (!live || live === 'off' || inside) continue;
    const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: n.backendDOMNodeId });
    const { result } = await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: 'function () { return this.className; }', returnByValue: true });
    const texts = [];
    const ids = [];
    const walk = (node) => {
      if (node.role?.value === 'StaticText' || node.role?.value === 'InlineTextBox') {
        texts.push(node.name?.value ?? '');
        ids.push(node.backendDOMNodeId);
      }
      for (const c of node.childIds ?? []) if (byId.has(c)) walk(byId.get(c));
    };
    walk(n);
    regions[result.value] = { live, text: texts.join(' ').replace(/\s+/g, ' ').trim(), nodes: ids.join(',') };
  }
  return regions;
}

test('a screen reader hears the balance again only when it changes (live regions read through CDP)', async (t) => {
  const id = await seededCustomer('live-balance');
  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ page, section }) => {
    const s = section('loyalty');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('Accessibility.enable');
    const before = await liveRegions(cdp);
    const balance = before['rw-balance-box'];
    assert.ok(balance, `the balance is a live region (regions: ${Object.keys(before).join(', ')})`);
    assert.equal(balance.live, 'polite');
    assert.match(balance.text, /points/);

    // Unrelated changes: the history opens; the document reloads in the
    // background (back online) with the same balance.
    await s.getByRole('button', { name: 'Show activity', exact: true }).click();
    await s.locator('.rw-activity').first().waitFor();
    const reloaded = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/me');
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await reloaded;
    await page.waitForTimeout(300);
    const after = await liveRegions(cdp);
    assert.deepEqual(after['rw-balance-box'], balance, 'the balance region is untouched: nothing to announce');
    for (const [name, region] of Object.entries(before)) {
      assert.deepEqual(after[name], region, `the ${name} region is untouched too`);
    }

    // The balance changes: the region's text changes, so it is announced.
    const { loyalty } = await event(id, { type: 'points_adjusted', points: 50, reason: 'Live region check' });
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await eventually(async () => {
      const changed = (await liveRegions(cdp))['rw-balance-box'];
      assert.notEqual(changed.text, balance.text, 'the new balance is announced');
      assert.match(changed.text, new RegExp(new Intl.NumberFormat('en').format(loyalty.balance)));
    });
  });
});
