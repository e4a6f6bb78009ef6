// Contact preferences: change and save, kept after a reload; a change made
// elsewhere meanwhile (412) reloads the form; snooze and unsubscribe.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, text, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customer, putPreferencesAsMerchant } from './lib/api.mjs';

after(closeBrowser);

const clone = (x) => JSON.parse(JSON.stringify(x));
const selectedLabel = (select) => select.evaluate((el) => el.selectedOptions[0]?.textContent.trim() ?? null);

test('change a topic and the weekly cap, Save: stored, announced, and kept after a reload', async (t) => {
  const id = await seededCustomer('prefs');
  const before = (await customer(id)).preferences;
  assert.equal(before.topics.recommendations, false);
  assert.equal(before.max_per_week, 3);

  await withShopPage(t, { widgets: [{ sub: id, sections: 'preferences', locale: 'en' }] }, async ({ section, events, reload }) => {
    const s = section('preferences');
    const form = s.locator('form.rw-preferences');
    const topics = form.getByRole('group', { name: 'Topics' });
    const rec = topics.getByRole('checkbox', { name: 'Recommendations', exact: true });
    const cap = form.getByRole('combobox', { name: 'Messages per week' });
    assert.equal(await rec.isChecked(), false, 'Recommendations start unchecked (as stored)');
    assert.equal(await selectedLabel(cap), '3', 'Messages per week starts at the stored 3');
    for (const always of ['Order updates', 'Subscription updates']) {
      const box = topics.getByRole('checkbox', { name: always });
      assert.equal(await box.count(), 1, `${always} is listed`);
      assert.ok(await box.isChecked(), `${always} is checked`);
      assert.equal(await box.isEnabled(), false, `${always} is disabled (always on)`);
    }
    const options = await cap.evaluate((el) => [...el.options].map((o) => o.textContent.trim()));
    assert.deepEqual(options, ['No limit', ...Array.from({ length: 21 }, (_, i) => String(i + 1))], 'Messages per week: No limit, 1…21');

    await rec.check();
    await cap.selectOption({ label: '5' });
    await s.getByRole('button', { name: 'Save preferences', exact: true }).click();
    await eventually(async () => assert.match(await text(s.locator('.rw-notice')), /Preferences saved/));
    assert.match(await text(s.locator('.rw-notice .rw-notice-ok')), /Preferences saved/, 'a success notice (.rw-notice-ok)');

    const expected = clone(before);
    expected.topics.recommendations = true;
    expected.max_per_week = 5;
    const stored = (await customer(id)).preferences;
    assert.deepEqual(stored, expected, 'the API has exactly these two changes');
    const fired = await events('retention:preferences-changed');
    assert.equal(fired.length, 1, 'retention:preferences-changed fired');
    assert.deepEqual(fired[0].detail.preferences, stored);

    await reload();
    const s2 = section('preferences');
    const rec2 = s2.getByRole('group', { name: 'Topics' }).getByRole('checkbox', { name: 'Recommendations', exact: true });
    assert.equal(await rec2.isChecked(), true, 'Recommendations still checked after a reload');
    assert.equal(await selectedLabel(s2.getByRole('combobox', { name: 'Messages per week' })), '5', 'the cap is still 5 after a reload');
  });
});

test('412: preferences changed elsewhere meanwhile; Save says so and shows the stored values', async (t) => {
  const id = await seededCustomer('prefs412');
  const before = (await customer(id)).preferences;
  assert.equal(before.topics.promotions, true);
  assert.equal(before.topics.new_products, true);

  await withShopPage(t, {
    widgets: [{ sub: id, sections: 'preferences', locale: 'en' }],
    // the browser logs the refused PUT itself
    allowConsole: [/status of 412/],
  }, async ({ section, allowed }) => {
    const s = section('preferences');
    const form = s.locator('form.rw-preferences');
    const topics = form.getByRole('group', { name: 'Topics' });
    // the form shows what it loaded (the section asks for its document
    // after the widget is ready): a change made before that is no conflict
    await topics.getByRole('checkbox', { name: 'New products', exact: true }).waitFor();

    // the merchant changes them behind the widget's back
    const merchant = clone(before);
    merchant.max_per_week = 7;
    merchant.topics.promotions = false;
    await putPreferencesAsMerchant(id, merchant);

    await topics.getByRole('checkbox', { name: 'New products', exact: true }).uncheck();
    await s.getByRole('button', { name: 'Save preferences', exact: true }).click();

    await eventually(async () => assert.match(await text(s.locator('.rw-notice')), /elsewhere/i, 'the notice says they were changed elsewhere'));
    await eventually(async () => {
      assert.equal(await selectedLabel(form.getByRole('combobox', { name: 'Messages per week' })), '7', 'the form shows the stored cap');
      assert.equal(await topics.getByRole('checkbox', { name: 'Promotions', exact: true }).isChecked(), false, 'and the stored Promotions');
      assert.equal(await topics.getByRole('checkbox', { name: 'New products', exact: true }).isChecked(), true, 'and the stored New products');
    });
    assert.deepEqual((await customer(id)).preferences, merchant, 'the widget did not overwrite the change made elsewhere');
    assert.ok(allowed.some((l) => /status of 412/.test(l) && /\/v1\/me\/preferences/.test(l)), 'the save was a conditional PUT that the API refused with 412');
  });
});

test('snooze for 7 days and resume; unsubscribe from all marketing and subscribe again', async (t) => {
  const id = await seededCustomer('snooze');

  await withShopPage(t, { widgets: [{ sub: id, sections: 'preferences', locale: 'en' }] }, async ({ section }) => {
    const s = section('preferences');
    const t0 = Date.now();
    await s.getByRole('button', { name: 'Snooze for 7 days', exact: true }).click();
    const snoozed = s.locator('.rw-snoozed');
    await snoozed.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await text(snoozed), /Marketing paused until/);
    const until = await eventually(async () => {
      const at = (await customer(id)).preferences.snoozed_until;
      assert.ok(at, 'saved at once: snoozed_until is set');
      return at;
    });
    const days = (Date.parse(until) - t0) / 86_400_000;
    assert.ok(days > 6.5 && days < 8, `snoozed for about 7 days (${days.toFixed(2)})`);
    const untilDay = String(Number(new Intl.DateTimeFormat('en', { timeZone: 'Europe/Moscow', day: 'numeric' }).format(new Date(until))));
    assert.match(await text(snoozed), new RegExp(`(^|\\D)${untilDay}(\\D|$)`), 'the date is shown');

    await s.getByRole('button', { name: 'Resume messages', exact: true }).click();
    await eventually(async () => assert.equal(await snoozed.count(), 0, '.rw-snoozed goes away'));
    await eventually(async () => assert.equal((await customer(id)).preferences.snoozed_until, null, 'the snooze is lifted in the API'));

    await s.getByRole('button', { name: 'Unsubscribe from all marketing', exact: true }).click();
    const unsub = s.locator('.rw-unsubscribed');
    await unsub.waitFor({ state: 'visible', timeout: 10_000 });
    await eventually(async () => assert.equal((await customer(id)).preferences.marketing_unsubscribed, true, 'saved at once'));
    await s.getByRole('button', { name: 'Subscribe again', exact: true }).click();
    await eventually(async () => assert.equal(await unsub.count(), 0, '.rw-unsubscribed goes away'));
    await eventually(async () => assert.equal((await customer(id)).preferences.marketing_unsubscribed, false, 'subscribed again in the API'));
  });
});
