// Loyalty, as a shopper sees it: balance, pending points, tier, every
// expiry date with a calendar reminder, rewards, redeeming one, activity.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, norm, num, text, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customerWithPoints, customer, allActivity, event, newCustomerId, shopper, useCode } from './lib/api.mjs';
import { TIME_ZONE } from './lib/env.mjs';

after(closeBrowser);

const dayAndYear = (instant) => {
  const parts = new Intl.DateTimeFormat('en', { timeZone: TIME_ZONE, day: 'numeric', month: 'numeric', year: 'numeric' }).formatToParts(new Date(instant));
  return { day: parts.find((p) => p.type === 'day').value, year: parts.find((p) => p.type === 'year').value };
};
const dateInZone = (instant) => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));

test('balance, pending points, tier and every expiry date are those of the API', async (t) => {
  const id = await seededCustomer('loyalty');
  const { loyalty } = await customer(id);
  assert.ok(loyalty.expiring.length >= 3, 'the seeded customer has several expiry dates');
  assert.ok(loyalty.pending > 0, 'and pending points');

  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ section }) => {
    const s = section('loyalty');
    assert.equal(norm(await s.locator('h2').first().textContent()), 'Your points');

    const balance = s.locator('.rw-balance');
    assert.equal(await balance.getAttribute('data-balance'), String(loyalty.balance), 'data-balance');
    assert.match(await text(balance), new RegExp(`(^|\\D)${num(loyalty.balance)} points\\b`), '.rw-balance text');
    // the politeness of the nearest live region: aria-live, or the implicit
    // one of role=status (polite) or role=alert (assertive)
    const live = await balance.evaluate((el) => {
      for (let e = el; e; e = e.parentElement) {
        const explicit = e.getAttribute('aria-live');
        if (explicit) return explicit;
        const role = e.getAttribute('role');
        if (role === 'status' || role === 'log') return 'polite';
        if (role === 'alert') return 'assertive';
      }
      return null;
    });
    assert.equal(live, 'polite', '.rw-balance sits in an aria-live="polite" region');

    const pending = s.locator('.rw-pending');
    assert.equal(await pending.getAttribute('data-pending'), String(loyalty.pending), 'data-pending');
    assert.match(await text(pending), new RegExp(`${num(loyalty.pending)} points pending`), '.rw-pending text');

    assert.equal(norm(await s.locator('.rw-tier').textContent()), loyalty.tier.name, '.rw-tier: the tier badge');
    assert.ok(loyalty.tier_held_until, 'the seeded customer holds a tier until a known date');
    const held = await text(s.locator('.rw-held'));
    const heldDay = Number(loyalty.tier_held_until.slice(8, 10));
    assert.match(held, new RegExp(`Tier held until.*(^|\\D)${heldDay}(\\D|$)`), `.rw-held "${held}" says until when (${loyalty.tier_held_until})`);
    assert.match(held, new RegExp(loyalty.tier_held_until.slice(0, 4)), `.rw-held "${held}" has the year`);

    // One row per day of the shopper (lots of one day merged, the
    // earliest instant kept), the nearest five, the rest behind Show all.
    const days = [];
    for (const e of loyalty.expiring) {
      const day = dateInZone(e.expires_at);
      const known = days.find((d) => d.day === day);
      if (known) known.points += e.points;
      else days.push({ day, first: e.expires_at, points: e.points });
    }
    assert.ok(days.length > 5, `the seeded customer has more than five expiry days (${days.length})`);
    const items = s.locator('ul[aria-label="Points expiring"] > li.rw-expiry');
    assert.equal(await items.count(), 5, 'the nearest five days first');
    const all = s.getByRole('button', { name: `Show all ${days.length} dates`, exact: true });
    await all.click();
    await eventually(async () => assert.equal(await items.count(), days.length, 'Show all: one li.rw-expiry per day'));
    assert.equal(await all.count(), 0, 'Show all is gone once everything shows');
    for (const [i, e] of days.entries()) {
      const li = items.nth(i);
      const at = await li.getAttribute('data-expires-at');
      assert.equal(Date.parse(at), Date.parse(e.first), `day ${i}: data-expires-at ${at} is the day's first instant ${e.first}`);
      assert.equal(await li.getAttribute('data-points'), String(e.points), `day ${i}: data-points, the day's sum`);
      const shown = await text(li);
      const { day, year } = dayAndYear(e.first);
      assert.match(shown, new RegExp(`(^|\\D)${num(e.points)} points? expire`), `day ${i} "${shown}": the points`);
      assert.match(shown, new RegExp(`(^|\\D)${day}(\\D|$)`), `day ${i} "${shown}": the day ${day} of ${e.first} in ${TIME_ZONE}`);
      assert.match(shown, new RegExp(year), `day ${i} "${shown}": the year ${year}`);
      assert.equal(await li.getByRole('link', { name: 'Add reminder to calendar', exact: true }).count(), 1, `day ${i}: a calendar link`);
    }
  });
});

test('"Add reminder to calendar" downloads an .ics event on or before the expiry date', async (t) => {
  const id = await seededCustomer('ics');
  const { loyalty } = await customer(id);
  const first = loyalty.expiring[0];

  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ page, section }) => {
    const link = section('loyalty').locator('li.rw-expiry').first().getByRole('link', { name: 'Add reminder to calendar', exact: true });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), link.click()]);
    assert.match(download.suggestedFilename(), /\.ics$/, 'an .ics file');
    const chunks = [];
    for await (const c of await download.createReadStream()) chunks.push(c);
    const ics = Buffer.concat(chunks).toString('utf8');
    assert.match(ics, /BEGIN:VCALENDAR/);
    assert.match(ics, /BEGIN:VEVENT/);
    const m = ics.match(/DTSTART[^:\r\n]*:(\d{4})(\d{2})(\d{2})/);
    assert.ok(m, `a DTSTART in:\n${ics}`);
    const start = `${m[1]}-${m[2]}-${m[3]}`;
    const today = dateInZone(Date.now());
    assert.ok(start >= today && start <= dateInZone(first.expires_at), `the reminder (${start}) falls between today (${today}) and the expiry (${first.expires_at})`);
  });
});

test('rewards: one per catalogue entry, Redeem disabled when the balance does not cover it; the tier and how far the next one is', async (t) => {
  const id = await customerWithPoints('rewards', 260);
  const view = await customer(id);
  assert.equal(view.loyalty.balance, 260);
  assert.ok(view.loyalty.next_tier, 'a next tier to progress toward');

  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ section }) => {
    const s = section('loyalty');
    const items = s.locator('ul[aria-label="Rewards"] > li.rw-reward');
    assert.equal(await items.count(), view.rewards.length);
    for (const [i, r] of view.rewards.entries()) {
      const li = items.nth(i);
      assert.equal(await li.getAttribute('data-reward-id'), r.id);
      const shown = await text(li);
      assert.ok(shown.includes(norm(r.name)), `"${shown}" names ${r.name}`);
      assert.match(shown, new RegExp(`(^|\\D)${num(r.cost)}(\\D|$)`), `"${shown}" shows the cost ${r.cost}`);
      const button = li.getByRole('button', { name: `Redeem ${r.name}`, exact: true });
      assert.equal(await button.isEnabled(), r.affordable, `Redeem ${r.name}: enabled = affordable (${r.affordable})`);
    }
    const { next_tier: next } = view.loyalty;
    assert.equal(norm(await s.locator('.rw-tier').textContent()), view.loyalty.tier.name, '.rw-tier: the tier name');
    const shown = await text(s);
    assert.match(shown, new RegExp(`${num(next.points_needed)} points to ${next.name}`), 'the section says how far the next tier is');
  });
});

test('tier progress: .rw-next-tier says how many points the next tier needs, and a progress bar shows qualifying points of the threshold', async (t) => {
  // an order of 1 200 ₽ three weeks ago: 1 200 qualifying points of Silver's 5 000 (scripts/seed-demo.mjs)
  const id = newCustomerId('progress');
  const paidAt = new Date(Date.now() - 21 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const { loyalty } = await event(id, { type: 'order_paid', order_id: `${id}-1`, amount_minor: 120_000, currency: 'RUB', paid_at: paidAt });
  const next = loyalty.next_tier;
  assert.equal(next?.name, 'Silver', 'Silver is next');
  assert.equal(next.points_needed, 3800, 'with 3 800 points to go');

  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ section }) => {
    const s = section('loyalty');
    assert.equal(norm(await s.locator('.rw-tier').textContent()), loyalty.tier.name, '.rw-tier: the tier badge');
    assert.match(await text(s.locator('.rw-next-tier')), /(^|\D)3,800 points to Silver\b/, '.rw-next-tier');
    const bar = s.getByRole('progressbar', { name: 'Progress to Silver', exact: true });
    assert.equal(await bar.count(), 1, 'a progress bar named for the next tier');
    assert.equal(Number(await bar.getAttribute('max')), next.threshold, 'max: the threshold (5 000)');
    assert.equal(Number(await bar.getAttribute('value')), loyalty.qualifying_points, 'value: the qualifying points (1 200)');
    assert.equal(loyalty.qualifying_points, 1200);
  });
});

test('redeem a reward: asks once, shows the coupon code and the new balance, fires retention:redeemed', async (t) => {
  const id = await customerWithPoints('redeem', 260);
  const reward = (await customer(id)).rewards.find((r) => r.id === 'free-shipping');
  assert.ok(reward && reward.cost === 250);

  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ section, events }) => {
    const s = section('loyalty');
    const redeem = s.getByRole('button', { name: 'Redeem Free shipping', exact: true });
    await redeem.click();
    const confirm = s.getByRole('button', { name: 'Confirm', exact: true });
    const keep = s.getByRole('button', { name: 'Keep my points', exact: true });
    await confirm.waitFor({ state: 'visible', timeout: 5000 });
    assert.ok(await keep.isVisible(), 'Keep my points is offered');
    assert.equal((await customer(id)).loyalty.balance, 260, 'nothing is redeemed before Confirm');

    await keep.click();
    await eventually(async () => assert.equal(await confirm.count(), 0, 'Keep my points closes the question'));
    assert.equal((await customer(id)).loyalty.balance, 260, 'Keep my points redeems nothing');

    await redeem.click();
    await confirm.click();
    const code = s.locator('.rw-code');
    await code.waitFor({ state: 'visible', timeout: 10_000 });
    const shownCode = norm(await code.textContent());
    assert.ok(shownCode.length >= 4, `a coupon code is shown: "${shownCode}"`);
    assert.equal(await s.getByRole('button', { name: 'Copy code', exact: true }).count(), 1, 'a Copy code button');

    await eventually(async () => assert.equal(await s.locator('.rw-balance').getAttribute('data-balance'), '10', 'the balance updates'));
    assert.match(await text(s.locator('.rw-balance')), /(^|\D)10 points\b/);
    const after = await customer(id);
    assert.equal(after.loyalty.balance, 10, 'the API agrees');
    assert.ok(after.ledger.some((e) => e.points === -250), 'one redemption of 250 points in the ledger');
    assert.equal(after.ledger.filter((e) => e.points < 0).length, 1, 'exactly one redemption');
    for (const r of after.rewards) {
      assert.equal(await s.getByRole('button', { name: `Redeem ${r.name}`, exact: true }).isEnabled(), false, `Redeem ${r.name} disabled at 10 points`);
    }

    const fired = await events('retention:redeemed');
    assert.equal(fired.length, 1, 'retention:redeemed fired once on the document');
    const [e] = fired;
    assert.equal(e.target, 'retention-widget', 'dispatched on the host');
    assert.ok(e.bubbles && e.composed, 'bubbles and composed');
    assert.ok(e.detailIsPlainObject, 'detail is a plain object');
    const { reward_id, code: detailCode, points_spent, balance: detailBalance } = e.detail;
    assert.deepEqual({ reward_id, code: detailCode, points_spent, balance: detailBalance }, { reward_id: 'free-shipping', code: shownCode, points_spent: 250, balance: 10 }, 'detail: {reward_id, code, points_spent, balance}');
  });
});

test('your codes: every code of the year, newest first, used or not, each with its own Copy', async (t) => {
  const id = await customerWithPoints('codes', 600);
  const redeemed = [];
  for (let i = 0; i < 2; i++) {
    const res = await shopper(id, 'POST', '/v1/me/redemptions', { reward_id: 'free-shipping' }, { 'Idempotency-Key': `${id}-redeem-${i}` });
    assert.equal(res.status, 201, res.text);
    redeemed.push(res.json.code);
  }
  // in the API's order (newest first; two of one second in either order)
  const [newer, older] = (await customer(id)).redemptions.map((r) => r.code);
  assert.deepEqual([older, newer].sort(), [...redeemed].sort());
  const used = await useCode(older, `${id}-order`);
  const copiedText = [];
  await withShopPage(t, {
    widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }],
    // the shopper's clipboard, as a spy
    setup: async (page) => {
      await page.exposeFunction('__copied', (text) => copiedText.push(text));
      await page.addInitScript(() => {
        Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (text) => window.__copied(text) } });
      });
    },
  }, async ({ section }) => {
    const s = section('loyalty');
    const list = s.locator('ul[aria-label="Your codes"] > li.rw-my-code');
    await eventually(async () => assert.equal(await list.count(), 2, 'two codes'));
    assert.equal(norm(await list.nth(0).locator('code').textContent()), newer, 'in the API\'s order, newest first');
    assert.equal(norm(await list.nth(1).locator('code').textContent()), older);
    assert.equal(await list.nth(0).getAttribute('data-used'), 'false');
    assert.match(await text(list.nth(0)), /Not used yet/);
    assert.equal(await list.nth(1).getAttribute('data-used'), 'true');
    const { day } = dayAndYear(used.used_at);
    assert.match(await text(list.nth(1)), new RegExp(`Used on .*(^|\\D)${day}(\\D|$)`), 'the used one says when');
    await s.getByRole('button', { name: `Copy code ${older}`, exact: true }).click();
    await eventually(async () => assert.deepEqual(copiedText, [older], 'that code went to the clipboard'));
    await eventually(async () => assert.equal(await list.nth(1).getByRole('button', { name: 'Copied', exact: true }).count(), 1, 'its button says Copied'));
    assert.equal(await list.nth(0).getByRole('button', { name: `Copy code ${newer}`, exact: true }).count(), 1, 'the other one does not');
  });
});

test('activity: Show activity lists the history newest first; Show more pages to its end', async (t) => {
  const id = await seededCustomer('activity');
  const expected = await allActivity(id);
  assert.ok(expected.length >= 5, 'the seeded customer has a history');

  await withShopPage(t, { widgets: [{ sub: id, sections: 'loyalty', locale: 'en' }] }, async ({ section }) => {
    const s = section('loyalty');
    await s.getByRole('button', { name: 'Show activity', exact: true }).click();
    const items = s.locator('ol[aria-label="Activity"] > li.rw-activity');
    await items.first().waitFor({ state: 'visible', timeout: 10_000 });
    const more = s.getByRole('button', { name: 'Show more', exact: true });
    for (let pages = 0; pages < 20; pages++) {
      // a page has arrived once the count settles
      let count = -1;
      await eventually(async () => { const n = await items.count(); const before = count; count = n; assert.equal(n, before); }, { interval: 300 });
      if (count >= expected.length || (await more.count()) === 0) break;
      await more.click();
      await eventually(async () => assert.ok((await items.count()) > count, 'Show more adds items'));
    }
    assert.equal(await more.count(), 0, 'no Show more once everything is listed');
    const kinds = await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));
    assert.deepEqual(kinds, expected.map((x) => x.kind), 'data-kind of each item, newest first, as the API lists them');
  });
});
