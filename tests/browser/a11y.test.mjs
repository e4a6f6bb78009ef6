// Accessibility (axe-core: no serious or critical violation in any
// section), screenshots of every section in both locales and both themes,
// and the theme contract.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withShopPage, axeViolations, eventually, closeBrowser, SCREENSHOTS } from './lib/page.mjs';
import { seededCustomer, customerWithPoints } from './lib/api.mjs';

after(closeBrowser);

const SECTIONS = ['loyalty', 'subscriptions', 'preferences'];

for (const locale of ['en', 'ru']) {
  for (const theme of ['light', 'dark']) {
    test(`axe and screenshots: every section, locale ${locale}, theme ${theme}`, async (t) => {
      const id = await seededCustomer(`a11y-${locale}-${theme}`);
      await withShopPage(t, {
        lang: locale,
        widgets: [{ sub: id, locale, theme, sections: SECTIONS.join(' ') }],
      }, async ({ page, section }) => {
        await page.evaluate(() => document.fonts.ready);
        const found = [];
        for (const name of SECTIONS) {
          const s = section(name);
          assert.equal(await s.count(), 1, `section ${name}`);
          await s.screenshot({ path: join(SCREENSHOTS, `${name}-${locale}-${theme}.png`), animations: 'disabled' });
          for (const v of await axeViolations(page, `section[data-section="${name}"]`)) {
            found.push(`${name}: ${v.impact} ${v.id} (${v.help})\n      ${v.nodes.slice(0, 4).join('\n      ')}`);
          }
        }
        assert.deepEqual(found, [], `axe found serious or critical violations (${locale}, ${theme})`);
      });
    });
  }
}

test('themes: light and dark differ, auto follows the system, the page\'s own properties win, a theme change re-renders', async (t) => {
  const id = await customerWithPoints('theme', 500);
  await withShopPage(t, {
    colorScheme: 'dark',
    stylesheets: ['/__test/theme-override.css'],
    widgets: [
      { sub: id, sections: 'loyalty', locale: 'en', theme: 'light' },
      { sub: id, sections: 'loyalty', locale: 'en', theme: 'dark' },
      { sub: id, sections: 'loyalty', locale: 'en', theme: 'auto' },
      { sub: id, sections: 'loyalty', locale: 'en', theme: 'dark', class: 'branded' },
    ],
  }, async ({ widget }) => {
    // what the shopper sees: the root's text and background colours
    const look = (i) => widget(i).locator('div.rw').evaluate((el) => {
      const cs = getComputedStyle(el);
      return { color: cs.color, background: cs.backgroundColor };
    });
    const [light, dark, auto, branded] = [await look(0), await look(1), await look(2), await look(3)];
    assert.notEqual(light.color, dark.color, `the text colour differs between light (${light.color}) and dark (${dark.color})`);
    assert.notEqual(light.background, dark.background, `the background differs between light (${light.background}) and dark (${dark.background})`);
    assert.deepEqual(auto, dark, 'auto with a dark system preference looks like dark (and light stays light on a dark system)');
    assert.equal(branded.background, 'rgb(1, 2, 3)', 'the page\'s own --rw-bg wins over the dark theme');
    assert.equal(branded.color, dark.color, 'what the page does not set keeps the dark value');

    await widget(0).evaluate((el) => el.setAttribute('theme', 'dark'));
    await eventually(async () => assert.deepEqual(await look(0), dark, 'theme="dark" set after load re-renders in place'));
  });
});
