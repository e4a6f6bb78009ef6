// Unique ids so that tests never share a customer and can run concurrently
// against one server (and repeatedly against a long-lived deployment).
import { randomBytes, randomUUID } from 'node:crypto';

const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** A customer id (fits the `sub` rule: A-Za-z0-9._:@-, ≤ 128 chars). */
export function customerId(label = 'c') {
  return `${label}-${run}-${randomBytes(4).toString('hex')}`;
}

/** Any other unique identifier (order ids, subscription ids...). */
export function uid(label = 'id') {
  return `${label}-${run}-${randomBytes(4).toString('hex')}`;
}

/** A fresh Idempotency-Key. */
export function newKey() {
  return `k-${randomUUID()}`;
}
