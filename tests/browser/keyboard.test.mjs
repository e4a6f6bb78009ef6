// The keyboard alone (Tab, Enter, Space): redeem with its confirmation, a
// subscription action with Undo, a preference saved; and every control of
// every section reached by Tab in one pass, each with a focus indicator.
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

// Every enabled control of every section, with a subscription's cancel form
// and the quiet hours open, is reached by Tab alone, in one pass, and shows
// a focus indicator. A radio group is one stop (arrow keys move within it).
test('keyboard: Tab alone reaches every enabled control, each with a visible focus indicator', async (t) => {
  const id = await seededCustomer('kb-every');
  await withShopPage(t, { widgets: [{ sub: id, locale: 'en' }] }, async ({ page, section }) => {
    // Open the forms that add controls: the cancel form and quiet hours.
    const tea = section('subscriptions').locator('article.rw-subscription[data-subscription-id="demo-tea"]');
    await tea.getByRole('button', { name: 'Cancel subscription', exact: true }).click();
    await tea.locator('form.rw-cancel').waitFor({ state: 'visible', timeout: 5000 });
    const quiet = section('preferences').getByRole('checkbox', { name: 'Quiet hours', exact: true });
    await quiet.check();
    await section('preferences').locator('#rw-zone').waitFor({ state: 'visible', timeout: 5000 });

    // Mark every enabled control; radios count once per group.
    const expected = await page.evaluate(() => {
      const root = document.querySelector('retention-widget').shadowRoot;
      const seenGroups = new Set();
      let n = 0;
      for (const el of root.querySelectorAll('button, input, select, textarea, a[href]')) {
        if (el.disabled || el.getClientRects().length === 0) continue;
        if (el.type === 'radio') {
          if (seenGroups.has(el.name)) continue;
          seenGroups.add(el.name);
          for (const r of root.querySelectorAll(`input[type=radio][name="${el.name}"]`)) r.dataset.kbMark = String(n);
        } else {
          el.dataset.kbMark = String(n);
        }
        n += 1;
      }
      return n;
    });
    assert.ok(expected > 60, `the page has its controls (${expected})`);

    // Start before the widget (a click on the page's top corner moves the
    // sequential focus starting point there) and Tab through it.
    await page.evaluate(() => {
      document.querySelector('retention-widget').shadowRoot.activeElement?.blur();
      window.scrollTo(0, 0);
    });
    await page.mouse.click(1, 1);
    const reached = new Set();
    const ringed = new Set();
    const names = new Map();
    let inside = false;
    for (let i = 0; i < expected + 40; i++) {
      await page.keyboard.press('Tab');
      const hit = await page.evaluate(() => {
        const host = document.activeElement;
        if (host?.localName !== 'retention-widget') return null;
        const el = host.shadowRoot.activeElement;
        if (!el) return null;
        const style = getComputedStyle(el);
        const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
        return { mark: el.dataset.kbMark ?? null, ring, what: `${el.localName}${el.id ? '#' + el.id : ''} ${el.textContent?.trim().slice(0, 30) ?? ''}` };
      });
      if (!hit) {
        if (inside) break; // Tab has left the widget: one pass is done
        continue;
      }
      inside = true;
      if (hit.mark === null) continue;
      reached.add(hit.mark);
      names.set(hit.mark, hit.what);
      // A time input is several stops (hours, minutes, …); one ring will do.
      if (hit.ring) ringed.add(hit.mark);
    }
    const unringed = [...reached].filter((m) => !ringed.has(m)).map((m) => names.get(m));
    const missing = await page.evaluate((got) => {
      const root = document.querySelector('retention-widget').shadowRoot;
      return [...root.querySelectorAll('[data-kb-mark]')]
        .filter((el) => !got.includes(el.dataset.kbMark))
        .map((el) => `${el.localName}${el.id ? '#' + el.id : ''} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''}`);
    }, [...reached]);
    assert.deepEqual([...new Set(missing)], [], 'controls Tab never reached');
    assert.equal(reached.size, expected, 'every control once');
    assert.deepEqual(unringed, [], 'focused controls without a focus indicator');
  });
});
