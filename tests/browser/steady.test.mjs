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
