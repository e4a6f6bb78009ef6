// Several widgets on one page, and where the token comes from: the
// `token` attribute, the token-url (also when the attribute's token has
// expired), a changed token, a refused one.
import { test, after } from 'node:test';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { withShopPage, eventually, text, closeBrowser, waitReady } from './lib/page.mjs';
import { seededCustomer, customerWithPoints, customer, tokenRequests, mintShopperToken } from './lib/api.mjs';
import { MERCHANT } from './lib/env.mjs';

after(closeBrowser);

const sections = async (w) => w.locator('section[data-section]').evaluateAll((els) => els.map((el) => el.getAttribute('data-section')));

test('two widgets on one page (different customers and sections) work independently', async (t) => {
  const x = await customerWithPoints('two-x', 260);
  const y = await seededCustomer('two-y');
  const yBefore = await customer(y);

  await withShopPage(t, {
    widgets: [{ sub: x, sections: 'loyalty', locale: 'en' }, { sub: y, sections: 'loyalty subscriptions', locale: 'en' }],
  }, async ({ widget, section, events }) => {
    assert.deepEqual(await sections(widget(0)), ['loyalty']);
    assert.deepEqual(await sections(widget(1)), ['loyalty', 'subscriptions']);
    assert.equal(await section('loyalty', 0).locator('.rw-balance').getAttribute('data-balance'), '260');
    assert.equal(await section('loyalty', 1).locator('.rw-balance').getAttribute('data-balance'), String(yBefore.loyalty.balance));

    // redeem in the first
    const first = section('loyalty', 0);
    await first.getByRole('button', { name: 'Redeem Free shipping', exact: true }).click();
    await first.getByRole('button', { name: 'Confirm', exact: true }).click();
    await eventually(async () => assert.equal(await first.locator('.rw-balance').getAttribute('data-balance'), '10'));
    assert.equal(await section('loyalty', 1).locator('.rw-balance').getAttribute('data-balance'), String(yBefore.loyalty.balance), 'the second widget keeps its balance');
    assert.equal(await section('loyalty', 1).locator('.rw-code').count(), 0, 'and shows no code');
    assert.equal((await customer(y)).loyalty.balance, yBefore.loyalty.balance, 'the second customer spent nothing');

    // skip in the second
    const tea = section('subscriptions', 1).locator('article.rw-subscription[data-subscription-id="demo-tea"]');
    const date = await tea.locator('.rw-next').getAttribute('data-date');
    await tea.getByRole('button', { name: 'Skip next delivery', exact: true }).click();
    await eventually(async () => assert.notEqual(await tea.locator('.rw-next').getAttribute('data-date'), date));
    assert.equal(await first.locator('.rw-balance').getAttribute('data-balance'), '10', 'the first widget is untouched');

    const fired = await events();
    assert.deepEqual(fired.map((e) => [e.type, e.widget]), [['retention:redeemed', 0], ['retention:subscription-changed', 1]], 'each event comes from its own host');
  });
});

test('a token in the `token` attribute is used as is; an expired one is replaced from token-url', async (t) => {
  const valid = await customerWithPoints('tok-valid', 33);
  const expired = await customerWithPoints('tok-expired', 44);
  const now = Math.floor(Date.now() / 1000);
  const expiredToken = mintShopperToken(MERCHANT, expired, 3600, now - 2 * 3600); // expired an hour ago

  await withShopPage(t, {
    widgets: [
      { sub: valid, token: mintShopperToken(MERCHANT, valid), tokenUrl: null, sections: 'loyalty', locale: 'en' },
      { sub: expired, token: expiredToken, sections: 'loyalty', locale: 'en' },
    ],
    // the API's 401 token_expired for the first request, logged by the browser
    allowConsole: [/status of 401/],
  }, async ({ section, allowed }) => {
    assert.equal(await section('loyalty', 0).locator('.rw-balance').getAttribute('data-balance'), '33');
    assert.equal(await tokenRequests(valid), 0, 'a valid token attribute needs no token-url');
    assert.equal(await section('loyalty', 1).locator('.rw-balance').getAttribute('data-balance'), '44', 'the expired token was replaced');
    const n = await tokenRequests(expired);
    assert.ok(n >= 1 && n <= 3, `the token-url was fetched (${n} times)`);
    assert.ok(allowed.some((l) => /status of 401/.test(l)), 'the expired token from the attribute was tried first (the API answered 401)');
  });
});

test('a shop without a backend signs its customer (Shopify theme): the widget trades the signature at /v1/session, again when its token expired', async (t) => {
  const fresh = await customerWithPoints('signed', 21);
  const stale = await customerWithPoints('signed-old', 22);
  const now = Math.floor(Date.now() / 1000);
  const signedAttrs = (sub) => ({
    merchant: MERCHANT.id,
    customer: sub,
    'customer-ts': String(now),
    'customer-signature': createHmac('sha256', MERCHANT.token_secret).update(`${MERCHANT.id}:${sub}:${now}`).digest('hex'),
  });
  await withShopPage(t, {
    widgets: [
      { sub: fresh, tokenUrl: null, ...signedAttrs(fresh), sections: 'loyalty', locale: 'en' },
      { sub: stale, tokenUrl: null, token: mintShopperToken(MERCHANT, stale, 3600, now - 2 * 3600), ...signedAttrs(stale), sections: 'loyalty', locale: 'en' },
    ],
    allowConsole: [/status of 401/],
  }, async ({ section }) => {
    assert.equal(await section('loyalty', 0).locator('.rw-balance').getAttribute('data-balance'), '21');
    assert.equal(await section('loyalty', 1).locator('.rw-balance').getAttribute('data-balance'), '22', 'the expired token was replaced through /v1/session');
    assert.equal(await tokenRequests(fresh) + await tokenRequests(stale), 0, 'no token-url was asked');
  });
});

test('changing the `token` attribute after load shows the other customer in place', async (t) => {
  const a = await customerWithPoints('swap-a', 7);
  const b = await customerWithPoints('swap-b', 8);
  await withShopPage(t, {
    widgets: [{ sub: a, token: mintShopperToken(MERCHANT, a), tokenUrl: null, sections: 'loyalty', locale: 'en' }],
  }, async ({ widget, section }) => {
    assert.equal(await section('loyalty').locator('.rw-balance').getAttribute('data-balance'), '7');
    await widget().evaluate((el, tok) => el.setAttribute('token', tok), mintShopperToken(MERCHANT, b));
    await eventually(async () => assert.equal(await section('loyalty').locator('.rw-balance').getAttribute('data-balance'), '8'));
  });
});

test('a refused token shows the error state with Try again and fires retention:error', async (t) => {
  const id = await customerWithPoints('refused', 5);
  const forged = mintShopperToken({ id: MERCHANT.id, token_secret: 'not-the-merchants-secret-at-all-0123456789' }, id);
  await withShopPage(t, {
    widgets: [{ sub: id, token: forged, tokenUrl: null, sections: 'loyalty', locale: 'en' }],
    allowConsole: [/status of 401/],
    ready: false,
  }, async ({ widget, events }) => {
    const root = widget().locator('div.rw');
    await widget().locator('div.rw[data-state="error"]').waitFor({ state: 'attached', timeout: 20_000 });
    const alert = root.getByRole('alert');
    assert.ok((await text(alert)).length > 0, 'an alert explains it');
    assert.equal(await root.getByRole('button', { name: 'Try again', exact: true }).count(), 1, 'Try again');
    await eventually(async () => {
      const errors = await events('retention:error');
      assert.equal(errors.length, 1, 'retention:error fired once');
      assert.deepEqual(errors[0].detail, { code: 'invalid_token', status: 401 });
    });
    assert.equal(await root.locator('.rw-balance').count(), 0, 'no balance is shown');
    // a correct token set afterwards recovers the widget
    await widget().evaluate((el, tok) => el.setAttribute('token', tok), mintShopperToken(MERCHANT, id));
    await waitReady(widget());
    assert.equal(await widget().locator('.rw-balance').getAttribute('data-balance'), '5');
  });
});
