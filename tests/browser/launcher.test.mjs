// mode="launcher": a floating button with the balance on every page of the
// shop, opening the widget in a modal dialog: focus trapped and restored,
// Escape closes, the sections (and their own data) only on first opening,
// axe clean in both locales and themes, screenshots closed and open.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withShopPage, axeViolations, eventually, isFocused, closeBrowser, SCREENSHOTS, API_BASE } from './lib/page.mjs';
import { seededCustomer, customerWithPoints } from './lib/api.mjs';

after(closeBrowser);

/** The element focused inside the widget's shadow root: its tag, class and accessible text. */
const focused = (widget) => widget.evaluate((host) => {
  const a = host.shadowRoot.activeElement;
  return a ? { inDialog: !!a.closest('[role=dialog]'), what: `${a.tagName.toLowerCase()}.${a.className} ${a.getAttribute('aria-label') ?? a.textContent.trim().slice(0, 30)}` } : null;
});

test('launcher: the button shows the balance; it opens a modal dialog, traps focus, closes with Escape and returns focus', async (t) => {
  const id = await customerWithPoints('launcher', 250);
  const requests = [];
  await withShopPage(t, {
    widgets: [{ sub: id, locale: 'en', mode: 'launcher' }],
    setup: async (page) => page.on('request', (r) => { if (r.url().startsWith(API_BASE)) requests.push(new URL(r.url()).pathname); }),
  }, async ({ page, widget }) => {
    const w = widget();
    const button = w.getByRole('button', { name: 'Your rewards: 250 points', exact: true });
    await button.waitFor({ state: 'visible' });
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    const box = await button.boundingBox();
    assert.ok(box.x > 1100 / 2 && box.y > 900 / 2, `the button floats at the bottom right (${JSON.stringify(box)})`);
    const dialog = w.getByRole('dialog', { name: 'Your rewards' });
    assert.equal(await dialog.count(), 0, 'no dialog shown before the shopper opens it');
    assert.equal(await w.locator('section.rw-section').count(), 0, 'the sections are not mounted yet');
    assert.ok(requests.includes('/v1/me'), 'the button needs /v1/me');
    assert.ok(!requests.includes('/v1/me/preferences'), 'and nothing else');

    await button.click();
    await dialog.waitFor({ state: 'visible' });
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    const close = dialog.getByRole('button', { name: 'Close', exact: true });
    await eventually(async () => assert.ok(await isFocused(close), 'focus moves into the dialog, on Close'));
    await eventually(async () => assert.equal(await w.locator('section.rw-section').count(), 3, 'the sections mount on opening'));
    await eventually(async () => assert.ok(requests.includes('/v1/me/preferences'), 'and load their own data'));

    // Tab around the whole dialog and further: focus never leaves it.
    const seen = new Set();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(w);
      assert.ok(f?.inDialog, `Tab ${i + 1}: focus stays in the dialog (on ${f?.what ?? 'nothing'})`);
      seen.add(f.what);
    }
    assert.ok(seen.size > 10, `Tab reaches the dialog's controls (${seen.size})`);
    await close.focus();
    await page.keyboard.press('Shift+Tab');
    const last = await focused(w);
    assert.ok(last?.inDialog && !(await isFocused(close)), `Shift+Tab from the first control wraps to the last (${last?.what})`);
    await page.keyboard.press('Tab');
    assert.ok(await isFocused(close), 'and Tab from the last wraps to the first');

    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await dialog.count(), 0, 'Escape closes the dialog'));
    assert.ok(await isFocused(button), 'focus returns to the launcher button');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');

    // the backdrop closes it too, and a second opening keeps what was mounted
    await button.click();
    await dialog.waitFor({ state: 'visible' });
    await page.mouse.click(20, 450);
    await eventually(async () => assert.equal(await dialog.count(), 0, 'a click beside the dialog closes it'));
    assert.equal(await w.locator('section.rw-section').count(), 3);
  });
});

for (const locale of ['en', 'ru']) {
  for (const theme of ['light', 'dark']) {
    test(`launcher: axe and screenshots closed and open, locale ${locale}, theme ${theme}`, async (t) => {
      const id = await seededCustomer(`launcher-${locale}-${theme}`);
      await withShopPage(t, { lang: locale, widgets: [{ sub: id, locale, theme, mode: 'launcher' }] }, async ({ page, widget }) => {
        await page.evaluate(() => document.fonts.ready);
        const w = widget();
        const button = w.locator('button.rw-launcher');
        await eventually(async () => assert.match(await button.getAttribute('aria-label'), /\d/, 'the balance is on the button'));
        await page.screenshot({ path: join(SCREENSHOTS, `launcher-closed-${locale}-${theme}.png`), animations: 'disabled' });
        const found = [];
        const check = async (selector, what) => {
          for (const v of await axeViolations(page, selector)) {
            found.push(`${what}: ${v.impact} ${v.id} (${v.help})\n      ${v.nodes.slice(0, 4).join('\n      ')}`);
          }
        };
        await check('.rw-launch', 'closed');
        await button.click();
        const dialog = w.locator('[role=dialog]');
        await dialog.waitFor({ state: 'visible' });
        await eventually(async () => assert.equal(await w.locator('section.rw-section').count(), 3));
        await page.screenshot({ path: join(SCREENSHOTS, `launcher-open-${locale}-${theme}.png`), animations: 'disabled' });
        await check('.rw-launch', 'open');
        assert.deepEqual(found, [], `axe found serious or critical violations (${locale}, ${theme})`);
      });
    });
  }
}
