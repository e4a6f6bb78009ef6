// Program documents (no API environment needed): the SPEC's defaults
// (3.5) and the suite's program for merchant A.
export const DEFAULT_PREFERENCES = Object.freeze({
  channels: {
    email: { enabled: true }, sms: { enabled: false }, whatsapp: { enabled: false },
    telegram: { enabled: false }, viber: { enabled: false }, push: { enabled: false },
  },
  channel_order: ['email', 'sms', 'whatsapp', 'telegram', 'viber', 'push'],
  topics: {
    promotions: true, reward_updates: true, new_products: true, recommendations: true,
    order_updates: true, subscription_updates: true,
  },
  marketing_unsubscribed: false,
  max_per_week: null,
  time_zone: 'Europe/Moscow',
  quiet_hours: null,
  snoozed_until: null,
  expiry_reminder_days: [30, 7],
  locale: 'ru',
  birthday: null,
});

export const DEFAULT_PROGRAM = Object.freeze({
  currency: 'RUB',
  earn: { points: 1, per_amount_minor: 100 },
  pending_days: 0,
  expiry: { after_earn_days: 365, inactivity_days: null },
  tier_window_days: 365,
  tiers: [{ id: 'base', name: 'Member', threshold: 0, multiplier_percent: 100 }],
  rewards: [],
  subscriptions: {
    allowed_intervals: [{ unit: 'week', count: 2 }, { unit: 'month', count: 1 }],
    swap_options: {},
    addons: {},
    cutoff_hours: 24, max_pause_days: 90,
    reschedule_window_days: 60, max_quantity: 10,
    cancel_reasons: [],
  },
  renewal_reminder_days: 3,
  quiet_hours_floor: { start: '21:00', end: '08:00' },
  history_days: 730,
  birthday_reward: null,
  default_preferences: DEFAULT_PREFERENCES,
});

/** Deep copy of a plain JSON value. */
export const clone = (v) => JSON.parse(JSON.stringify(v));

/**
 * Merchant A's program for the whole suite.
 * - pending_days 7: orders paid now are pending; backdated orders (paid
 *   more than 7 days ago) and adjustments are spendable.
 * - tiers far apart, so ordinary test orders stay in Member (100 %).
 * - add-ons for coffee and tea, and a birthday reward (SPEC 2.7): only a
 *   customer who gives a birthday gets it.
 */
export const SUITE_PROGRAM = Object.freeze({
  currency: 'RUB',
  earn: { points: 1, per_amount_minor: 100 },
  pending_days: 7,
  expiry: { after_earn_days: 365, inactivity_days: null },
  tier_window_days: 365,
  tiers: [
    { id: 'member', name: 'Member', threshold: 0, multiplier_percent: 100 },
    { id: 'silver', name: 'Silver', threshold: 100_000, multiplier_percent: 125 },
    { id: 'gold', name: 'Gold', threshold: 1_000_000, multiplier_percent: 150 },
  ],
  rewards: [
    { id: 'r-fixed', name: '500 ₽ off', cost: 100, kind: 'fixed_discount', value: 50_000 },
    { id: 'r-percent', name: '10 % off', cost: 250, kind: 'percent_discount', value: 10 },
    { id: 'r-ship', name: 'Free shipping', cost: 50, kind: 'free_shipping', value: 0 },
  ],
  subscriptions: {
    allowed_intervals: [{ unit: 'week', count: 2 }, { unit: 'month', count: 1 }, { unit: 'month', count: 2 }],
    swap_options: {
      coffee: [
        { variant_id: 'coffee-250g', title: 'Coffee beans 250 g', price_minor: 89_000 },
        { variant_id: 'coffee-1kg', title: 'Coffee beans 1 kg', price_minor: 299_000 },
      ],
      tea: [
        { variant_id: 'tea-100g', title: 'Green tea 100 g', price_minor: 45_000 },
      ],
    },
    addons: {
      coffee: [
        { variant_id: 'filters-100', title: 'Paper filters ×100', price_minor: 19_000 },
        { variant_id: 'mug', title: 'Bean & Leaf mug', price_minor: 79_000 },
      ],
      tea: [
        { variant_id: 'honey-250g', title: 'Honey 250 g', price_minor: 39_000 },
      ],
    },
    cutoff_hours: 24,
    max_pause_days: 60,
    reschedule_window_days: 45,
    max_quantity: 5,
    cancel_reasons: [
      { id: 'too_much', label: 'I have too much', offer: { kind: 'skip' } },
      { id: 'too_expensive', label: 'Too expensive', offer: { kind: 'discount', percent: 15 } },
      { id: 'going_away', label: 'Going away', offer: { kind: 'pause', days: 30 } },
      { id: 'other', label: 'Something else', offer: null },
    ],
  },
  renewal_reminder_days: 3,
  quiet_hours_floor: { start: '21:00', end: '08:00' },
  history_days: 730,
  birthday_reward: { points: 150, expires_in_days: 30 },
  default_preferences: DEFAULT_PREFERENCES,
});
