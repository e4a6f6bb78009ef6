// The merchants' event logs over Deno KV (the event half of the store port,
// crates/edge/src/store.rs). Keys:
//
//   ["evlog", m, "head"]                   {newest, prunedThrough}
//   ["evlog", m, "at", position]           {customer, sequence, kind, createdAt,
//                                            state, nextAttemptAt, event, delivery}
//   ["evlog", m, "id", id]                 position
//   ["evlog", m, "customer", c, sequence]  position
//   ["evlog", m, "pending", c, sequence]   position   (while state is pending)
//
// Positions come from the head, checked in the same commit that appends:
// two writers never take the same number, and an event becomes readable
// only with its number, so a reader paging by position never skips one
// that commits later with a smaller number.

const head = (m) => ['evlog', m, 'head'];
const at = (m, position) => ['evlog', m, 'at', position];
const byId = (m, id) => ['evlog', m, 'id', id];
const byCustomer = (m, c, sequence) => ['evlog', m, 'customer', c, sequence];
const pending = (m, c, sequence) => ['evlog', m, 'pending', c, sequence];

/** Pending events looked at per delivery round, and events pruned per commit. */
const SCAN = 5_000;
const PRUNE_BATCH = 200;

/** Reads the head for a commit that appends: {value, versionstamp}. */
export async function readHead(kv, merchant) {
  const entry = await kv.get(head(merchant));
  return { value: entry.value ?? { newest: 0, prunedThrough: 0 }, versionstamp: entry.versionstamp };
}

/**
 * Adds to `op` (a Commit) the appending of `events` after `log` (from
 * readHead), with the check of the head; events to deliver also send
 * `{deliver: merchant}` to the KV queue (main.js runs a delivery round).
 */
export function append(op, merchant, log, events) {
  if (events.length === 0) return;
  op.check(head(merchant), log.versionstamp);
  if (events.some((e) => e.state === 'pending')) op.enqueue({ deliver: merchant });
  let position = log.value.newest;
  for (const e of events) {
    position += 1;
    op.set(at(merchant, position), {
      customer: e.customer, sequence: e.sequence, kind: e.kind, createdAt: e.createdAt,
      state: e.state, nextAttemptAt: e.nextAttemptAt, event: e.event, delivery: e.delivery,
    });
    op.set(byId(merchant, e.id), position);
    op.set(byCustomer(merchant, e.customer, e.sequence), position);
    if (e.state === 'pending') op.set(pending(merchant, e.customer, e.sequence), position);
  }
  op.set(head(merchant), { ...log.value, newest: position });
}

/** The keys of the customer's events, to delete on erasure. */
export async function customerKeys(kv, merchant, customer) {
  const keys = [];
  for await (const entry of kv.list({ prefix: byCustomer(merchant, customer).slice(0, 4) })) {
    const row = (await kv.get(at(merchant, entry.value))).value;
    keys.push(entry.key, at(merchant, entry.value));
    if (row) keys.push(byId(merchant, JSON.parse(row.event).id), pending(merchant, customer, row.sequence));
  }
  return keys;
}

export async function lastSequence(kv, merchant, customer) {
  for await (const entry of kv.list({ prefix: byCustomer(merchant, customer).slice(0, 4) }, { reverse: true, limit: 1 })) {
    return entry.key[4];
  }
  return 0;
}

const stored = (position, row) => ({ position, event: row.event, delivery: row.delivery });

export async function page(kv, merchant, after, limit, kind) {
  const items = [];
  const iter = kv.list({ start: at(merchant, Math.floor(after) + 1), end: ['evlog', merchant, 'at', Number.MAX_SAFE_INTEGER] });
  for await (const entry of iter) {
    if (kind !== null && entry.value.kind !== kind) continue;
    items.push(stored(entry.key[3], entry.value));
    if (items.length >= limit) break;
  }
  const { value } = await readHead(kv, merchant);
  return { items, prunedThrough: value.prunedThrough, newest: value.newest };
}

export async function one(kv, merchant, id) {
  const position = (await kv.get(byId(merchant, id))).value;
  if (position === null) return null;
  const row = (await kv.get(at(merchant, position))).value;
  return row ? stored(position, row) : null;
}

export async function setDelivery(kv, merchant, id, delivery) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const position = (await kv.get(byId(merchant, id))).value;
    if (position === null) return false;
    const entry = await kv.get(at(merchant, position));
    if (!entry.value) return false;
    const row = entry.value;
    const op = kv.atomic().check(entry);
    op.set(entry.key, { ...row, state: delivery.state, nextAttemptAt: delivery.nextAttemptAt, delivery: delivery.delivery });
    if (delivery.state === 'pending') op.set(pending(merchant, row.customer, row.sequence), position);
    else op.delete(pending(merchant, row.customer, row.sequence));
    // Due sooner than before (a redelivery): a round must come for it.
    const sooner = delivery.state === 'pending'
      && (row.state !== 'pending' || delivery.nextAttemptAt < row.nextAttemptAt);
    if (sooner) op.enqueue({ deliver: merchant }, { delay: Math.max(0, delivery.nextAttemptAt * 1000 - Date.now()) });
    if ((await op.commit()).ok) return true;
  }
  throw new Error('setDelivery: the event kept changing; try again');
}

export async function due(kv, merchant, now, limit) {
  const heads = [];
  let customer = null;
  for await (const entry of kv.list({ prefix: ['evlog', merchant, 'pending'] }, { limit: SCAN })) {
    if (entry.key[3] === customer) continue; // only the earliest of each customer
    customer = entry.key[3];
    heads.push(entry.value);
  }
  const rows = [];
  for (const position of heads) {
    const row = (await kv.get(at(merchant, position))).value;
    if (row && row.state === 'pending' && row.nextAttemptAt !== null && row.nextAttemptAt <= now) rows.push([position, row]);
  }
  rows.sort((x, y) => x[1].nextAttemptAt - y[1].nextAttemptAt || x[0] - y[0]);
  return rows.slice(0, limit).map(([position, row]) => stored(position, row));
}

export async function prune(kv, merchant, before) {
  // In commits of PRUNE_BATCH events (Deno KV's mutation limit), until
  // none made before `before` is left.
  for (;;) {
    const gone = [];
    for await (const entry of kv.list({ prefix: ['evlog', merchant, 'at'] }, { limit: PRUNE_BATCH })) {
      if (!(entry.value.createdAt < before)) break;
      gone.push(entry);
    }
    if (gone.length === 0) return;
    const log = await readHead(kv, merchant);
    const op = kv.atomic().check({ key: head(merchant), versionstamp: log.versionstamp });
    for (const entry of gone) {
      const row = entry.value;
      op.delete(entry.key);
      op.delete(byId(merchant, JSON.parse(row.event).id));
      op.delete(byCustomer(merchant, row.customer, row.sequence));
      op.delete(pending(merchant, row.customer, row.sequence));
    }
    const last = gone[gone.length - 1].key[3];
    op.set(head(merchant), { ...log.value, prunedThrough: Math.max(log.value.prunedThrough, last) });
    await op.commit(); // a conflict (an append meanwhile): the next pass reads again
  }
}
