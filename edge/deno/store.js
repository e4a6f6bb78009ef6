// The store port of the edge handler (crates/edge/src/store.rs) over Deno KV.
//
// Every method is async and takes and returns plain values; versions are
// numbers, instants unix seconds. The handler holds every rule: this file
// only keeps documents, versions and indexes.
//
// Layout (every key starts with a namespace, so no merchant or customer id
// can collide with another family of keys):
//
//   ["cust", m, c, "head"]                  {v, n, z, bytes, wake, outbox}
//                                             v: version; n: chunk count;
//                                             z: gzipped; bytes: text size;
//                                             wake: unix s | null;
//                                             outbox: [[id, sendAt, digest]]
//                                             codes: [lookup key] (heads written before
//                                               the "lookup" keys below; moved there by
//                                               the customer's next write)
//                                             consents: length of the consent log
//   ["cust", m, c, "state", v, i]           Uint8Array, chunk i of the state
//                                             (UTF-8 JSON, gzipped if z) written at v
//   ["cust", m, c, "idem", key]             {v, n, z, expiresAt}   (expireIn)
//   ["cust", m, c, "idem", key, v, i]       Uint8Array chunk       (expireIn)
//   ["cust", m, c, "idemring", scope]       {n}: records written in the scope (expireIn)
//   ["cust", m, c, "idemslot", scope, i]    the key in slot i (of `keep`; the
//                                             n-th record takes slot n % keep,
//                                             pushing out the one before it)
//   ["cust", m, c, "consent", i]            the i-th consent record (JSON text)
//   ["cust", m, c, "row", table, key]       a row of the customer's table (JSON text)
//   ["cust", m, c, "lookup", key]           1   (a lookup key the customer holds; "code" below)
//   ["outbox", m, sendAt, id]               {c, item}  item: the JSON text
//   ["outbox_id", m, id, c]                 sendAt
//   ["code", m, key, c]                     1   (a lookup key: coupon code or order:ID)
//   ["wake", nextWake, m, c]                1
//   ["program", m, "head"]                  {v, n, z, bytes}
//   ["program", m, "chunk", v, i]           Uint8Array chunk
//
// Deno KV keeps at most 64 KiB in one value, so documents are cut into
// chunks keyed by the version that wrote them: a chunk never changes once
// written, a reader that finds one missing knows a newer version replaced
// it and reads again. Documents over 8 KiB are gzipped first (JSON
// shrinks several times over), so a state of a few MB still fits the
// limits below. A customer write is ONE atomic commit: a check of the
// head's versionstamp, the new head and chunks, the deletion of the old
// chunks, the outbox index (only the entries that changed), the wake index
// and the idempotency record. A commit over Deno KV's limits (1000
// mutations, 800 KiB in all, 80 KiB of keys; 10 checks on Deno Deploy) is
// refused before it is sent, with an error naming the sizes: nothing is
// half-written.
//
// Versions come with each write (the handler mints them, random below
// 2^53) and are stored as given; chunks are keyed by them.

import * as log from './events.js';

export const LIMITS = Object.freeze({
  valueBytes: 64 * 1024,
  mutations: 1000,
  totalBytes: 800 * 1024,
  totalKeyBytes: 80 * 1024,
  checks: 10,
});

/** Bytes per chunk: Uint8Array values are stored as is, so a full value. */
const CHUNK_BYTES = LIMITS.valueBytes;
/** Keys read per getMany (Deno KV reads at most 10 ranges at once). */
const READ_BATCH = 10;
/** Re-reads when a chunk disappeared under a reader. */
const READ_ATTEMPTS = 20;
/** Documents larger than this are stored gzipped. */
const COMPRESS_OVER = 8 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Thrown when a write cannot fit in one atomic commit; nothing was written. */
export class StoreLimitError extends Error {
  constructor(message) {
    super(message);
    this.name = 'StoreLimitError';
  }
}

export class KvStore {
  /** @param {Deno.Kv} kv */
  constructor(kv, { limits = LIMITS } = {}) {
    this.kv = kv;
    this.limits = limits;
  }

  // ---- customers -----------------------------------------------------------

  async loadCustomer(merchant, customer) {
    const doc = await this.#readDoc(custHead(merchant, customer), (v, i) => custChunk(merchant, customer, v, i));
    return doc && { version: doc.version, state: doc.text };
  }

  async saveCustomer(merchant, customer, expected, write) {
    const headKey = custHead(merchant, customer);
    const head = await this.kv.get(headKey);
    const current = head.value ?? null;
    if ((current?.v ?? null) !== (expected ?? null)) return false;

    const version = requireNumber(write?.version, 'write.version');
    const op = new Commit(this.kv, this.limits, `customer write (merchant ${JSON.stringify(merchant)})`);
    op.check(headKey, head.versionstamp);

    // state: new chunks, then the old version's chunks go
    const state = await pack(requireString(write?.state, 'write.state'));
    const chunks = split(state.bytes);
    chunks.forEach((chunk, i) => op.set(custChunk(merchant, customer, version, i), chunk));
    for (let i = 0; i < (current?.n ?? 0); i++) op.delete(custChunk(merchant, customer, current.v, i));

    // wake index
    const wake = wakeTime(write.nextWake);
    const oldWake = current?.wake ?? null;
    if (oldWake !== null && oldWake !== wake) op.delete(wakeKey(oldWake, merchant, customer));
    if (wake !== null && wake !== oldWake) op.set(wakeKey(wake, merchant, customer), 1);

    // outbox index: only what changed
    const items = outboxEntries(write.outbox ?? []);
    const before = new Map((current?.outbox ?? []).map(([id, sendAt, digest]) => [id, { sendAt, digest }]));
    const after = new Map(items.map((it) => [it.id, it]));
    for (const [id, old] of before) {
      const now = after.get(id);
      if (!now) {
        op.delete(outboxKey(merchant, old.sendAt, id));
        op.delete(outboxIdKey(merchant, id, customer));
      } else if (now.sendAt !== old.sendAt) {
        op.delete(outboxKey(merchant, old.sendAt, id));
      }
    }
    for (const it of items) {
      const old = before.get(it.id);
      if (old && old.sendAt === it.sendAt && old.digest === it.digest) continue;
      op.set(outboxKey(merchant, it.sendAt, it.id), { c: customer, item: it.text });
      if (!old || old.sendAt !== it.sendAt) op.set(outboxIdKey(merchant, it.id, customer), it.sendAt);
    }

    // lookup index: the keys the write names (a head from before the
    // customer's "lookup" keys lists its keys; they move there now)
    const lookups = new Map((current?.codes ?? []).map((code) => [code, null]));
    for (const { key, held } of parseLookups(write.lookups)) lookups.set(key, held);
    for (const [code, held] of lookups) {
      if (held === false) {
        op.delete(codeKey(merchant, code, customer));
        op.delete(custLookup(merchant, customer, code));
      } else {
        if (held === true) op.set(codeKey(merchant, code, customer), 1);
        op.set(custLookup(merchant, customer, code), 1);
      }
    }

    // idempotency record, kept until it expires or its slot is taken
    const idem = write.idempotency ?? null;
    if (idem !== null) await this.#remember(op, merchant, customer, idem, version);

    // consent log: appended
    const consents = Array.isArray(write.consents) ? write.consents : [];
    const logged = current?.consents ?? 0;
    consents.forEach((record, i) => op.set(consentKey(merchant, customer, logged + i), requireString(record, 'write.consents[]')));

    // rows: set or deleted, in order
    for (const row of Array.isArray(write.rows) ? write.rows : []) {
      const key = rowKey(merchant, customer, requireString(row?.table, 'write.rows[].table'), requireString(row?.key, 'write.rows[].key'));
      if (row.value === null) op.delete(key);
      else op.set(key, requireString(row.value, 'write.rows[].value'));
    }

    op.set(headKey, {
      v: version,
      n: chunks.length,
      z: state.z,
      bytes: state.size,
      wake,
      outbox: items.map((it) => [it.id, it.sendAt, it.digest]),
      consents: logged + consents.length,
    });

    // the events, appended to the merchant's log (its head is checked:
    // a writer that lost the race to it retries as on a version conflict)
    const events = Array.isArray(write.events) ? write.events : [];
    if (events.length > 0) log.append(op, merchant, await log.readHead(this.kv, merchant), events);
    return await op.commit();
  }

  /** A refusal's record alone, if the customer's version is still `expected`. */
  async saveIdempotency(merchant, customer, expected, idem) {
    const headKey = custHead(merchant, customer);
    const head = await this.kv.get(headKey);
    if ((head.value?.v ?? null) !== (expected ?? null)) return false;
    const op = new Commit(this.kv, this.limits, `idempotency record (merchant ${JSON.stringify(merchant)})`);
    op.check(headKey, head.versionstamp);
    await this.#remember(op, merchant, customer, idem, `r${crypto.randomUUID()}`);
    return await op.commit();
  }

  async consents(merchant, customer) {
    const records = [];
    for await (const entry of this.kv.list({ prefix: ['cust', merchant, customer, 'consent'] })) records.push(entry.value);
    return records;
  }

  /** The table's rows in key order (descending when newestFirst), strictly past `beyond` that way. */
  async rows(merchant, customer, table, newestFirst, beyond, limit) {
    const prefix = ['cust', merchant, customer, 'row', String(table)];
    const selector = beyond === null ? { prefix } : newestFirst ? { prefix, end: [...prefix, String(beyond)] } : { prefix, start: [...prefix, String(beyond)] };
    const rows = [];
    // Ascending from `beyond` includes it: one more is read, and it is skipped.
    const extra = beyond !== null && !newestFirst ? 1 : 0;
    for await (const entry of this.kv.list(selector, { reverse: Boolean(newestFirst), limit: Number(limit) + extra })) {
      const key = entry.key[entry.key.length - 1];
      if (extra && key === beyond) continue;
      if (rows.length < limit) rows.push([key, entry.value]);
    }
    return rows;
  }

  /**
   * Adds the record `idem` to `op` (chunks keyed by `tag`): it takes the
   * next slot of its scope's ring of `keep`, and the record that held the
   * slot goes. The ring's counter is checked, so two writers cannot take
   * one slot.
   */
  async #remember(op, merchant, customer, idem, tag) {
    const key = requireString(idem.key, 'idempotency.key');
    const scope = requireString(idem.scope, 'idempotency.scope');
    const keep = Math.max(1, requireNumber(idem.keep, 'idempotency.keep'));
    const expiresAt = requireNumber(idem.expiresAt, 'idempotency.expiresAt');
    const expireIn = Math.max(1000, Math.round(expiresAt * 1000 - Date.now()));
    const ringKey = ['cust', merchant, customer, 'idemring', scope];
    const ring = await this.kv.get(ringKey);
    const n = ring.value?.n ?? 0;
    op.check(ringKey, ring.versionstamp);
    const slotKey = ['cust', merchant, customer, 'idemslot', scope, n % keep];
    const previous = (await this.kv.get(slotKey)).value;
    if (typeof previous === 'string' && previous !== key) {
      const old = (await this.kv.get(idemHead(merchant, customer, previous))).value;
      op.delete(idemHead(merchant, customer, previous));
      for (let i = 0; i < (old?.n ?? 0); i++) op.delete(idemChunk(merchant, customer, previous, old.v, i));
    }
    const record = await pack(requireString(idem.record, 'idempotency.record'));
    const recordChunks = split(record.bytes);
    op.set(idemHead(merchant, customer, key), { v: tag, n: recordChunks.length, z: record.z, expiresAt }, { expireIn });
    recordChunks.forEach((chunk, i) => op.set(idemChunk(merchant, customer, key, tag, i), chunk, { expireIn }));
    op.set(slotKey, key, { expireIn });
    op.set(ringKey, { n: n + 1 }, { expireIn });
  }

  async eraseCustomer(merchant, customer, erased) {
    if (erased) {
      // The customer's earlier events go first, in commits of their own
      // (a long history does not fit in one); erasing again is harmless.
      const keys = await log.customerKeys(this.kv, merchant, customer);
      const budget = Math.floor(this.limits.mutations / 2);
      for (let i = 0; i < keys.length; i += budget) {
        const batch = new Commit(this.kv, this.limits, 'customer erase (events)');
        keys.slice(i, i + budget).forEach((k) => batch.delete(k));
        await batch.commit();
      }
    }
    await this.#deleteCustomer(merchant, customer, erased);
  }

  async lastSequence(merchant, customer) {
    return log.lastSequence(this.kv, merchant, customer);
  }

  async events(merchant, after, limit, kind) {
    return log.page(this.kv, merchant, after, limit, kind);
  }

  async event(merchant, id) {
    return log.one(this.kv, merchant, id);
  }

  async setDelivery(merchant, id, delivery) {
    return log.setDelivery(this.kv, merchant, id, delivery);
  }

  async dueDeliveries(merchant, now, limit) {
    return log.due(this.kv, merchant, now, limit);
  }

  async pruneEvents(merchant, before) {
    return log.prune(this.kv, merchant, before);
  }

  async #deleteCustomer(merchant, customer, erased) {
    const headKey = custHead(merchant, customer);
    const prefix = ['cust', merchant, customer];
    for (let attempt = 0; attempt < READ_ATTEMPTS * 5; attempt++) {
      const head = await this.kv.get(headKey);
      const current = head.value ?? null;
      const keys = [];
      for await (const entry of this.kv.list({ prefix })) keys.push(entry.key);
      const globals = [];
      if (current) {
        if (current.wake !== null && current.wake !== undefined) globals.push(wakeKey(current.wake, merchant, customer));
        for (const [id, sendAt] of current.outbox ?? []) {
          globals.push(outboxKey(merchant, sendAt, id), outboxIdKey(merchant, id, customer));
        }
        for (const code of current.codes ?? []) globals.push(codeKey(merchant, code, customer));
      }
      // A lookup key goes with its entry in the merchant's code index.
      const withIndex = (k) => (k[3] === 'lookup' ? [k, codeKey(merchant, k[4], customer)] : [k]);
      // Keep each commit well inside the limits: idempotency records, the
      // consent log, rows and lookup keys (the keys that pile up) go first
      // in batches; the last commit takes the head, checked, with
      // everything that hangs on it.
      const budget = Math.floor(this.limits.mutations / 2);
      const rest = keys.filter((k) => !sameKey(k, headKey));
      if (rest.length * 2 + globals.length + 1 > budget) {
        const batch = [];
        for (const k of rest.filter((k) => k[3] !== 'state')) {
          const group = withIndex(k);
          if (batch.length + group.length > budget) break;
          batch.push(...group);
        }
        if (batch.length > 0) {
          const op = new Commit(this.kv, this.limits, 'customer delete');
          batch.forEach((k) => op.delete(k));
          await op.commit();
          continue;
        }
      }
      const op = new Commit(this.kv, this.limits, 'customer delete');
      op.check(headKey, head.versionstamp);
      for (const k of [...globals, ...rest.flatMap(withIndex)]) op.delete(k);
      if (current) op.delete(headKey);
      if (erased) log.append(op, merchant, await log.readHead(this.kv, merchant), [erased]);
      if (await op.commit()) return;
    }
    throw new Error('deleteCustomer: the customer kept changing while it was being deleted; try again');
  }

  /** The record under `key` if it is live at `now` (unix s, the handler's clock). */
  async loadIdempotency(merchant, customer, key, now) {
    const entry = await this.kv.get(idemHead(merchant, customer, key));
    const head = entry.value;
    if (!head || !(head.expiresAt > now)) return null;
    const parts = await this.#readChunks(head, (v, i) => idemChunk(merchant, customer, key, v, i));
    // A record replaced under the reader (its key expired and was used
    // again): read the new one.
    if (parts === null) return this.#retryIdempotency(merchant, customer, key, now);
    return await unpack(head, parts);
  }

  async #retryIdempotency(merchant, customer, key, now) {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(idemHead(merchant, customer, key));
      const head = entry.value;
      if (!head || !(head.expiresAt > now)) return null;
      const parts = await this.#readChunks(head, (v, i) => idemChunk(merchant, customer, key, v, i));
      if (parts !== null) return await unpack(head, parts);
    }
    return null;
  }

  // ---- programs ------------------------------------------------------------

  async loadProgram(merchant) {
    const doc = await this.#readDoc(programHead(merchant), (v, i) => programChunk(merchant, v, i));
    return doc && { version: doc.version, program: doc.text };
  }

  async saveProgram(merchant, expected, version, program) {
    const headKey = programHead(merchant);
    const head = await this.kv.get(headKey);
    const current = head.value ?? null;
    if ((current?.v ?? null) !== (expected ?? null)) return false;
    requireNumber(version, 'version');
    const op = new Commit(this.kv, this.limits, `program write (merchant ${JSON.stringify(merchant)})`);
    op.check(headKey, head.versionstamp);
    const doc = await pack(requireString(program, 'program'));
    const chunks = split(doc.bytes);
    chunks.forEach((chunk, i) => op.set(programChunk(merchant, version, i), chunk));
    for (let i = 0; i < (current?.n ?? 0); i++) op.delete(programChunk(merchant, current.v, i));
    op.set(headKey, { v: version, n: chunks.length, z: doc.z, bytes: doc.size });
    return await op.commit();
  }

  // ---- outbox and wake indexes --------------------------------------------------

  async dueOutbox(merchant, now, limit) {
    const n = Math.max(0, Math.min(Math.floor(Number(limit) || 0), 1000));
    if (n === 0) return '[]';
    const texts = [];
    const iter = this.kv.list(
      { start: ['outbox', merchant], end: ['outbox', merchant, Math.floor(now) + 1] },
      { limit: n },
    );
    for await (const entry of iter) texts.push(entry.value.item);
    return `[${texts.join(',')}]`;
  }

  async ownerOf(merchant, code) {
    for await (const entry of this.kv.list({ prefix: ['code', merchant, String(code)] }, { limit: 1 })) {
      return entry.key[3];
    }
    return null;
  }

  async outboxOwner(merchant, id) {
    for await (const entry of this.kv.list({ prefix: ['outbox_id', merchant, id] }, { limit: 1 })) {
      return entry.key[3];
    }
    return null;
  }

  /**
   * Customers whose planned wake time is at or before `now` (unix s),
   * soonest first: `{merchant, customer, wake}`, at most `limit` of them
   * for which `accept` returns true (the others are passed over, not
   * counted), looking at no more than `scan` entries. Not part of the
   * handler's port: the reminder loop of main.js reads it.
   */
  async dueWakes(now, { limit = 100, scan = 1000, accept = () => true } = {}) {
    const out = [];
    const iter = this.kv.list({ start: ['wake'], end: ['wake', Math.floor(now) + 1] }, { limit: scan });
    for await (const entry of iter) {
      const due = { wake: entry.key[1], merchant: entry.key[2], customer: entry.key[3] };
      if (!accept(due)) continue;
      out.push(due);
      if (out.length >= limit) break;
    }
    return out;
  }

  // ---- internals -----------------------------------------------------------

  /** A chunked document: `{version, text}` or null. */
  async #readDoc(headKey, chunkKey) {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(headKey);
      const head = entry.value;
      if (!head) return null;
      const parts = await this.#readChunks(head, chunkKey);
      if (parts !== null) return { version: head.v, text: await unpack(head, parts) };
    }
    throw new Error(`a document under ${JSON.stringify(headKey)} kept changing while it was read`);
  }

  /** The head's chunks, or null when one is gone (a newer version replaced them). */
  async #readChunks(head, chunkKey) {
    const keys = Array.from({ length: head.n }, (_, i) => chunkKey(head.v, i));
    const parts = [];
    for (let i = 0; i < keys.length; i += READ_BATCH) {
      const entries = await this.kv.getMany(keys.slice(i, i + READ_BATCH));
      for (const e of entries) {
        if (!(e.value instanceof Uint8Array)) return null;
        parts.push(e.value);
      }
    }
    return parts;
  }

}

// ---- one atomic commit, sized before it is sent -------------------------------------

class Commit {
  constructor(kv, limits, what) {
    this.op = kv.atomic();
    this.limits = limits;
    this.what = what;
    this.checks = 0;
    this.mutations = 0;
    this.totalBytes = 0; // as Deno KV counts: every key, plus each value with its key again
    this.keyBytes = 0;
  }

  check(key, versionstamp) {
    this.op.check({ key, versionstamp });
    this.checks += 1;
    this.totalBytes += keySize(key);
  }

  set(key, value, options) {
    const k = keySize(key);
    const v = valueSize(value);
    if (v > this.limits.valueBytes) {
      throw new StoreLimitError(`${this.what}: one value of ${v} bytes exceeds Deno KV's ${this.limits.valueBytes} bytes; nothing was written`);
    }
    this.op.set(key, value, options);
    this.mutations += 1;
    this.totalBytes += k + k + v;
    this.keyBytes += k;
  }

  delete(key) {
    this.op.delete(key);
    this.mutations += 1;
    this.totalBytes += keySize(key);
  }

  /** A queue message sent only if the commit succeeds. */
  enqueue(value, options) {
    this.op.enqueue(value, options);
    this.mutations += 1;
    this.totalBytes += valueSize(value);
  }

  /** true: written; false: a check failed, nothing written. */
  async commit() {
    const l = this.limits;
    const over = [];
    if (this.mutations > l.mutations) over.push(`${this.mutations} mutations (limit ${l.mutations})`);
    if (this.totalBytes > l.totalBytes) over.push(`${this.totalBytes} bytes (limit ${l.totalBytes})`);
    if (this.keyBytes > l.totalKeyBytes) over.push(`${this.keyBytes} bytes of keys (limit ${l.totalKeyBytes})`);
    if (this.checks > l.checks) over.push(`${this.checks} checks (limit ${l.checks})`);
    if (over.length > 0) {
      throw new StoreLimitError(`${this.what} does not fit in one Deno KV atomic commit: ${over.join(', ')}; nothing was written`);
    }
    const result = await this.op.commit();
    return result.ok === true;
  }
}

// ---- keys ---------------------------------------------------------------------------

const custHead = (m, c) => ['cust', m, c, 'head'];
const custChunk = (m, c, v, i) => ['cust', m, c, 'state', v, i];
const idemHead = (m, c, key) => ['cust', m, c, 'idem', key];
const consentKey = (m, c, i) => ['cust', m, c, 'consent', i];
const rowKey = (m, c, table, key) => ['cust', m, c, 'row', table, key];
const idemChunk = (m, c, key, v, i) => ['cust', m, c, 'idem', key, v, i];
const outboxKey = (m, sendAt, id) => ['outbox', m, sendAt, id];
const outboxIdKey = (m, id, c) => ['outbox_id', m, id, c];
const codeKey = (m, code, c) => ['code', m, code, c];
const custLookup = (m, c, code) => ['cust', m, c, 'lookup', code];
const wakeKey = (at, m, c) => ['wake', at, m, c];
const programHead = (m) => ['program', m, 'head'];
const programChunk = (m, v, i) => ['program', m, 'chunk', v, i];

function sameKey(a, b) {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** Bytes of a key as Deno KV encodes it (tuple encoding), rounded up. */
function keySize(key) {
  let size = 0;
  for (const part of key) {
    if (typeof part === 'string') {
      const bytes = encoder.encode(part);
      size += 2 + bytes.length + bytes.filter((b) => b === 0).length;
    } else if (part instanceof Uint8Array) {
      size += 2 + part.length + part.filter((b) => b === 0).length;
    } else {
      size += 10; // numbers: tag + 8 bytes; bigints and booleans are no larger here
    }
  }
  return size;
}

/**
 * Bytes of a value: Uint8Array values are stored as raw bytes; anything
 * else goes through V8 serialization, bounded here from above (two bytes
 * per character of its JSON, plus headers).
 */
function valueSize(value) {
  if (value instanceof Uint8Array) return value.length;
  return 2 * JSON.stringify(value).length + 64;
}

// ---- values ---------------------------------------------------------------------------

function split(bytes) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytes.subarray(i, i + CHUNK_BYTES));
  if (chunks.length === 0) chunks.push(new Uint8Array(0));
  return chunks;
}

/** A document's text → the bytes to store: UTF-8, gzipped when large. */
async function pack(text) {
  const raw = encoder.encode(text);
  if (raw.length <= COMPRESS_OVER) return { bytes: raw, z: false, size: raw.length };
  const stream = new Blob([raw]).stream().pipeThrough(new CompressionStream('gzip'));
  return { bytes: new Uint8Array(await new Response(stream).arrayBuffer()), z: true, size: raw.length };
}

/** The stored chunks of a head → the document's text. */
async function unpack(head, parts) {
  let bytes = concat(parts);
  if (head.z) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return decoder.decode(bytes);
}

function concat(parts) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function requireString(value, name) {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

function requireNumber(value, name) {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a number`);
  return value;
}

function wakeTime(value) {
  if (value === null || value === undefined) return null;
  return Math.floor(requireNumber(value, 'write.nextWake'));
}

/** The write's changes to lookup keys (coupon codes, order:ID): [{key, held}] (none when absent). */
function parseLookups(changes) {
  if (changes === undefined || changes === null) return [];
  if (!Array.isArray(changes) || !changes.every((c) => typeof c?.key === 'string' && typeof c?.held === 'boolean')) {
    throw new TypeError('write.lookups must be an array of {key: string, held: boolean}');
  }
  return changes;
}

/** The handler's outbox entries → [{id, sendAt, digest, text}] (nothing to parse). */
function outboxEntries(entries) {
  if (!Array.isArray(entries)) throw new TypeError('write.outbox must be an array of entries');
  return entries.map((e) => ({
    id: requireString(e?.id, 'outbox entry id'),
    sendAt: requireNumber(e?.sendAt, 'outbox entry sendAt'),
    digest: requireString(e?.digest, 'outbox entry digest'),
    text: requireString(e?.item, 'outbox entry item'),
  }));
}

/** Opens the KV database: a file path locally, the project's database on Deno Deploy. */
export async function openKv(path) {
  return path ? await Deno.openKv(path) : await Deno.openKv();
}
