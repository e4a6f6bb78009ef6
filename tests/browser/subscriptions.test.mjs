// Subscriptions, as a shopper manages them: skip with Undo, pause and
// resume, cancel (with the save offers) and reactivate, the cutoff lock.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { withShopPage, eventually, norm, text, closeBrowser } from './lib/page.mjs';
import { seededCustomer, customer, event, newCustomerId } from './lib/api.mjs';

after(closeBrowser);

const DAY = 86_400_000;
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const todayUtc = () => new Date().toISOString().slice(0, 10);
const sub = (view, sid) => view.subscriptions.find((s) => s.id === sid);
const card = (section, sid) => section.locator(`article.rw-subscription[data-subscription-id="${sid}"]`);
const button = (scope, name) => scope.getByRole('button', { name, exact: true });

test('every subscription is listed with its status and next delivery date', async (t) => {
  const id = await seededCustomer('subs');
  const view = await customer(id);
  assert.equal(view.subscriptions.length, 2);

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section }) => {
    const s = section('subscriptions');
    assert.equal(norm(await s.locator('h2').first().textContent()), 'Your subscriptions');
    assert.equal(await s.locator('article.rw-subscription').count(), view.subscriptions.length);
    for (const x of view.subscriptions) {
      const a = card(s, x.id);
      assert.equal(await a.getAttribute('data-status'), x.status, `${x.id}: data-status`);
      assert.equal(await a.locator('.rw-next').getAttribute('data-date'), x.next_charge_on, `${x.id}: .rw-next data-date`);
      const shown = await text(a);
      assert.ok(shown.includes(x.title), `${x.id}: "${shown}" has the title ${x.title}`);
      assert.match(shown, new RegExp(`(^|\\D)${Number(x.next_charge_on.slice(8, 10))}(\\D|$)`), `${x.id}: "${shown}" shows the day of ${x.next_charge_on}`);
      for (const name of ['Skip next delivery', 'Pause', 'Cancel subscription']) {
        assert.equal(await button(a, name).count(), 1, `${x.id}: an active subscription offers ${name}`);
      }
      for (const name of ['Resume', 'Reactivate']) {
        assert.equal(await button(a, name).count(), 0, `${x.id}: an active subscription has no ${name}`);
      }
    }
  });
});

test('skip the next delivery, then Undo: the date moves one interval and comes back', async (t) => {
  const id = await seededCustomer('skip');
  const before = sub(await customer(id), 'demo-tea');
  assert.deepEqual(before.interval, { unit: 'week', count: 2 });

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section, events }) => {
    const s = section('subscriptions');
    const tea = card(s, 'demo-tea');
    const next = tea.locator('.rw-next');
    assert.equal(await next.getAttribute('data-date'), before.next_charge_on);

    await button(tea, 'Skip next delivery').click();
    const skipped = addDays(before.next_charge_on, 14);
    await eventually(async () => assert.equal(await next.getAttribute('data-date'), skipped, 'the next delivery moves two weeks'));
    assert.equal(sub(await customer(id), 'demo-tea').next_charge_on, skipped, 'the API agrees');

    // the section's live region announces it, with the new date
    const live = s.locator('[role="status"].rw-notice');
    await eventually(async () => assert.match(await text(live), new RegExp(`(^|\\D)${Number(skipped.slice(8, 10))}(\\D|$)`), 'the notice says what changed (the new date)'));
    assert.ok((await text(live)).includes(before.title), `the notice "${await text(live)}" names the subscription (${before.title})`);
    const changed = await events('retention:subscription-changed');
    assert.equal(changed.length, 1, 'retention:subscription-changed fired');
    assert.equal(changed[0].detail.action, 'skip_next');
    assert.equal(changed[0].detail.subscription.id, 'demo-tea');
    assert.equal(changed[0].detail.subscription.next_charge_on, skipped);
    assert.ok(changed[0].bubbles && changed[0].composed && changed[0].target === 'retention-widget');

    await button(s.locator('.rw-notice'), 'Undo').click();
    await eventually(async () => assert.equal(await next.getAttribute('data-date'), before.next_charge_on, 'Undo brings the date back'));
    const undone = sub(await customer(id), 'demo-tea');
    assert.equal(undone.next_charge_on, before.next_charge_on, 'the API has the old date again');
    assert.equal(undone.status, 'active');
  });
});

test('pause until a date, then resume; pause again and Undo', async (t) => {
  const id = await seededCustomer('pause');
  const resumeOn = addDays(todayUtc(), 20);

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section, events }) => {
    const s = section('subscriptions');
    const coffee = card(s, 'demo-coffee');
    await button(coffee, 'Pause').click();
    const form = coffee.locator('form.rw-action');
    await form.waitFor({ state: 'visible', timeout: 5000 });
    await form.getByLabel('Resume on', { exact: true }).fill(resumeOn);
    assert.equal(await button(form, 'Back').count(), 1, 'the form has Back');
    await button(form, 'Confirm').click();

    await eventually(async () => assert.equal(await coffee.getAttribute('data-status'), 'paused'));
    const paused = sub(await customer(id), 'demo-coffee');
    assert.equal(paused.status, 'paused', 'the API has it paused');
    assert.equal(paused.paused_until, resumeOn, 'until the chosen date');
    await eventually(async () => assert.equal(await button(coffee, 'Resume').count(), 1, 'Resume is offered'));
    assert.equal(await button(coffee, 'Pause').count(), 0, 'Pause is not offered while paused');
    assert.match(await text(coffee), new RegExp(`(^|\\D)${Number(resumeOn.slice(8, 10))}(\\D|$)`), 'the card shows the resume date');

    await button(coffee, 'Resume').click();
    await eventually(async () => assert.equal(await coffee.getAttribute('data-status'), 'active'));
    assert.equal(sub(await customer(id), 'demo-coffee').status, 'active', 'the API has it active again');
    await eventually(async () => assert.equal(await button(coffee, 'Pause').count(), 1, 'Pause is back'));

    // paused again, then the notice's Undo resumes it
    await button(coffee, 'Pause').click();
    await form.waitFor({ state: 'visible', timeout: 5000 });
    await form.getByLabel('Resume on', { exact: true }).fill(resumeOn);
    await button(form, 'Confirm').click();
    await eventually(async () => assert.equal(await coffee.getAttribute('data-status'), 'paused'));
    await button(s.locator('.rw-notice'), 'Undo').click();
    await eventually(async () => assert.equal(await coffee.getAttribute('data-status'), 'active', 'Undo after a pause resumes'));
    assert.equal(sub(await customer(id), 'demo-coffee').status, 'active', 'the API has it active');
    assert.deepEqual((await events('retention:subscription-changed')).map((e) => e.detail.action), ['pause', 'resume', 'pause', 'resume']);
  });
});

test('cancel: save offers per reason, Keep subscription, Cancel now, then Reactivate', async (t) => {
  const id = await seededCustomer('cancel');
  const view = await customer(id);
  const reasons = view.subscription_options.cancel_reasons;
  assert.equal(reasons.length, 4);

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section, events }) => {
    const s = section('subscriptions');
    const tea = card(s, 'demo-tea');
    await button(tea, 'Cancel subscription').click();
    const form = tea.locator('form.rw-cancel');
    await form.waitFor({ state: 'visible', timeout: 5000 });
    assert.ok(await button(form, 'Cancel now').isEnabled(), 'Cancel now is enabled at once (a reason is preselected)');
    assert.equal(await form.getByRole('radio').count(), reasons.length, 'one radio per reason');
    for (const r of reasons) assert.equal(await form.getByRole('radio', { name: r.label, exact: true }).count(), 1, `a radio "${r.label}"`);
    const lose = form.locator('.rw-lose');
    assert.ok(await lose.isVisible(), '.rw-lose shows what would be lost');
    assert.ok((await text(lose)).includes(view.loyalty.tier.name), `.rw-lose "${await text(lose)}" names the tier ${view.loyalty.tier.name}`);

    const offers = {
      too_much: 'Skip the next delivery instead',
      too_expensive: 'Get 15% off instead',
      going_away: 'Pause for 30 days instead',
    };
    for (const r of reasons) {
      await form.getByRole('radio', { name: r.label, exact: true }).check();
      for (const [reason, label] of Object.entries(offers)) {
        const shown = await button(form, label).count();
        assert.equal(shown, reason === r.id ? 1 : 0, `with "${r.label}" the offer "${label}" is ${reason === r.id ? '' : 'not '}shown`);
      }
    }

    await button(form, 'Keep subscription').click();
    await eventually(async () => assert.equal(await form.count(), 0, 'Keep subscription closes the form'));
    assert.equal(sub(await customer(id), 'demo-tea').status, 'active', 'nothing was cancelled');

    await button(tea, 'Cancel subscription').click();
    await form.waitFor({ state: 'visible', timeout: 5000 });
    await form.getByRole('radio', { name: 'Something else', exact: true }).check();
    await button(form, 'Cancel now').click();
    await eventually(async () => assert.equal(await tea.getAttribute('data-status'), 'cancelled'));
    const cancelled = sub(await customer(id), 'demo-tea');
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancel_reason, 'other', 'with the chosen reason');
    await eventually(async () => assert.equal(await button(tea, 'Reactivate').count(), 1, 'Reactivate is offered'));
    assert.equal(await button(tea, 'Skip next delivery').count(), 0, 'no Skip on a cancelled subscription');

    await button(tea, 'Reactivate').click();
    await eventually(async () => assert.equal(await tea.getAttribute('data-status'), 'active'));
    assert.equal(sub(await customer(id), 'demo-tea').status, 'active', 'the API has it active again');
    assert.deepEqual((await events('retention:subscription-changed')).map((e) => e.detail.action), ['cancel', 'reactivate']);
    assert.equal(sub(await customer(id), 'demo-coffee').status, 'active', 'the other subscription was never touched');
  });
});

test('inside the cutoff a subscription is locked: .rw-locked explains it, change buttons are disabled', async (t) => {
  const id = newCustomerId('locked');
  await event(id, { type: 'points_adjusted', points: 10, reason: 'Browser suite' });
  await event(id, {
    type: 'subscription_upserted',
    subscription: {
      id: 'soon', product_id: 'tea', variant_id: 'tea-black-100g', title: 'Black tea 100 g',
      quantity: 1, price_minor: 42_000, currency: 'RUB', interval: { unit: 'week', count: 4 },
      status: 'active', next_charge_on: addDays(todayUtc(), 1),
      paused_until: null, cancel_reason: null, discount_percent: null,
    },
  });

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section }) => {
    const a = card(section('subscriptions'), 'soon');
    const locked = a.locator('.rw-locked');
    assert.ok(await locked.isVisible(), '.rw-locked is shown');
    assert.ok((await text(locked)).length > 10, `.rw-locked explains it: "${await text(locked)}"`);
    for (const name of ['Skip next delivery', 'Pause']) {
      const b = button(a, name);
      if (await b.count()) assert.equal(await b.isEnabled(), false, `${name} is disabled while locked`);
    }
  });
});

test('change frequency, reschedule, swap product and change quantity through their inline forms; Back changes nothing', async (t) => {
  const id = await seededCustomer('forms');
  const view = await customer(id);
  const before = sub(view, 'demo-coffee');
  const moveTo = addDays(todayUtc(), 10);

  await withShopPage(t, { widgets: [{ sub: id, sections: 'subscriptions', locale: 'en' }] }, async ({ section }) => {
    const coffee = card(section('subscriptions'), 'demo-coffee');
    const form = coffee.locator('form.rw-action');
    const open = async (name) => {
      await button(coffee, name).click();
      await form.waitFor({ state: 'visible', timeout: 5000 });
    };

    await open('Change quantity');
    await form.getByLabel('Quantity', { exact: true }).fill('3');
    await button(form, 'Back').click();
    await eventually(async () => assert.equal(await form.count(), 0, 'Back closes the form'));
    assert.equal(sub(await customer(id), 'demo-coffee').quantity, before.quantity, 'Back changes nothing');

    await open('Change quantity');
    await form.getByLabel('Quantity', { exact: true }).fill('3');
    await button(form, 'Confirm').click();
    await eventually(async () => assert.equal(sub(await customer(id), 'demo-coffee').quantity, 3, 'quantity 3 stored'));
    await eventually(async () => assert.equal(await form.count(), 0, 'the form closes'));

    await open('Reschedule');
    await form.getByLabel('Next delivery', { exact: true }).fill(moveTo);
    await button(form, 'Confirm').click();
    await eventually(async () => assert.equal(await coffee.locator('.rw-next').getAttribute('data-date'), moveTo, 'the card shows the new date'));
    assert.equal(sub(await customer(id), 'demo-coffee').next_charge_on, moveTo, 'rescheduled in the API');

    await open('Swap product');
    const product = form.getByLabel('Product', { exact: true });
    const labels = await product.evaluate((el) => [...el.options].map((o) => o.textContent.trim()));
    const target = labels.find((l) => l.includes('Coffee beans 1 kg'));
    assert.ok(target, `the swap options (${labels.join(' | ')}) offer Coffee beans 1 kg`);
    await product.selectOption({ label: target });
    await button(form, 'Confirm').click();
    await eventually(async () => assert.equal(sub(await customer(id), 'demo-coffee').variant_id, 'coffee-1kg', 'swapped in the API'));
    await eventually(async () => assert.ok((await text(coffee)).includes('Coffee beans 1 kg'), 'the card shows the new product'));

    await open('Change frequency');
    const frequency = form.getByLabel('Frequency', { exact: true });
    const options = await frequency.evaluate((el) => [...el.options].map((o) => ({ label: o.textContent.trim(), selected: o.selected })));
    assert.equal(options.length, view.subscription_options.allowed_intervals.length, 'one option per allowed interval');
    const other = options.find((o) => !o.selected);
    await frequency.selectOption({ label: other.label });
    await button(form, 'Confirm').click();
    await eventually(async () => assert.notDeepEqual(sub(await customer(id), 'demo-coffee').interval, before.interval, 'the interval changed in the API'));
    const interval = sub(await customer(id), 'demo-coffee').interval;
    assert.ok(view.subscription_options.allowed_intervals.some((i) => i.unit === interval.unit && i.count === interval.count), 'to an allowed one');
    assert.match(other.label, new RegExp(`${interval.count === 1 ? '' : interval.count}.*${interval.unit}`, 'i'), `the chosen "${other.label}" is the stored ${interval.count} ${interval.unit}`);
  });
});
