#!/usr/bin/env node
// Seeds a demo merchant program and a demo customer through the admin API
// only (SPEC 3.4). Safe to run again: the program is put as a whole, orders
// have fixed ids, every event has a fixed Idempotency-Key per day, imported
// points are only sent to a customer who has none yet, and subscriptions
// are upserts.
//
// The program offers one-time add-ons for coffee and tea and a birthday
// reward (SPEC 2.7). The demo shopper (the default customer, whom the shop
// page shows) also gets a birthday 45 days ahead and recommendations on,
// set by the merchant only while no birthday is set, and a five-star
// review of matcha, which the shop sells by subscription and the shopper
// does not subscribe to: a subscribe_invite reminder falls due three days
// later. A customer seeded under another id (the browser suite's) gets
// the history without those two, so its tests start with no birthday and
// no invitation.
//
//   node scripts/seed-demo.mjs BASE_URL API_KEY [CUSTOMER_ID]
//   RETENTION_API_URL=... RETENTION_API_KEY=... node scripts/seed-demo.mjs
//
// CUSTOMER_ID defaults to demo-shopper. Node 18+ (global fetch), no packages.

const [argUrl, argKey, argCustomer] = process.argv.slice(2);
if (argUrl === '-h' || argUrl === '--help') {
  console.log('usage: node scripts/seed-demo.mjs BASE_URL API_KEY [CUSTOMER_ID]\n   or: RETENTION_API_URL=... RETENTION_API_KEY=... node scripts/seed-demo.mjs');
  process.exit(0);
}
const BASE = (argUrl ?? process.env.RETENTION_API_URL ?? process.env.API_BASE_URL ?? '').replace(/\/+$/, '');
const KEY = argKey ?? process.env.RETENTION_API_KEY ?? '';
const DEMO_SHOPPER = 'demo-shopper';
const CUSTOMER = argCustomer ?? process.env.RETENTION_DEMO_CUSTOMER ?? DEMO_SHOPPER;
if (!BASE || !KEY) {
  console.error('usage: node scripts/seed-demo.mjs BASE_URL API_KEY [CUSTOMER_ID]  (or RETENTION_API_URL / RETENTION_API_KEY)');
  process.exit(2);
}

const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
// Instants of the seeded history are whole days before today at 09:00 UTC,
// so the same day's re-run sends byte-identical bodies (replays).
const noon = Date.parse(`${today}T09:00:00Z`);
const daysAgo = (n) => new Date(noon - n * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
const inDays = (n) => daysAgo(-n);
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

// ---- the program ---------------------------------------------------------------
const PROGRAM = {
  currency: 'RUB',
  earn: { points: 1, per_amount_minor: 100 }, // 1 point per rouble
  pending_days: 14, // returns window: points become spendable after 14 days
  expiry: { after_earn_days: 365, inactivity_days: null },
  tier_window_days: 365,
  tiers: [
    { id: 'member', name: 'Member', threshold: 0, multiplier_percent: 100 },
    { id: 'silver', name: 'Silver', threshold: 5_000, multiplier_percent: 125 },
    { id: 'gold', name: 'Gold', threshold: 20_000, multiplier_percent: 150 },
  ],
  rewards: [
    { id: 'off-300', name: '300 ₽ off your next order', cost: 300, kind: 'fixed_discount', value: 30_000 },
    { id: 'free-shipping', name: 'Free shipping', cost: 250, kind: 'free_shipping', value: 0 },
    { id: 'percent-10', name: '10 % off everything', cost: 800, kind: 'percent_discount', value: 10 },
    { id: 'off-1500', name: '1 500 ₽ off your next order', cost: 1_400, kind: 'fixed_discount', value: 150_000 },
  ],
  subscriptions: {
    allowed_intervals: [
      { unit: 'week', count: 2 },
      { unit: 'week', count: 4 },
      { unit: 'month', count: 1 },
      { unit: 'month', count: 2 },
    ],
    swap_options: {
      coffee: [
        { variant_id: 'coffee-250g', title: 'Coffee beans 250 g', price_minor: 89_000 },
        { variant_id: 'coffee-1kg', title: 'Coffee beans 1 kg', price_minor: 299_000 },
        { variant_id: 'coffee-decaf-250g', title: 'Decaf coffee beans 250 g', price_minor: 95_000 },
      ],
      tea: [
        { variant_id: 'tea-green-100g', title: 'Green tea 100 g', price_minor: 45_000 },
        { variant_id: 'tea-black-100g', title: 'Black tea 100 g', price_minor: 42_000 },
        { variant_id: 'tea-oolong-100g', title: 'Oolong 100 g', price_minor: 61_000 },
      ],
      matcha: [
        { variant_id: 'matcha-30g', title: 'Matcha 30 g', price_minor: 79_000 },
        { variant_id: 'matcha-100g', title: 'Matcha 100 g', price_minor: 219_000 },
      ],
    },
    // One-time add-ons to the next delivery (SPEC 2.7).
    addons: {
      coffee: [
        { variant_id: 'addon-filters', title: 'Paper filters ×100', price_minor: 19_000 },
        { variant_id: 'addon-mug', title: 'Bean & Leaf mug', price_minor: 79_000 },
        { variant_id: 'addon-biscotti', title: 'Almond biscotti 200 g', price_minor: 34_000 },
      ],
      tea: [
        { variant_id: 'addon-honey', title: 'Buckwheat honey 250 g', price_minor: 39_000 },
        { variant_id: 'addon-strainer', title: 'Tea strainer', price_minor: 29_000 },
      ],
    },
    cutoff_hours: 48,
    max_pause_days: 90,
    reschedule_window_days: 60,
    max_quantity: 6,
    cancel_reasons: [
      { id: 'too_much', label: 'I have too much at home', offer: { kind: 'skip' } },
      { id: 'too_expensive', label: 'It is too expensive', offer: { kind: 'discount', percent: 15 } },
      { id: 'going_away', label: 'I am going away', offer: { kind: 'pause', days: 30 } },
      { id: 'other', label: 'Something else', offer: null },
    ],
  },
  renewal_reminder_days: 3,
  quiet_hours_floor: { start: '21:00', end: '08:00' },
  history_days: 730,
  birthday_reward: { points: 300, expires_in_days: 30 },
  default_preferences: {
    channels: {
      email: { enabled: true }, sms: { enabled: false }, whatsapp: { enabled: false },
      telegram: { enabled: true }, viber: { enabled: false }, push: { enabled: false },
    },
    channel_order: ['telegram', 'email', 'sms', 'whatsapp', 'viber', 'push'],
    topics: {
      promotions: true, reward_updates: true, new_products: true, recommendations: false,
      order_updates: true, subscription_updates: true,
    },
    marketing_unsubscribed: false,
    max_per_week: 3,
    time_zone: 'Europe/Moscow',
    quiet_hours: null,
    snoozed_until: null,
    expiry_reminder_days: [30, 7],
    locale: 'ru',
    birthday: null,
  },
};

// The demo shopper's birthday: far enough ahead to pass the 30-day notice,
// so this year's reward shows in the widget (loyalty.birthday_reward).
const BIRTHDAY = addDays(today, 45).slice(5);
const REVIEWED = 'matcha';

// ---- the customer's history -------------------------------------------------------
// Orders paid on different days: each becomes a lot expiring 365 days after
// its payment, so the widget shows several expiry dates; the last one is
// still pending.
const ORDERS = [
  { id: 'demo-1001', amount: 1_250_000, days: 330 }, // 12 500 ₽
  { id: 'demo-1002', amount: 480_000, days: 250 },
  { id: 'demo-1003', amount: 320_000, days: 160 },
  { id: 'demo-1004', amount: 890_000, days: 60 },
  { id: 'demo-1005', amount: 267_000, days: 3 }, // pending for 11 more days
];
// Points carried over from the shop's previous loyalty platform, with the
// dates they had there.
const IMPORTS = [
  { points: 400, reason: 'Imported from the previous loyalty programme', at: daysAgo(200), expires_at: inDays(12) },
  { points: 150, reason: 'Imported welcome bonus', at: daysAgo(90), expires_at: inDays(75) },
];

function next31st(minDaysAhead) {
  let d = addDays(today, minDaysAhead);
  for (let i = 0; i < 14; i++) {
    const [y, m] = d.split('-').map(Number);
    const candidate = `${d.slice(0, 7)}-31`;
    if (new Date(Date.UTC(y, m, 0)).getUTCDate() === 31 && candidate >= addDays(today, minDaysAhead)) return candidate;
    d = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10); // first of next month
  }
  throw new Error('no 31st found');
}

const SUBSCRIPTIONS = [
  {
    id: 'demo-coffee', product_id: 'coffee', variant_id: 'coffee-250g', title: 'Coffee beans 250 g',
    quantity: 2, price_minor: 89_000, currency: 'RUB', interval: { unit: 'month', count: 1 },
    status: 'active', next_charge_on: next31st(4), anchor_day: 31,
    paused_until: null, cancel_reason: null, discount_percent: null,
  },
  {
    id: 'demo-tea', product_id: 'tea', variant_id: 'tea-green-100g', title: 'Green tea 100 g',
    quantity: 1, price_minor: 45_000, currency: 'RUB', interval: { unit: 'week', count: 2 },
    status: 'active', next_charge_on: addDays(today, 9),
    paused_until: null, cancel_reason: null, discount_percent: null,
  },
];

// ---- HTTP ------------------------------------------------------------------------------
async function call(method, path, body, idempotencyKey) {
  const headers = { Authorization: `Bearer ${KEY}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let res;
  try {
    res = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  } catch (e) {
    throw new Error(`${method} ${path}: ${e.cause?.message ?? e.message}`);
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', json, text };
}

function fail(what, res) {
  const why = res.json?.detail ?? res.text.slice(0, 300);
  throw new Error(`${what}: ${res.status} ${res.json?.code ?? ''} ${why}`);
}

const customerPath = `/v1/admin/customers/${encodeURIComponent(CUSTOMER)}`;
const event = (body, key) => call('POST', `${customerPath}/events`, body, `seed-demo:${CUSTOMER}:${key}:${today}`);

async function main() {
  const program = await call('PUT', '/v1/admin/program', PROGRAM);
  if (program.status !== 200 && program.status !== 204) fail('PUT /v1/admin/program', program);
  console.log(`program: RUB, tiers ${PROGRAM.tiers.map((t) => `${t.name} ×${t.multiplier_percent / 100}`).join(' / ')}, ${PROGRAM.rewards.length} rewards, ${PROGRAM.subscriptions.cancel_reasons.length} cancel reasons, swaps for coffee, tea and matcha, add-ons for coffee and tea, ${PROGRAM.birthday_reward.points} birthday points`);

  const before = await call('GET', customerPath);
  if (before.status !== 200) fail(`GET ${customerPath}`, before);
  const hadImports = (before.json.ledger ?? []).some((e) => (e.kind === 'adjust' && e.points > 0) || e.kind === 'carried_forward');

  let recorded = 0; let already = 0;
  for (const o of ORDERS) {
    const res = await event({ type: 'order_paid', order_id: o.id, amount_minor: o.amount, currency: 'RUB', paid_at: daysAgo(o.days) }, `order:${o.id}`);
    if (res.status === 200 && !res.replayed) recorded += 1;
    else if (res.status === 200 || (res.status === 409 && res.json?.code === 'order_already_recorded')) already += 1;
    else fail(`order ${o.id}`, res);
  }
  console.log(`orders: ${recorded} recorded, ${already} already there (${ORDERS.map((o) => o.id).join(', ')})`);

  if (hadImports) {
    console.log('imported points: already present, not sent again');
  } else {
    for (const [i, imp] of IMPORTS.entries()) {
      const res = await event({ type: 'points_adjusted', points: imp.points, reason: imp.reason, at: imp.at, expires_at: imp.expires_at }, `import:${i}`);
      if (res.status !== 200) fail(`import ${i}`, res);
    }
    console.log(`imported points: ${IMPORTS.map((i) => `${i.points} expiring ${i.expires_at.slice(0, 10)}`).join(', ')}`);
  }

  for (const s of SUBSCRIPTIONS) {
    const res = await event({ type: 'subscription_upserted', subscription: s }, `subscription:${s.id}:${s.next_charge_on}`);
    if (res.status !== 200) fail(`subscription ${s.id}`, res);
  }
  console.log(`subscriptions: ${SUBSCRIPTIONS.map((s) => `${s.id} (every ${s.interval.count} ${s.interval.unit}${s.interval.count > 1 ? "s" : ""}, next ${s.next_charge_on})`).join(', ')}`);

  if (CUSTOMER === DEMO_SHOPPER) await moments();

  const after = await call('GET', customerPath);
  if (after.status !== 200) fail(`GET ${customerPath}`, after);
  const l = after.json.loyalty;
  const expiring = l.expiring.map((e) => `${e.points} on ${e.expires_at.slice(0, 10)}`).join(', ') || 'nothing';
  const pending = l.pending_lots.map((p) => `${p.points} from ${p.available_at.slice(0, 10)}`).join(', ') || 'none';
  console.log(`${CUSTOMER}: ${l.balance} points (${l.tier.name}), pending ${l.pending} [${pending}], expiring ${expiring}`);
}

/** The demo shopper's birthday and five-star review (SPEC 2.7). */
async function moments() {
  const current = await call('GET', customerPath);
  if (current.status !== 200) fail(`GET ${customerPath}`, current);
  const prefs = current.json.preferences;
  if (prefs.birthday === null) {
    // The whole document, as the shopper has it, with the birthday added
    // and recommendations on (as if the shopper had opted in on the shop's
    // old platform): the program's default is off, and the invitation is
    // a marketing message of that topic, which the decision would suppress.
    const put = await call('PUT', `${customerPath}/preferences`, {
      ...prefs, birthday: BIRTHDAY, topics: { ...prefs.topics, recommendations: true },
    });
    if (put.status !== 200) fail('PUT preferences (birthday)', put);
  }
  const seen = await call('GET', customerPath);
  const next = seen.json?.loyalty?.birthday_reward;
  console.log(`birthday: ${seen.json?.preferences?.birthday ?? 'none'}${next ? `, ${next.points} points on ${next.on}` : ''}`);

  const review = await event({ type: 'review_submitted', product_id: REVIEWED, rating: 5 }, `review:${REVIEWED}`);
  if (review.status !== 200) fail(`review of ${REVIEWED}`, review);
  console.log(`review: 5 stars for ${REVIEWED}; a subscribe_invite reminder falls due 3 days after the first one (GET /v1/admin/outbox)`);
}

main().catch((e) => {
  console.error(`seed-demo: ${e.message}`);
  process.exit(1);
});
