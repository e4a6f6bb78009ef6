// The widget under conditions a shop cannot rule out: an answer lost on
// the network after the API did the change; a page that is no secure
// context (a plain-http staging host), where crypto.randomUUID and the
// async clipboard do not exist; a refusal inside the Russian widget.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, norm, closeBrowser } from './lib/page.mjs';
import { customerWithPoints, customer, event, seededCustomer } from './lib/api.mjs';
import { API_BASE, INSECURE_SHOP } from './lib/env.mjs';

after(closeBrowser);

/** Redeems `name` in section `s` (Redeem, then Confirm). */
async function redeem(s, name) {
  await s.getByRole('button', { name: `Redeem ${name}`, exact: true }).click();
  await s.getByRole('button', { name: 'Confirm', exact: true }).click();
}

test('a redemption whose answer is lost, confirmed again, spends the points once', async (t) => {
  const id = await customerWithPoints('lost-answer', 600);
  const keys = [];
  let lost = 0;
  const setup = (page) => page.route((u) => u.origin === API_BASE && u.pathname === '/v1/me/redemptions', async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    keys.push(request.headers()['idempotency-key']);
    if (lost === 0) {
      lost += 1;
      await route.fetch(); // the API does the redemption…
      return route.abort('failed'); // …and its answer never reaches the page
    }
    return route.continue();
  });
  const allowConsole = [/ERR_FAILED|Failed to (load resource|fetch)/];
  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }], setup, allowConsole }, async ({ section }) => {
    const s = section('loyalty');
    await redeem(s, 'Free shipping');
    await s.locator('.rw-notice-error, [role="alert"]').first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal((await customer(id)).loyalty.balance, 350, 'the API did the first redemption');
    await redeem(s, 'Free shipping'); // the shopper tries again
    await s.locator('.rw-code').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(keys.length, 2, 'two requests went out');
    assert.equal(keys[1], keys[0], 'the retry went with the first request\'s idempotency key');
    const after = await customer(id);
    assert.equal(after.loyalty.balance, 350, 'the points were spent once');
    assert.equal(after.ledger.filter((e) => e.points < 0).length, 1, 'one redemption in the ledger');
    await eventually(async () => assert.equal(await s.locator('.rw-balance').getAttribute('data-balance'), '350'));
  });
});

test('on an http page of a non-local host (no secure context) a redemption and Copy code work', async (t) => {
  const id = await customerWithPoints('insecure', 300);
  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }], origin: INSECURE_SHOP }, async ({ page, section }) => {
    assert.equal(await page.evaluate(() => window.isSecureContext), false, 'the page is no secure context');
    assert.equal(await page.evaluate(() => typeof crypto.randomUUID), 'undefined', 'crypto.randomUUID is missing');
    assert.equal(await page.evaluate(() => typeof navigator.clipboard), 'undefined', 'and so is navigator.clipboard');
    const s = section('loyalty');
    await redeem(s, 'Free shipping');
    await s.locator('.rw-code').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal((await customer(id)).loyalty.balance, 50, 'the redemption was done');
    const copy = s.getByRole('button', { name: 'Copy code', exact: true });
    await copy.click();
    await eventually(async () => assert.equal(await s.getByRole('button', { name: 'Copied', exact: true }).count(), 1, 'Copy code says Copied'));
  });
});

test('a 409 inside the Russian widget is a Russian sentence, chosen by its code', async (t) => {
  const id = await customerWithPoints('ru-409', 300);
  // the browser logs the refused request itself
  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'ru' }], allowConsole: [/status of 409/] }, async ({ section }) => {
    const s = section('loyalty');
    // the balance drops elsewhere after the page loaded: the widget still offers the reward
    await event(id, { type: 'points_adjusted', points: -200, reason: 'Spent in the shop' });
    await s.getByRole('button', { name: 'Обменять: Free shipping', exact: true }).click();
    await s.getByRole('button', { name: 'Подтвердить', exact: true }).click();
    const notice = s.locator('.rw-notice-error').first();
    await notice.waitFor({ state: 'visible', timeout: 10_000 });
    const said = norm(await notice.textContent());
    assert.equal(said, 'Для этой награды не хватает баллов.', `the sentence for insufficient_points: "${said}"`);
    assert.doesNotMatch(said, /[A-Za-z]{3,}/, 'no English in the Russian widget');
  });
});

test('on a page enforcing Trusted Types the widget renders and works, with no console error', async (t) => {
  const id = await seededCustomer('trusted-types');
  const resumeOn = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await withShopPage(t, {
    widgets: [{ sub: id, sections: 'loyalty subscriptions preferences', locale: 'en' }],
    csp: 'trusted-types',
  }, async ({ page, section, problems }) => {
    const enforced = await page.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<b>probe</b>';
        return false;
      } catch (e) {
        return e instanceof TypeError;
      }
    });
    assert.equal(enforced, true, 'the page refuses plain strings for innerHTML');
    // the probe's own refusal is reported like any other: only it is taken back
    await eventually(async () => assert.ok(problems.some((p) => p.includes('<b>probe</b>'))));
    const probe = (p) => p.includes('<b>probe</b>') || (p.includes("requires 'TrustedHTML'") && / @ :\d+$/.test(p));
    problems.splice(0, problems.length, ...problems.filter((p) => !probe(p)));
    assert.ok(await section('loyalty').locator('.rw-balance').isVisible(), 'loyalty rendered');
    const coffee = section('subscriptions').locator('article.rw-subscription[data-subscription-id="demo-coffee"]');
    await coffee.getByRole('button', { name: 'Pause', exact: true }).click();
    const form = coffee.locator('form.rw-action');
    await form.getByLabel('Resume on', { exact: true }).fill(resumeOn);
    await form.getByRole('button', { name: 'Confirm', exact: true }).click();
    await eventually(async () => assert.equal(await coffee.getAttribute('data-status'), 'paused', 'the pause went through'));
    const prefs = section('preferences');
    await prefs.getByRole('button', { name: 'Save preferences', exact: true }).click();
    await eventually(async () => assert.match(norm(await prefs.locator('.rw-notice').textContent()), /Preferences saved/));
  });
});
