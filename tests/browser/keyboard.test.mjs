// The keyboard alone (Tab, Enter, Space): redeem with its confirmation, a
// subscription action with Undo, a preference saved.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, text, tabTo, focusRing, isFocused, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customerWithPoints, customer } from './lib/api.mjs';

after(closeBrowser);

test('keyboard: Tab to Redeem, Enter; Tab to Confirm, Space: the code is shown', async (t) => {
  const id = await customerWithPoints('kb-redeem', 260);
  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ page, section }) => {
    const s = section('loyalty');
    const redeem = s.getByRole('button', { name: 'Redeem Free shipping', exact: true });
    await tabTo(page, redeem);
    const ring = await focusRing(redeem);
    assert.ok(ring.visible, `the focused Redeem button shows a focus indicator (outline ${ring.outline}, box-shadow ${ring.boxShadow})`);
    await page.keyboard.press('Enter');
    const confirm = s.getByRole('button', { name: 'Confirm', exact: true });
    await confirm.waitFor({ state: 'visible', timeout: 5000 });
    await tabTo(page, confirm);
    await page.keyboard.press('Space');
    await s.locator('.rw-code').waitFor({ state: 'visible', timeout: 10_000 });
    await eventually(async () => assert.equal(await s.locator('.rw-balance').getAttribute('data-balance'), '10'));
    assert.equal((await customer(id)).loyalty.balance, 10);
  });
});

test('keyboard: Tab to Skip next delivery, Enter; Tab to Undo, Space', async (t) => {
  const id = await seededCustomer('kb-skip');
  const before = (await customer(id)).subscriptions.find((x) => x.id === 'demo-tea').next_charge_on;
  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ page, section }) => {
    const tea = section('subscriptions').locator('article.rw-subscription[data-subscription-id="demo-tea"]');
    await tabTo(page, tea.getByRole('button', { name: 'Skip next delivery', exact: true }));
    await page.keyboard.press('Enter');
    await eventually(async () => assert.notEqual(await tea.locator('.rw-next').getAttribute('data-date'), before, 'skipped'));
    assert.ok(await page.evaluate(() => document.activeElement?.localName === 'retention-widget' && document.activeElement.shadowRoot.activeElement !== null), 'focus is still inside the widget after it re-rendered');
    assert.notEqual((await customer(id)).subscriptions.find((x) => x.id === 'demo-tea').next_charge_on, before);
    await tabTo(page, section('subscriptions').locator('.rw-notice').getByRole('button', { name: 'Undo', exact: true }));
    await page.keyboard.press('Space');
    await eventually(async () => assert.equal(await tea.locator('.rw-next').getAttribute('data-date'), before, 'undone'));
    assert.equal((await customer(id)).subscriptions.find((x) => x.id === 'demo-tea').next_charge_on, before);
  });
});

test('keyboard: Tab to a topic, Space; Tab to Save preferences, Enter', async (t) => {
  const id = await seededCustomer('kb-prefs');
  await withShopPage(t, { widgets: [{ sub: id, sections: 'preferences', locale: 'en' }] }, async ({ page, section }) => {
    const s = section('preferences');
    const rec = s.getByRole('group', { name: 'Topics' }).getByRole('checkbox', { name: 'Recommendations', exact: true });
    assert.equal(await rec.isChecked(), false);
    await tabTo(page, rec);
    await page.keyboard.press('Space');
    await eventually(async () => assert.equal(await rec.isChecked(), true, 'Space checks it'));
    assert.ok(await isFocused(rec), 'focus stays on the checkbox (the shopper keeps their place)');
    await tabTo(page, s.getByRole('button', { name: 'Save preferences', exact: true }));
    await page.keyboard.press('Enter');
    await eventually(async () => assert.match(await text(s.locator('.rw-notice')), /Preferences saved/));
    assert.equal((await customer(id)).preferences.topics.recommendations, true, 'stored');
  });
});
