// One-time add-ons on a subscription (SPEC 2.7): add one to the next
// delivery with a quantity, see it listed, remove it; locked in the cutoff;
// an item gone behind the widget's back; axe in both languages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withShopPage, axeViolations, eventually, isFocused, text, closeBrowser, SCREENSHOTS } from './lib/page.mjs';
import { seededCustomer, customer, event, newCustomerId, shopper } from './lib/api.mjs';

after(closeBrowser);

const DAY = 86_400_000;
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const todayUtc = () => new Date().toISOString().slice(0, 10);
const sub = (view, sid) => view.subscriptions.find((s) => s.id === sid);
const card = (section, sid) => section.locator(`article.rw-subscription[data-subscription-id="${sid}"]`);
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const norm = (s) => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
/** Minor units of RUB as the widget writes money in `locale`. */
const money = (minor, locale = 'en') => norm(new Intl.NumberFormat(locale, { style: 'currency', currency: 'RUB' }).format(minor / 100));
const items = (view, sid) => sub(view, sid).onetime_items.map(({ variant_id, quantity }) => ({ variant_id, quantity }));

test('add a one-time add-on with a quantity, add another, see them listed, remove one', async (t) => {
  const id = await seededCustomer('addons');
  const view = await customer(id);
  const coffee = sub(view, 'demo-coffee');
  assert.deepEqual(coffee.onetime_items, [], 'nothing extra on the next delivery yet');
  const offered = view.subscription_options.addons[coffee.product_id];
  assert.ok(offered?.length >= 2, `the program offers add-ons for ${coffee.product_id}: ${JSON.stringify(view.subscription_options.addons)}`);
  const [first, second] = offered;

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ page, section, events }) => {
    const s = section('subscriptions');
    const a = card(s, 'demo-coffee');
    const listed = a.locator('li.rw-onetime');
    assert.equal(await listed.count(), 0, 'no one-time items listed');
    const add = button(a, 'Add to next delivery');
    assert.equal(await add.getAttribute('aria-expanded'), 'false');

    await add.click();
    const form = a.locator('form.rw-action');
    await form.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await add.getAttribute('aria-expanded'), 'true', 'the opener says its form is open');
    const product = form.getByLabel('Product', { exact: true });
    const options = await product.evaluate((el) => [...el.options].map((o) => ({ value: o.value, label: o.textContent, selected: o.selected })));
    assert.deepEqual(options.map((o) => o.value), offered.map((v) => v.variant_id), 'one option per add-on offered for the product');
    for (const [i, v] of offered.entries()) {
      assert.ok(norm(options[i].label).includes(v.title), `option "${options[i].label}" names ${v.title}`);
      assert.ok(norm(options[i].label).includes(money(v.price_minor)), `option "${options[i].label}" has the price ${money(v.price_minor)}`);
    }
    assert.ok(options[0].selected, 'the first add-on is preselected');
    const quantity = form.getByLabel('Quantity', { exact: true });
    assert.equal(await quantity.inputValue(), '1', 'one unit by default');
    assert.equal(await quantity.getAttribute('max'), String(view.subscription_options.max_quantity), 'at most max_quantity');

    await product.selectOption(second.variant_id);
    await quantity.fill('2');
    await button(form, 'Confirm').click();
    await eventually(async () => assert.deepEqual(items(await customer(id), 'demo-coffee'), [{ variant_id: second.variant_id, quantity: 2 }], 'the API has it on the next delivery'));
    await eventually(async () => assert.equal(await form.count(), 0, 'the form closes'));
    await eventually(async () => assert.equal(await listed.count(), 1, 'the card lists it'));
    const line = await text(listed.first());
    assert.equal(await listed.first().getAttribute('data-variant-id'), second.variant_id);
    assert.ok(line.includes(`${second.title}: 2 × ${money(second.price_minor)}`), `"${line}" says what, how many and the unit price`);
    const notice = s.locator('[role="status"].rw-notice');
    await eventually(async () => assert.equal(await text(notice), `${coffee.title}: Added to the next delivery: ${second.title}.`));
    assert.ok(await isFocused(add), 'focus is back on Add to next delivery');

    // the same add-on again sets its quantity; another one joins it
    await add.click();
    await product.selectOption(second.variant_id);
    await quantity.fill('3');
    await button(form, 'Confirm').click();
    await eventually(async () => assert.deepEqual(items(await customer(id), 'demo-coffee'), [{ variant_id: second.variant_id, quantity: 3 }], 'adding it again sets its quantity'));
    await eventually(async () => assert.ok((await text(listed.first())).includes(`${second.title}: 3 ×`), 'the card shows the new quantity'));
    await add.click();
    await product.selectOption(first.variant_id);
    await button(form, 'Confirm').click();
    await eventually(async () => assert.equal(await listed.count(), 2, 'both are listed'));
    assert.deepEqual(items(await customer(id), 'demo-coffee'), [
      { variant_id: second.variant_id, quantity: 3 }, { variant_id: first.variant_id, quantity: 1 },
    ]);
    const label = a.locator(`#${await a.locator('ul[aria-labelledby]').getAttribute('aria-labelledby')}`);
    assert.equal(await text(label), 'Also in the next delivery', 'the list is labelled');

    // focus stays on the second item's Remove when the section renders again
    // (a background reload of the document, as after coming back online)
    const removeFirst = button(a, `Remove ${first.title}`);
    await removeFirst.focus();
    const reloaded = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/me');
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await reloaded;
    await eventually(async () => assert.ok(await isFocused(removeFirst), `focus stays on Remove ${first.title}, the second item`));
    assert.equal(await isFocused(button(a, `Remove ${second.title}`)), false);

    await button(a, `Remove ${second.title}`).click();
    await eventually(async () => assert.deepEqual(items(await customer(id), 'demo-coffee'), [{ variant_id: first.variant_id, quantity: 1 }], 'removed in the API'));
    await eventually(async () => assert.equal(await listed.count(), 1, 'and from the card'));
    assert.equal(await listed.first().getAttribute('data-variant-id'), first.variant_id, 'the other one stays');
    await eventually(async () => assert.equal(await text(notice), `${coffee.title}: Removed from the next delivery: ${second.title}.`));
    assert.ok(await isFocused(add), 'focus goes to Add to next delivery, the Remove button being gone');

    const changed = (await events('retention:subscription-changed')).map((e) => e.detail);
    assert.deepEqual(changed.map((d) => d.action), ['add_onetime', 'add_onetime', 'add_onetime', 'remove_onetime']);
    assert.deepEqual(changed.at(-1).subscription.onetime_items.map((i) => i.variant_id), [first.variant_id], 'the event carries the subscription after the change');
    assert.equal(await button(card(s, 'demo-tea'), `Remove ${second.title}`).count(), 0, 'the other subscription has none of it');
  });
});

test('inside the cutoff the one-time items are listed but locked: Add and Remove disabled, as the API refuses them', async (t) => {
  const id = newCustomerId('addons-locked');
  const view = await event(id, {
    type: 'subscription_upserted',
    subscription: {
      id: 'soon', product_id: 'coffee', variant_id: 'coffee-250g', title: 'Coffee beans 250 g',
      quantity: 1, price_minor: 89_000, currency: 'RUB', interval: { unit: 'month', count: 1 },
      status: 'active', next_charge_on: addDays(todayUtc(), 1),
      paused_until: null, cancel_reason: null, discount_percent: null,
      onetime_items: [{ variant_id: 'addon-mug', title: 'Ceramic mug', price_minor: 120_000, quantity: 2 }],
    },
  });
  assert.equal(sub(view, 'soon').onetime_items.length, 1);
  const refused = await shopper(id, 'POST', '/v1/me/subscriptions/soon/actions', { action: 'remove_onetime', variant_id: 'addon-mug' }, { 'Idempotency-Key': `locked-${id}` });
  assert.equal(refused.status, 409, `the API refuses changes in the cutoff: ${refused.text}`);
  assert.equal(refused.json.code, 'subscription_locked');

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section }) => {
    const a = card(section('subscriptions'), 'soon');
    assert.ok(await a.locator('.rw-locked').isVisible(), '.rw-locked explains the lock');
    const item = a.locator('li.rw-onetime');
    assert.equal(await item.count(), 1, 'the item is listed');
    assert.ok((await text(item)).includes(`Ceramic mug: 2 × ${money(120_000)}`), await text(item));
    assert.equal(await button(a, 'Remove Ceramic mug').isEnabled(), false, 'Remove is disabled while locked');
    assert.equal(await button(a, 'Add to next delivery').isEnabled(), false, 'Add to next delivery is disabled while locked');
    assert.equal(await button(a, 'Skip next delivery').isEnabled(), false, 'like the other changes');
  });
});

test('an item removed elsewhere meanwhile: Remove says it is no longer there and the card catches up', async (t) => {
  const id = await seededCustomer('addons-gone');
  const tea = sub(await customer(id), 'demo-tea');
  const offered = (await customer(id)).subscription_options.addons[tea.product_id];
  assert.ok(offered?.length >= 1, 'the program offers an add-on for tea');
  const added = await shopper(id, 'POST', '/v1/me/subscriptions/demo-tea/actions', { action: 'add_onetime', variant_id: offered[0].variant_id, quantity: 1 }, { 'Idempotency-Key': `gone-${id}` });
  assert.equal(added.status, 200, added.text);

  await withShopPage(t, {
    widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }],
    allowConsole: [/status of 404/],
  }, async ({ section }) => {
    const s = section('subscriptions');
    const a = card(s, 'demo-tea');
    const remove = button(a, `Remove ${offered[0].title}`);
    await remove.waitFor();
    // the merchant's billing sends the subscription without it
    await event(id, { type: 'subscription_upserted', subscription: { ...tea, onetime_items: [] } });

    await remove.click();
    const error = s.locator('.rw-notice .rw-notice-error');
    await eventually(async () => assert.match(await text(error), /no longer there/, 'the notice says so (addon_not_found)'));
    await eventually(async () => assert.equal(await a.locator('li.rw-onetime').count(), 0, 'the card reloads what holds now'));
  });
});

for (const locale of ['en', 'ru']) {
  test(`axe: a subscription with one-time items and the add-on form open, locale ${locale}`, async (t) => {
    const id = await seededCustomer(`addons-axe-${locale}`);
    const offered = (await customer(id)).subscription_options.addons.coffee;
    const added = await shopper(id, 'POST', '/v1/me/subscriptions/demo-coffee/actions', { action: 'add_onetime', variant_id: offered[0].variant_id, quantity: 2 }, { 'Idempotency-Key': `axe-${id}` });
    assert.equal(added.status, 200, added.text);
    const words = locale === 'en'
      ? { add: 'Add to next delivery', product: 'Product', remove: `Remove ${offered[0].title}`, list: 'Also in the next delivery' }
      : { add: 'Добавить к следующей доставке', product: 'Товар', remove: `Убрать: ${offered[0].title}`, list: 'Также в следующей доставке' };

    await withShopPage(t, { lang: locale, widgets: [{ sub: id, sections: 'subscriptions', locale }] }, async ({ page, section }) => {
      const a = card(section('subscriptions'), 'demo-coffee');
      assert.equal(await button(a, words.remove).count(), 1, `"${words.remove}"`);
      assert.ok((await text(a)).includes(words.list), `the list's label in ${locale}`);
      assert.ok((await text(a.locator('li.rw-onetime'))).includes(money(offered[0].price_minor, locale)), `the price as ${locale} writes it`);
      await button(a, words.add).click();
      await a.locator('form.rw-action').getByLabel(words.product, { exact: true }).waitFor();
      await a.screenshot({ path: join(SCREENSHOTS, `subscription-addons-${locale}.png`), animations: 'disabled' });
      const found = (await axeViolations(page, 'section[data-section="subscriptions"]'))
        .map((v) => `${v.impact} ${v.id} (${v.help})\n      ${v.nodes.slice(0, 4).join('\n      ')}`);
      assert.deepEqual(found, [], `axe found serious or critical violations (${locale})`);
    });
  });
}
