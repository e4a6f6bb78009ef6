// Locales: Russian plural forms of the balance, the locale taken from the
// page's <html lang>, and a locale change after load.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, norm, num, text, closeBrowser } from './lib/page.mjs';
import { customerWithPoints, seededCustomer } from './lib/api.mjs';

after(closeBrowser);

/** `phrase` occurs in `shown` as a whole: no digit right before it, no letter right after. */
function assertPhrase(shown, phrase, what) {
  const at = shown.indexOf(phrase);
  const before = at > 0 ? shown.slice(0, at).trimEnd().slice(-1) : '';
  const afterChar = shown.charAt(at + phrase.length);
  assert.ok(at >= 0 && !/\d/.test(before) && !/[\p{L}]/u.test(afterChar), `${what}: "${shown}" should read "${phrase}"`);
}

const RU = [
  [1, 'балл'], [2, 'балла'], [4, 'балла'], [5, 'баллов'], [11, 'баллов'], [12, 'баллов'],
  [21, 'балл'], [22, 'балла'], [25, 'баллов'], [1234, 'балла'],
];

test('Russian: the balance takes the right plural form (1 балл, 2 балла, 5 баллов, 11 баллов, 21 балл, 1 234 балла)', async (t) => {
  const failures = [];
  for (const [points, word] of RU) {
    const id = await customerWithPoints('ru', points);
    await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'ru' }] }, async ({ section, widget }) => {
      assert.equal(await widget().locator('div.rw').getAttribute('lang'), 'ru', 'the root has lang=ru');
      const balance = section('loyalty').locator('.rw-balance');
      assert.equal(await balance.getAttribute('data-balance'), String(points));
      try {
        assertPhrase(await text(balance), `${num(points, 'ru')} ${word}`, `${points} points`);
      } catch (e) { failures.push(e.message); }
    });
  }
  assert.deepEqual(failures, [], 'every balance reads with its plural form');
});

test('English: 1 point, 2 points, 1,234 points', async (t) => {
  for (const [points, phrase] of [[1, '1 point'], [2, '2 points'], [1234, '1,234 points']]) {
    const id = await customerWithPoints('en', points);
    await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ section }) => {
      assertPhrase(await text(section('loyalty').locator('.rw-balance')), phrase, `${points} points`);
    });
  }
});

test('the locale defaults to the page\'s <html lang>; the attribute wins; changing it re-renders in place', async (t) => {
  const id = await seededCustomer('lang');
  await withShopPage(t, {
    lang: 'ru-RU',
    widgets: [{ sub: id, sections: 'loyalty subscriptions preferences' }, { sub: id, sections: 'loyalty', locale: 'en' }],
  }, async ({ widget, section }) => {
    const heads = async (i) => (await widget(i).locator('section h2').allTextContents()).map(norm);
    assert.match(await widget(0).locator('div.rw').getAttribute('lang'), /^ru/, 'no locale attribute on a lang=ru-RU page: Russian');
    const ruHeads = await heads(0);
    assert.equal(ruHeads.length, 3);
    for (const h of ruHeads) assert.match(h, /[а-яё]/i, `Russian heading "${h}"`);
    assert.match(await text(section('loyalty', 0).locator('.rw-balance')), /балл/);
    assert.match(await widget(1).locator('div.rw').getAttribute('lang'), /^en/, 'locale="en" wins over the page');
    assert.deepEqual(await heads(1), ['Your points']);

    await widget(1).evaluate((el) => el.setAttribute('locale', 'ru'));
    await eventually(async () => assert.match(await text(section('loyalty', 1).locator('.rw-balance')), /балл/, 'the balance is now in Russian'));
    assert.match(await widget(1).locator('div.rw').getAttribute('lang'), /^ru/);
    assert.equal((await heads(1))[0], ruHeads[0], 'the same heading as the other Russian widget');
  });
});
