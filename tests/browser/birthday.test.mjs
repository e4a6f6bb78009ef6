// Birthdays (SPEC 2.7): the preferences' birthday field with its change
// limit said before saving, a second change within a year refused
// (birthday_locked), both languages with axe; the loyalty section's
// "Birthday reward" line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, axeViolations, eventually, num, text, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customer, customerWithPoints, putPreferencesAsMerchant } from './lib/api.mjs';

after(closeBrowser);

/** A calendar date `YYYY-MM-DD` as the widget writes dates in `locale`. */
const longDate = (date, locale, year = true) => new Intl.DateTimeFormat(locale, {
  day: 'numeric', month: 'long', ...(year ? { year: 'numeric' } : {}), timeZone: 'UTC',
}).format(new Date(`${date}T00:00:00Z`)).replace(/[\s\u00a0\u202f]+/g, ' ');
const described = (locator) => locator.evaluate((el) => (el.getAttribute('aria-describedby') ?? '')
  .split(' ').map((id) => el.getRootNode().getElementById(id)?.textContent ?? '').join(' ').trim());
const POINT_RU = { one: 'балл', few: 'балла', many: 'баллов', other: 'балла' };
const selected = (select) => select.evaluate((el) => ({ value: el.value, label: el.selectedOptions[0]?.textContent }));

const WORDS = {
  en: { label: 'Birthday', notSet: 'Not set', save: 'Save preferences', limit: /once a year/, locked: /less than a year ago/, saved: /Preferences saved/ },
  ru: { label: 'День рождения', notSet: 'Не указан', save: 'Сохранить настройки', limit: /не чаще раза в год/, locked: /меньше года назад/, saved: /Настройки сохранены/ },
};

for (const locale of ['en', 'ru']) {
  const w = WORDS[locale];
  test(`birthday field (${locale}): the limit said before saving, set once, a second change refused with birthday_locked; axe clean`, async (t) => {
    const id = await seededCustomer(`birthday-${locale}`);
    assert.equal((await customer(id)).preferences.birthday, null, 'no birthday yet');

    await withShopPage(t, {
      lang: locale,
      widgets: [{ sub: id, sections: 'preferences', locale }],
      allowConsole: [/status of 422/],
    }, async ({ page, section, events }) => {
      const s = section('preferences');
      const field = s.getByRole('combobox', { name: w.label, exact: true });
      assert.deepEqual(await selected(field), { value: '', label: w.notSet }, 'not set yet');
      const options = await field.evaluate((el) => [...el.options].map((o) => [o.value, o.textContent]));
      assert.equal(options.length, 367, 'Not set and every day of a leap year');
      assert.deepEqual(options.find(([v]) => v === '02-29'), ['02-29', longDate('2000-02-29', locale, false)], 'Feb 29 is offered, named in the locale');
      assert.deepEqual(options.find(([v]) => v === '03-14'), ['03-14', longDate('2000-03-14', locale, false)]);
      assert.match(await described(field), w.limit, 'the change limit is explained with the field, before saving');
      const found = (await axeViolations(page, 'section[data-section="preferences"]'))
        .map((v) => `${v.impact} ${v.id} (${v.help})\n      ${v.nodes.slice(0, 4).join('\n      ')}`);
      assert.deepEqual(found, [], `axe found serious or critical violations (${locale})`);

      await field.selectOption('03-14');
      await s.getByRole('button', { name: w.save, exact: true }).click();
      await eventually(async () => assert.match(await text(s.locator('.rw-notice .rw-notice-ok')), w.saved));
      assert.equal((await customer(id)).preferences.birthday, '03-14', 'the API has it');
      const fired = await events('retention:preferences-changed');
      assert.equal(fired.at(-1).detail.preferences.birthday, '03-14');

      // a second change within 365 days is refused; the stored date comes back
      await field.selectOption('02-29');
      await s.getByRole('button', { name: w.save, exact: true }).click();
      await eventually(async () => assert.match(await text(s.locator('.rw-notice .rw-notice-error')), w.locked, 'the notice explains the refusal'));
      await eventually(async () => assert.equal((await selected(field)).value, '03-14', 'the field shows the stored birthday again'));
      assert.equal((await customer(id)).preferences.birthday, '03-14', 'the API kept it');
    });
  });
}

test('a save without touching the birthday sends it as stored (null), and other changes still save', async (t) => {
  const id = await seededCustomer('birthday-null');
  await withShopPage(t, { widgets: [{ sub: id, sections: 'preferences', locale: 'en' }] }, async ({ page, section }) => {
    const bodies = [];
    page.on('request', (r) => { if (r.method() === 'PUT' && r.url().endsWith('/v1/me/preferences')) bodies.push(JSON.parse(r.postData())); });
    const s = section('preferences');
    await s.getByRole('checkbox', { name: 'Recommendations', exact: true }).check();
    await s.getByRole('button', { name: 'Save preferences', exact: true }).click();
    await eventually(async () => assert.match(await text(s.locator('.rw-notice')), /Preferences saved/));
    assert.equal(bodies.length, 1);
    assert.ok('birthday' in bodies[0], 'the whole document, birthday included');
    assert.equal(bodies[0].birthday, null);
    assert.equal((await customer(id)).preferences.topics.recommendations, true);
  });
});

for (const locale of ['en', 'ru']) {
  test(`loyalty (${locale}): the next birthday reward with its date; none without a birthday`, async (t) => {
    const id = await customerWithPoints(`birthday-reward-${locale}`, 100);
    const without = await customerWithPoints(`birthday-none-${locale}`, 100);
    const prefs = (await customer(id)).preferences;
    await putPreferencesAsMerchant(id, { ...prefs, birthday: '03-14' });
    const reward = (await customer(id)).loyalty.birthday_reward;
    assert.ok(reward && reward.points > 0, `the program gives a birthday reward: ${JSON.stringify(reward)}`);
    assert.equal(reward.on.slice(5), '03-14', 'on the birthday');
    assert.equal((await customer(without)).loyalty.birthday_reward, null);

    await withShopPage(t, {
      lang: locale,
      widgets: [{ sub: id, sections: 'loyalty', locale }, { sub: without, sections: 'loyalty', locale }],
    }, async ({ page, section }) => {
      const line = section('loyalty', 0).locator('.rw-birthday');
      assert.equal(await line.getAttribute('data-on'), reward.on);
      const expected = locale === 'en'
        ? `Birthday reward: ${num(reward.points)} point${reward.points === 1 ? '' : 's'} on ${longDate(reward.on, 'en')}`
        : `Подарок ко дню рождения: ${num(reward.points, 'ru')} ${POINT_RU[new Intl.PluralRules('ru').select(reward.points)]} ${longDate(reward.on, 'ru')}`;
      assert.equal(await text(line), expected);
      assert.equal(await section('loyalty', 1).locator('.rw-birthday').count(), 0, 'no line without a birthday');
      const found = (await axeViolations(page, 'section[data-section="loyalty"]'))
        .map((v) => `${v.impact} ${v.id} (${v.help})`);
      assert.deepEqual(found, []);
    });
  });
}
