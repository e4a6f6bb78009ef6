// The suite's side of webhooks (SPEC 3.6): scripting the receiver, reading
// what it got, and checking a delivery's Standard Webhooks signature.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RECEIVER_URL } from './env.mjs';
import { sleep } from './time.mjs';

const control = (customer) => `${RECEIVER_URL}/control/${encodeURIComponent(customer)}`;

/** Sets the receiver's answers to `customer`'s next deliveries (200 | 500 | 410 | "hang"). */
export async function script(customer, answers) {
  const res = await fetch(control(customer), { method: 'PUT', body: JSON.stringify({ answers }) });
  assert.equal(res.status, 200, await res.text());
}

/** Every delivery of `customer`'s events the receiver got, oldest first. */
export async function deliveries(customer) {
  const res = await fetch(control(customer));
  assert.equal(res.status, 200);
  return res.json();
}

/** Waits until `pred(deliveries)` holds; returns the deliveries. */
export async function waitFor(customer, pred, what, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await deliveries(customer);
    if (pred(got)) return got;
    if (Date.now() > until) {
      assert.fail(`receiver: ${what} within ${timeoutMs / 1000} s; got ${got.length}: ${got.map((d) => d.body.slice(0, 120)).join(' | ')}`);
    }
    await sleep(200);
  }
}

/** Waits for `n` deliveries of `customer`'s events. */
export const waitForCount = (customer, n, timeoutMs) =>
  waitFor(customer, (got) => got.length >= n, `${n} deliveries of ${customer}`, timeoutMs);

/** Whether a delivery's `webhook-signature` is right for `secret` (whsec_…). */
export function signatureValid(secret, delivery) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${delivery.id}.${delivery.timestamp}.${delivery.body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return String(delivery.signature).split(' ').some((part) => {
    const [version, sig] = part.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
