// Cloudflare Workers adapter of the retention API: wiring only, every rule
// lives in the wasm handler (crates/api through pkg/edge/retention_edge.js).
//
//   Worker          asks the handler which object must answer (`target`),
//                   forwards the request there, or answers itself for what
//                   touches no state (401, 404/405, /healthz, preflights).
//   CustomerObject  one per merchant + customer (idFromName(merchant + "\n"
//                   + customer)): the customer's state, idempotency records
//                   and wake time in its own SQLite storage; compare-and-swap
//                   in one synchronous transaction; the alarm runs the
//                   reminder planner; after each write the customer's outbox,
//                   changes to its lookup keys (coupon codes, order:ID) and
//                   new events are copied to the merchant's index (changes
//                   and events wait in the object until the copy is
//                   confirmed, so none is lost to an eviction or failure).
//   MerchantObject  one per merchant (idFromName(merchant)): the program,
//                   the outbox and code indexes across the merchant's
//                   customers, and its event log (positions given in the
//                   order events arrive); answers /v1/admin/program,
//                   /v1/admin/outbox, acks, /v1/admin/redemptions and
//                   /v1/admin/events; its alarm runs webhook delivery.
//
// Config: RETENTION_MERCHANTS (a secret: `wrangler secret put
// RETENTION_MERCHANTS`; `.dev.vars` locally) holds the JSON array
// [{"id","api_key","token_secret","allowed_origins":[...]}], each with an
// optional "webhook_url" and "webhook_secret".
//
// This file is copied next to retention_edge.js and retention_edge_bg.wasm
// (pkg/edge/) by scripts/build-edge.sh; it imports them from there.
import { DurableObject } from "cloudflare:workers";
import { initSync, EdgeHandler, retryDelayMs, timers } from "./retention_edge.js";
import wasmModule from "./retention_edge_bg.wasm";

// workerd refuses to compile wasm from bytes: the module comes compiled.
initSync({ module: wasmModule });

// ---- shared helpers -----------------------------------------------------------

/** Unix seconds now. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** How often timers run and how long they wait (policy, from the wasm: retention_api::timers). */
const TIMERS = timers();


/** A problem+json answer for failures of the wiring itself (never rules), shaped like the API's. */
function problem(status, code, detail) {
  const title = code.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  return new Response(JSON.stringify({ type: `urn:retention:problem:${code}`, title, status, detail, code }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

/**
 * The request with its body read here: at most `limit` + 1 bytes are
 * kept (the rest is read and dropped, so a huge upload never sits in an
 * object's memory and the connection stays usable after the 413). A body
 * that ends before its announced length comes back as a body that fails to
 * read (`broken`), which the handler answers with its 400.
 */
async function withReadBody(request, limit) {
  if (request.body === null || request.method === "GET" || request.method === "HEAD") return { request, broken: false };
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  try {
    while (size <= limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    const broken = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: new ReadableStream({ start: (controller) => controller.error(error) }),
    });
    return { request: broken, broken: true };
  }
  if (size > limit) {
    // past the limit the handler answers 413 whatever follows; a body cut
    // short out here changes nothing of that answer
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch { /* the 413 stands */ }
  }
  const body = new Uint8Array(Math.min(size, limit + 1));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= body.length) break;
    const part = chunk.subarray(0, body.length - at);
    body.set(part, at);
    at += part.length;
  }
  const headers = new Headers(request.headers);
  headers.delete("content-length"); // the body may be shorter than announced now
  headers.delete("transfer-encoding");
  return { request: new Request(request.url, { method: request.method, headers, body }), broken: false };
}

/**
 * Runs `request` through a Durable Object's handler (`built` as its
 * #handler() returns it); a misconfiguration or a failure answers itself.
 */
async function serve({ handler, error }, label, request) {
  if (!handler) return misconfigured(error);
  try {
    return await handler.handle(request);
  } catch (e) {
    return failed(`${label}: ${request.method} ${new URL(request.url).pathname}`, e);
  }
}

function misconfigured(error) {
  // The sentence may quote the configuration: it goes to the log, not the client.
  console.error(`RETENTION_MERCHANTS is not usable: ${error?.message ?? error}`);
  return problem(500, "misconfigured",
    "The service is not configured correctly; the operator has been told in the logs.");
}

function failed(where, error) {
  console.error(`${where}: ${error?.stack ?? error}`);
  if (error?.overloaded) {
    // the object refused the request before running it
    const response = problem(503, "unavailable", "The service is busy. Nothing was changed; try again.");
    response.headers.set("retry-after", "1");
    return response;
  }
  return problem(500, "internal_error", "The request could not be completed.");
}

/** Versions come as numbers (a BigInt is accepted too); null stays null. */
function versionOf(value) {
  if (value === null || value === undefined) return null;
  return typeof value === "bigint" ? Number(value) : value;
}

/** UTF-16 units per stored part of a document: at most 3 UTF-8 bytes each, under SQLite's 2 MB a value. */
const PART_UNITS = 512 * 1024;

/** `text` cut into parts of at most PART_UNITS units, never inside a surrogate pair. */
function parts(text) {
  const out = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + PART_UNITS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** Unix seconds of an RFC 3339 instant (send_at of outbox items in copies from older versions). */
function unixOf(instant) {
  const ms = Date.parse(instant);
  if (!Number.isFinite(ms)) throw new Error(`an outbox item has no valid send_at: ${JSON.stringify(instant)}`);
  return Math.floor(ms / 1000);
}

/**
 * The text a customer object copies to the merchant's index: its outbox
 * entries (JSON text of the handler's {id, sendAt, item, digest}), the
 * changes to its lookup keys and the events not yet confirmed (JSON texts
 * of the handler's event objects). `reset`: the customer's keys go first
 * (an erasure not yet confirmed).
 */
function indexCopy(outboxJson, unsent) {
  const lookups = JSON.stringify(unsent.lookups);
  return `{"outbox":${outboxJson},"reset":${unsent.reset},"lookups":${lookups},"events":[${unsent.events.join(",")}]}`;
}

/**
 * Runs an object's alarm work; a failure is logged, counted in the
 * object's `alarm_failures`, and the alarm set again after the handler's
 * backoff for that many failures. A success clears the count.
 */
async function guardedAlarm(ctx, sql, label, work) {
  sql.exec("CREATE TABLE IF NOT EXISTS alarm_failures (one INTEGER PRIMARY KEY CHECK (one = 1), count INTEGER NOT NULL)");
  try {
    await work();
    sql.exec("DELETE FROM alarm_failures");
  } catch (e) {
    const count = sql.exec(
      "INSERT INTO alarm_failures (one, count) VALUES (1, 1) ON CONFLICT (one) DO UPDATE SET count = count + 1 RETURNING count",
    ).one().count;
    const wait = retryDelayMs(count);
    console.error(`${label} alarm failed (${count} in a row; again in ${wait} ms): ${e?.message ?? e}`);
    const set = await ctx.storage.getAlarm();
    if (set === null || set > Date.now() + wait) await ctx.storage.setAlarm(Date.now() + wait);
  }
}

function customerStub(env, merchant, customer) {
  return env.CUSTOMERS.get(env.CUSTOMERS.idFromName(`${merchant}\n${customer}`));
}

function merchantStub(env, merchant) {
  return env.MERCHANTS.get(env.MERCHANTS.idFromName(merchant));
}

/** Builds a handler, or returns the configuration error. */
function makeHandler(env, store) {
  const config = env.RETENTION_MERCHANTS;
  if (typeof config !== "string" || config.trim() === "") {
    return { error: new Error("RETENTION_MERCHANTS is not set (wrangler secret put RETENTION_MERCHANTS).") };
  }
  try {
    return { handler: new EdgeHandler(config, store) };
  } catch (error) {
    return { error };
  }
}

// ---- the Worker ---------------------------------------------------------------------

const STORE_METHODS = ["loadCustomer", "saveCustomer", "saveIdempotency", "consents", "rows", "eraseCustomer", "loadIdempotency",
  "loadProgram", "saveProgram", "dueOutbox", "outboxOwner", "ownerOf", "lastSequence",
  "events", "event", "setDelivery", "dueDeliveries", "pruneEvents"];

/** The Worker's own handler answers only what touches no state: its store refuses everything. */
const noStore = Object.fromEntries(STORE_METHODS.map((name) => [name, async () => {
  throw new Error(`the Worker has no store (${name}): this request should have gone to a Durable Object`);
}]));

let workerHandler = null; // {config, built: {handler} | {error}}

function workerHandlerFor(env) {
  if (workerHandler?.config !== env.RETENTION_MERCHANTS) {
    workerHandler = { config: env.RETENTION_MERCHANTS, built: makeHandler(env, noStore) };
  }
  return workerHandler.built;
}

export default {
  async fetch(incoming, env) {
    const { handler, error } = workerHandlerFor(env);
    if (!handler) return misconfigured(error);
    const { request, broken } = await withReadBody(incoming, handler.bodyLimit(new URL(incoming.url).pathname));
    // The handler reads the body before anything else: a broken one is
    // answered here, without a store.
    if (broken) return handler.handle(request);
    let target;
    try {
      target = handler.target(request);
    } catch (e) {
      return failed("target", e);
    }
    try {
      if (target?.kind === "customer") {
        return await customerStub(env, target.merchant, target.customer).fetch(request);
      }
      if (target?.kind === "merchant") {
        return await merchantStub(env, target.merchant).fetch(request);
      }
      return await handler.handle(request);
    } catch (e) {
      return failed(`${request.method} ${new URL(request.url).pathname}`, e);
    }
  },
};

// ---- one customer -------------------------------------------------------------------------

const CUSTOMER_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  one          INTEGER PRIMARY KEY CHECK (one = 1),
  merchant     TEXT,               -- ids of this object's customer (set on the first write)
  customer     TEXT,
  clock        INTEGER NOT NULL,   -- numbers the copies to the merchant's index, in order; survives a delete
  sent_version INTEGER,            -- the latest outbox copy sent to the merchant's index ...
  sent_outbox  TEXT NOT NULL,      -- ... and its content
  acked_version INTEGER,           -- the latest copy the index confirmed
  retry_at     INTEGER             -- ms: when to send the copy again after a failure
);
INSERT OR IGNORE INTO meta (one, clock, sent_outbox) VALUES (1, 0, '[]');
CREATE TABLE IF NOT EXISTS state (
  one       INTEGER PRIMARY KEY CHECK (one = 1),
  version   INTEGER NOT NULL,
  next_wake INTEGER,               -- unix seconds; NULL: nothing planned
  outbox    TEXT NOT NULL          -- JSON array of the customer's outbox entries
);
-- The state document in parts (a SQLite value holds at most 2 MB).
CREATE TABLE IF NOT EXISTS state_part (
  n    INTEGER PRIMARY KEY,
  text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
  key        TEXT PRIMARY KEY,
  record     TEXT NOT NULL,
  expires_at INTEGER NOT NULL      -- unix seconds
);
CREATE INDEX IF NOT EXISTS idempotency_by_expiry ON idempotency (expires_at);
-- The consent log: appended with each write, never rewritten.
CREATE TABLE IF NOT EXISTS consents (
  n      INTEGER PRIMARY KEY,
  record TEXT NOT NULL               -- the consent record as JSON
);
-- The customer's rows (ledger entries): written with the state, listed by key.
CREATE TABLE IF NOT EXISTS customer_rows (
  tbl   TEXT NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,               -- the row as JSON
  PRIMARY KEY (tbl, key)
) WITHOUT ROWID;
-- Events written with the state, until the merchant's log confirms them.
CREATE TABLE IF NOT EXISTS unsent_events (
  sequence     INTEGER PRIMARY KEY,
  event        TEXT NOT NULL,      -- the handler's event object as JSON
  sent_version INTEGER             -- the copy that last carried it
);
-- Lookup keys taken or let go, until the merchant's index confirms them.
CREATE TABLE IF NOT EXISTS unsent_lookups (
  key          TEXT PRIMARY KEY,
  held         INTEGER NOT NULL,   -- 1: the customer holds it; 0: let go
  sent_version INTEGER             -- the copy that last carried it
) WITHOUT ROWID;
-- An erasure whose removal of every lookup key is not yet confirmed.
CREATE TABLE IF NOT EXISTS unsent_reset (
  one          INTEGER PRIMARY KEY CHECK (one = 1),
  sent_version INTEGER             -- the copy that last carried it
);
`;

export class CustomerObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(CUSTOMER_SCHEMA);
    // Objects created before records knew their caller gain the column.
    if (!this.sql.exec("PRAGMA table_info(idempotency)").toArray().some((c) => c.name === "scope")) {
      this.sql.exec(`ALTER TABLE idempotency ADD COLUMN scope TEXT NOT NULL DEFAULT '';
        UPDATE idempotency SET scope = substr(key, 1, instr(key, ':') - 1) WHERE instr(key, ':') > 1;`);
    }
    this.sql.exec("CREATE INDEX IF NOT EXISTS idempotency_by_scope ON idempotency (scope, expires_at)");
    this.checked = null; // "merchant\ncustomer" once verified to be this object's
    this.programCache = null; // {merchant, found: null | {version, program}}
    this.built = null;
  }

  // -- the handler, with this object's store --

  #handler() {
    if (!this.built) {
      this.built = makeHandler(this.env, {
        loadCustomer: (m, c) => this.loadCustomer(m, c),
        saveCustomer: (m, c, expected, write) => this.saveCustomer(m, c, expected, write),
        eraseCustomer: (m, c, erased) => this.eraseCustomer(m, c, erased),
        loadIdempotency: (m, c, key, now) => this.loadIdempotency(m, c, key, now),
        saveIdempotency: (m, c, expected, record) => this.saveIdempotency(m, c, expected, record),
        consents: (m, c) => this.consents(m, c),
        rows: (m, c, table, newestFirst, beyond, limit) => this.rows(m, c, table, newestFirst, beyond, limit),
        lastSequence: (m, c) => this.lastSequence(m, c),
        ...merchantMethods((m) => merchantStub(this.env, m)),
        loadProgram: (m) => this.#program(m),
      });
    }
    return this.built;
  }

  fetch(request) {
    return serve(this.#handler(), 'customer object', request);
  }

  /** The reminder planner's timer; also re-sends an outbox copy that failed. */
  /**
   * The reminder planner's timer; also re-sends a copy that failed. It
   * never throws: workerd gives up on an alarm that throws six times, and
   * this customer would get no reminder again until something else wrote.
   * A failure is logged and the alarm set again, later each time.
   */
  async alarm() {
    await guardedAlarm(this.ctx, this.sql, "customer object", () => this.#alarmRound());
  }

  async #alarmRound() {
    const meta = this.#meta();
    if (meta.merchant === null || meta.customer === null) return; // nothing was ever written
    // A copy not confirmed by its retry time (failed, or cut off by an
    // eviction) goes again, under a new retry time in case this one is cut
    // off too; one still within its time may be on its way.
    const due = meta.retry_at !== null && meta.retry_at <= Date.now() + 500;
    const unconfirmed = meta.sent_version !== null && meta.sent_version !== meta.acked_version;
    if (due || (unconfirmed && meta.retry_at === null)) {
      this.sql.exec("UPDATE meta SET retry_at = ?", Date.now() + TIMERS.indexRetryMs);
      await this.#sendOutbox(meta.merchant, meta.customer, meta.sent_version ?? 0, meta.sent_outbox);
    }
    const state = this.#head();
    if (state?.next_wake != null && state.next_wake * 1000 <= Date.now() + 500) {
      const { handler, error } = this.#handler();
      if (!handler) throw new Error(`RETENTION_MERCHANTS is not usable: ${error?.message ?? error}`);
      await handler.wake(meta.merchant, meta.customer);
      const after = this.#head();
      if (after?.next_wake != null && after.next_wake * 1000 <= Date.now()) {
        console.warn(`customer object alarm: the planner left a wake time in the past (${after.next_wake}); looking again later`);
        await this.ctx.storage.setAlarm(Date.now() + TIMERS.stuckWakeRetryMs);
        return;
      }
    }
    await this.#arm();
  }

  // -- RPC: the customer store (also used by the merchant object) --

  async loadCustomer(merchant, customer) {
    this.#own(merchant, customer);
    const row = this.#head();
    return row ? { version: row.version, state: this.#doc() } : null;
  }

  async loadIdempotency(merchant, customer, key, now) {
    this.#own(merchant, customer);
    const rows = this.sql.exec(
      "SELECT record FROM idempotency WHERE key = ? AND expires_at > ?", key, Number(now),
    ).toArray();
    return rows.length ? rows[0].record : null;
  }

  /** A refusal's record alone, if the version is still `expected`; the state is not rewritten. */
  async saveIdempotency(merchant, customer, expected, record) {
    this.#own(merchant, customer);
    const expectedVersion = versionOf(expected);
    return this.ctx.storage.transactionSync(() => {
      const current = this.#head();
      if ((current ? current.version : null) !== expectedVersion) return false;
      this.#remember(record);
      return true;
    });
  }

  async consents(merchant, customer) {
    this.#own(merchant, customer);
    return this.sql.exec("SELECT record FROM consents ORDER BY n").toArray().map((r) => r.record);
  }

  async rows(merchant, customer, table, newestFirst, beyond, limit) {
    this.#own(merchant, customer);
    const order = newestFirst ? "DESC" : "ASC";
    const bound = beyond === null ? "" : newestFirst ? "AND key < ?" : "AND key > ?";
    const args = beyond === null ? [String(table)] : [String(table), String(beyond)];
    return this.sql
      .exec(`SELECT key, value FROM customer_rows WHERE tbl = ? ${bound} ORDER BY key ${order} LIMIT ?`, ...args, Number(limit))
      .toArray()
      .map((r) => [r.key, r.value]);
  }

  async saveCustomer(merchant, customer, expected, write) {
    this.#own(merchant, customer);
    const expectedVersion = versionOf(expected);
    const nextWake = write.nextWake ?? null;
    const outbox = JSON.stringify(write.outbox ?? []); // entries {id, sendAt, item, digest}
    const events = Array.isArray(write.events) ? write.events : [];
    const idem = write.idempotency ?? null;
    let send = null;
    // Compare and swap: the check and every write in one synchronous transaction.
    const written = this.ctx.storage.transactionSync(() => {
      const current = this.#head();
      if ((current ? current.version : null) !== expectedVersion) return false;
      const copyNumber = this.#tick();
      this.sql.exec(
        `INSERT INTO state (one, version, next_wake, outbox) VALUES (1, ?, ?, ?)
         ON CONFLICT (one) DO UPDATE SET version = excluded.version,
           next_wake = excluded.next_wake, outbox = excluded.outbox`,
        versionOf(write.version), nextWake, outbox,
      );
      this.sql.exec("DELETE FROM state_part");
      parts(write.state).forEach((text, n) => this.sql.exec("INSERT INTO state_part (n, text) VALUES (?, ?)", n, text));
      if (idem) this.#remember(idem);
      for (const record of write.consents ?? []) this.sql.exec("INSERT INTO consents (record) VALUES (?)", String(record));
      for (const row of write.rows ?? []) {
        if (row.value === null) this.sql.exec("DELETE FROM customer_rows WHERE tbl = ? AND key = ?", String(row.table), String(row.key));
        else this.sql.exec("INSERT OR REPLACE INTO customer_rows (tbl, key, value) VALUES (?, ?, ?)", String(row.table), String(row.key), String(row.value));
      }
      this.sql.exec("UPDATE meta SET merchant = ?, customer = ?", merchant, customer);
      for (const e of events) {
        this.sql.exec("INSERT INTO unsent_events (sequence, event) VALUES (?, ?)", Number(e.sequence), JSON.stringify(e));
      }
      for (const change of write.lookups ?? []) {
        this.sql.exec("INSERT OR REPLACE INTO unsent_lookups (key, held, sent_version) VALUES (?, ?, NULL)",
          String(change.key), change.held ? 1 : 0);
      }
      send = this.#planSend(copyNumber, indexCopy(outbox, this.#unsent(copyNumber)));
      return true;
    });
    if (!written) return false;
    await this.#arm();
    if (send) await this.#sendOutbox(merchant, customer, send.version, send.outbox);
    return true;
  }

  async eraseCustomer(merchant, customer, erased) {
    this.#own(merchant, customer);
    let send = null;
    this.ctx.storage.transactionSync(() => {
      const version = this.#tick(); // orders this copy after every earlier one
      this.sql.exec("DELETE FROM state");
      this.sql.exec("DELETE FROM state_part");
      this.sql.exec("DELETE FROM idempotency");
      this.sql.exec("DELETE FROM consents");
      this.sql.exec("DELETE FROM customer_rows");
      this.sql.exec("UPDATE meta SET merchant = ?, customer = ?", merchant, customer);
      if (erased) {
        // customer.erased replaces every earlier event, in the log as here
        this.sql.exec("DELETE FROM unsent_events");
        this.sql.exec("INSERT INTO unsent_events (sequence, event) VALUES (?, ?)", Number(erased.sequence), JSON.stringify(erased));
      }
      this.sql.exec("DELETE FROM unsent_lookups");
      this.sql.exec("INSERT OR REPLACE INTO unsent_reset (one, sent_version) VALUES (1, NULL)");
      send = this.#planSend(version, indexCopy("[]", this.#unsent(version)));
    });
    await this.#arm();
    if (send) await this.#sendOutbox(merchant, customer, send.version, send.outbox);
    else this.#forgetIdsIfErased();
  }

  /** The highest sequence of the customer's events, here or in the merchant's log. */
  async lastSequence(merchant, customer) {
    this.#own(merchant, customer);
    const here = this.sql.exec("SELECT MAX(sequence) AS s FROM unsent_events").one().s ?? 0;
    const there = await merchantStub(this.env, merchant).lastSequence(merchant, customer);
    return Math.max(here, Number(there));
  }

  // -- internals --

  /**
   * The merchant's program, cached here by version: each request asks the
   * merchant object only whether the version changed (a one-row read), and
   * the document crosses over, and is parsed by the handler, only when it
   * did. A program change applies to the very next request.
   */
  async #program(merchant) {
    const cached = this.programCache?.merchant === merchant ? this.programCache : null;
    const answer = await merchantStub(this.env, merchant).programIfChanged(merchant, cached !== null, cached?.found?.version ?? null);
    const found = answer.unchanged ? cached.found : answer.found;
    this.programCache = { merchant, found };
    return found;
  }

  /** Inside a transaction: stores a record; expired ones go, and of its scope only the newest `keep`. */
  #remember(idem) {
    const expiresAt = Number(idem.expiresAt);
    this.sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", nowSeconds());
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, record, expires_at, scope) VALUES (?, ?, ?, ?)",
      idem.key, idem.record, expiresAt, String(idem.scope),
    );
    this.sql.exec(
      `DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE scope = ?
         ORDER BY expires_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      String(idem.scope), Number(idem.keep),
    );
  }

  /**
   * Inside a write: the unconfirmed events' texts, lookup changes
   * ([key, held]) and erasure, marked as carried by copy `version`.
   */
  #unsent(version) {
    this.sql.exec("UPDATE unsent_events SET sent_version = ?", version);
    this.sql.exec("UPDATE unsent_lookups SET sent_version = ?", version);
    this.sql.exec("UPDATE unsent_reset SET sent_version = ?", version);
    return {
      reset: this.sql.exec("SELECT 1 FROM unsent_reset").toArray().length > 0,
      events: this.sql.exec("SELECT event FROM unsent_events ORDER BY sequence").toArray().map((r) => r.event),
      lookups: this.sql.exec("SELECT key, held FROM unsent_lookups ORDER BY key").toArray().map((r) => [r.key, r.held === 1]),
    };
  }

  /** Refuses ids that do not name this object (a routing bug must not write elsewhere's data). */
  #own(merchant, customer) {
    const name = `${merchant}\n${customer}`;
    if (this.checked === name) return;
    if (!this.ctx.id.equals(this.env.CUSTOMERS.idFromName(name))) {
      throw new Error("this Durable Object does not hold that customer");
    }
    this.checked = name;
  }

  #meta() {
    return this.sql.exec("SELECT * FROM meta").one();
  }

  /** Version, wake time and outbox, or null if there is no customer. */
  #head() {
    const rows = this.sql.exec("SELECT version, next_wake, outbox FROM state").toArray();
    return rows.length ? rows[0] : null;
  }

  /** The state document. */
  #doc() {
    return this.sql.exec("SELECT text FROM state_part ORDER BY n").toArray().map((r) => r.text).join("");
  }

  /** The next copy number (inside a transaction). */
  #tick() {
    return this.sql.exec("UPDATE meta SET clock = clock + 1 RETURNING clock").one().clock;
  }

  /**
   * Inside the write's transaction: whether the merchant's index needs this
   * copy. A planned copy also sets the retry time, committed with the
   * write, and the caller sets the alarm before anything else can run (in
   * the same output gate as the commit): if the object is evicted before
   * the copy is confirmed, the alarm sends it again.
   */
  #planSend(version, copy) {
    if (this.#meta().sent_outbox === copy) return null; // the latest copy sent already says this
    this.sql.exec("UPDATE meta SET sent_version = ?, sent_outbox = ?, retry_at = ?",
      version, copy, Date.now() + TIMERS.indexRetryMs);
    return { version, outbox: copy };
  }

  /** Copies the outbox, lookup changes and events to the merchant's index; a failure is retried from the alarm. */
  async #sendOutbox(merchant, customer, version, outbox) {
    try {
      await merchantStub(this.env, merchant).indexOutbox(merchant, customer, version, outbox);
      this.sql.exec(
        "UPDATE meta SET acked_version = ? WHERE acked_version IS NULL OR acked_version < ?", version, version,
      );
      this.sql.exec("DELETE FROM unsent_events WHERE sent_version <= ?", version);
      this.sql.exec("DELETE FROM unsent_lookups WHERE sent_version <= ?", version);
      this.sql.exec("DELETE FROM unsent_reset WHERE sent_version <= ?", version);
      // confirmed up to the latest copy: no retry is needed any more
      this.sql.exec("UPDATE meta SET retry_at = NULL WHERE acked_version >= sent_version");
      this.#forgetIdsIfErased();
      await this.#arm();
    } catch (e) {
      console.error(`customer object: the outbox index of ${merchant} was not updated (${e?.message ?? e}); retrying from the alarm`);
      this.sql.exec("UPDATE meta SET retry_at = ?", Date.now() + TIMERS.indexRetryMs);
      await this.#arm();
    }
  }

  /** After an erasure is fully propagated, the ids are not kept either. */
  #forgetIdsIfErased() {
    const meta = this.#meta();
    if (this.#head() === null && meta.retry_at === null
      && (meta.sent_version === null || meta.acked_version === meta.sent_version)) {
      this.sql.exec("UPDATE meta SET merchant = NULL, customer = NULL");
    }
  }

  /** Sets the alarm to the planner's wake time or a pending retry, whichever comes first. */
  async #arm() {
    const state = this.#head();
    const meta = this.#meta();
    const times = [];
    if (state?.next_wake != null) times.push(state.next_wake * 1000);
    if (meta.retry_at !== null) times.push(meta.retry_at);
    if (times.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.min(...times));
  }
}

// ---- one merchant ------------------------------------------------------------------------------

const MERCHANT_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  one      INTEGER PRIMARY KEY CHECK (one = 1),
  merchant TEXT,
  clock    INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (one, clock) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS program (
  one     INTEGER PRIMARY KEY CHECK (one = 1),
  version INTEGER NOT NULL,
  doc     TEXT NOT NULL
);
-- The outbox index: every customer's items, replaced whole by each copy.
CREATE TABLE IF NOT EXISTS outbox (
  customer TEXT NOT NULL,
  id       TEXT NOT NULL,
  send_at  INTEGER NOT NULL,        -- unix seconds
  item     TEXT NOT NULL,           -- the item as JSON
  PRIMARY KEY (customer, id)
);
CREATE INDEX IF NOT EXISTS outbox_by_send_at ON outbox (send_at, id);
CREATE INDEX IF NOT EXISTS outbox_by_id ON outbox (id);
-- The lookup index: each customer's coupon codes and order:ID keys, changed
-- by each copy (copies from before lookup changes replaced them whole).
CREATE TABLE IF NOT EXISTS codes (
  code     TEXT NOT NULL,
  customer TEXT NOT NULL,
  PRIMARY KEY (code, customer)
);
CREATE INDEX IF NOT EXISTS codes_by_customer ON codes (customer);
-- The version of each customer's latest copy: an older copy arriving late
-- is ignored. Kept after an erasure (an old copy must not bring items
-- back), so it is keyed by the customer object's id, not the customer's.
CREATE TABLE IF NOT EXISTS copies (
  object  TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
-- The event log: a position per event, in the order copies bring them.
CREATE TABLE IF NOT EXISTS events (
  position        INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT NOT NULL UNIQUE,
  customer        TEXT NOT NULL,
  sequence        INTEGER NOT NULL,
  kind            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,  -- unix seconds
  state           TEXT NOT NULL,
  next_attempt_at INTEGER,           -- unix seconds, while pending
  event           TEXT NOT NULL,     -- kept as the handler wrote it
  delivery        TEXT NOT NULL      -- replaced by setDelivery
);
CREATE INDEX IF NOT EXISTS events_by_customer ON events (customer, sequence);
CREATE INDEX IF NOT EXISTS events_pending ON events (customer, sequence) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS event_horizon (
  one            INTEGER PRIMARY KEY CHECK (one = 1),
  newest         INTEGER NOT NULL,
  pruned_through INTEGER NOT NULL
);
INSERT OR IGNORE INTO event_horizon (one, newest, pruned_through) VALUES (1, 0, 0);
`;

/** The store methods the merchant object answers, called on `stub(merchant)`. */
function merchantMethods(stub) {
  const forward = (name) => (m, ...rest) => stub(m)[name](m, ...rest);
  return Object.fromEntries(["loadProgram", "saveProgram", "dueOutbox", "outboxOwner", "ownerOf",
    "events", "event", "setDelivery", "dueDeliveries", "pruneEvents"].map((name) => [name, forward(name)]));
}

export class MerchantObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(MERCHANT_SCHEMA);
    this.checked = null;
    this.built = null;
  }

  #handler() {
    if (!this.built) {
      this.built = makeHandler(this.env, {
        loadCustomer: (m, c) => customerStub(this.env, m, c).loadCustomer(m, c),
        saveCustomer: (m, c, expected, write) => customerStub(this.env, m, c).saveCustomer(m, c, expected, write),
        eraseCustomer: (m, c, erased) => customerStub(this.env, m, c).eraseCustomer(m, c, erased),
        loadIdempotency: (m, c, key, now) => customerStub(this.env, m, c).loadIdempotency(m, c, key, now),
        saveIdempotency: (m, c, expected, record) => customerStub(this.env, m, c).saveIdempotency(m, c, expected, record),
        consents: (m, c) => customerStub(this.env, m, c).consents(m, c),
        rows: (m, c, table, newestFirst, beyond, limit) =>
          customerStub(this.env, m, c).rows(m, c, table, newestFirst, beyond, limit),
        lastSequence: (m, c) => customerStub(this.env, m, c).lastSequence(m, c),
        ...merchantMethods(() => this),
      });
    }
    return this.built;
  }

  fetch(request) {
    return serve(this.#handler(), 'merchant object', request);
  }

  /** Webhook delivery: one round (the handler's), then the alarm for the next round; never throws (see CustomerObject). */
  async alarm() {
    await guardedAlarm(this.ctx, this.sql, "merchant object", async () => {
      const merchant = this.sql.exec("SELECT merchant FROM meta").one().merchant;
      if (merchant === null) return;
      const { handler, error } = this.#handler();
      if (!handler) throw new Error(`RETENTION_MERCHANTS is not usable: ${error?.message ?? error}`);
      const next = await handler.deliverDue(merchant);
      if (next !== null && next !== undefined) await this.#armDelivery(next);
    });
  }

  // -- RPC --

  async loadProgram(merchant) {
    this.#own(merchant);
    const rows = this.sql.exec("SELECT version, doc FROM program").toArray();
    return rows.length ? { version: rows[0].version, program: rows[0].doc } : null;
  }

  /** `{unchanged: true}` if the caller's copy (`cached`, at `version`) is current, else `{found}` as loadProgram. */
  async programIfChanged(merchant, cached, version) {
    this.#own(merchant);
    const rows = this.sql.exec("SELECT version FROM program").toArray();
    const current = rows.length ? rows[0].version : null;
    if (cached && current === versionOf(version)) return { unchanged: true };
    return { found: await this.loadProgram(merchant) };
  }

  async saveProgram(merchant, expected, version, program) {
    this.#own(merchant);
    const expectedVersion = versionOf(expected);
    return this.ctx.storage.transactionSync(() => {
      const rows = this.sql.exec("SELECT version FROM program").toArray();
      if ((rows.length ? rows[0].version : null) !== expectedVersion) return false;
      this.sql.exec("UPDATE meta SET merchant = ?", merchant);
      this.sql.exec(
        `INSERT INTO program (one, version, doc) VALUES (1, ?, ?)
         ON CONFLICT (one) DO UPDATE SET version = excluded.version, doc = excluded.doc`,
        versionOf(version), program,
      );
      return true;
    });
  }

  async dueOutbox(merchant, now, limit) {
    this.#own(merchant);
    const rows = this.sql.exec(
      "SELECT item FROM outbox WHERE send_at <= ? ORDER BY send_at, id LIMIT ?",
      Number(now), Math.max(0, Number(limit)),
    ).toArray();
    return `[${rows.map((r) => r.item).join(",")}]`;
  }

  async outboxOwner(merchant, id) {
    this.#own(merchant);
    const rows = this.sql.exec("SELECT customer FROM outbox WHERE id = ? ORDER BY customer LIMIT 1", id).toArray();
    return rows.length ? rows[0].customer : null;
  }

  async ownerOf(merchant, code) {
    this.#own(merchant);
    const rows = this.sql.exec("SELECT customer FROM codes WHERE code = ? ORDER BY customer LIMIT 1", code).toArray();
    return rows.length ? rows[0].customer : null;
  }

  // -- RPC: the event log --

  async lastSequence(merchant, customer) {
    this.#own(merchant);
    return this.sql.exec("SELECT MAX(sequence) AS s FROM events WHERE customer = ?", customer).one().s ?? 0;
  }

  async events(merchant, after, limit, kind) {
    this.#own(merchant);
    const items = this.sql.exec(
      `SELECT position, event, delivery FROM events WHERE position > ? AND (? IS NULL OR kind = ?)
       ORDER BY position LIMIT ?`,
      Number(after), kind ?? null, kind ?? null, Math.max(0, Number(limit)),
    ).toArray();
    const horizon = this.sql.exec("SELECT newest, pruned_through FROM event_horizon").one();
    return { items, newest: horizon.newest, prunedThrough: horizon.pruned_through };
  }

  async event(merchant, id) {
    this.#own(merchant);
    const rows = this.sql.exec("SELECT position, event, delivery FROM events WHERE id = ?", id).toArray();
    return rows.length ? rows[0] : null;
  }

  async setDelivery(merchant, id, { state, nextAttemptAt, delivery }) {
    this.#own(merchant);
    const changed = this.sql.exec(
      "UPDATE events SET state = ?, next_attempt_at = ?, delivery = ? WHERE id = ?",
      state, nextAttemptAt ?? null, delivery, id,
    ).rowsWritten;
    if (changed > 0 && state === "pending") await this.#armDelivery(Number(nextAttemptAt));
    return changed > 0;
  }

  async dueDeliveries(merchant, now, limit) {
    this.#own(merchant);
    return this.sql.exec(
      `SELECT position, event, delivery FROM events e
       WHERE state = 'pending' AND next_attempt_at <= ?
         AND NOT EXISTS (SELECT 1 FROM events p WHERE p.customer = e.customer
                         AND p.state = 'pending' AND p.sequence < e.sequence)
       ORDER BY next_attempt_at, position LIMIT ?`,
      Number(now), Math.max(0, Number(limit)),
    ).toArray();
  }

  async pruneEvents(merchant, before) {
    this.#own(merchant);
    this.ctx.storage.transactionSync(() => {
      const last = this.sql.exec("SELECT MAX(position) AS p FROM events WHERE created_at < ?", Number(before)).one().p;
      if (last === null) return;
      this.sql.exec("DELETE FROM events WHERE created_at < ?", Number(before));
      this.sql.exec("UPDATE event_horizon SET pruned_through = MAX(pruned_through, ?)", last);
    });
  }

  /** Sets the alarm to `at` (unix seconds) unless an earlier one is set. */
  async #armDelivery(at) {
    const current = await this.ctx.storage.getAlarm();
    const when = Math.max(0, at * 1000);
    if (current === null || current > when) await this.ctx.storage.setAlarm(when);
  }

  /**
   * A customer object's copy of its outbox, lookup changes and events
   * (`version` orders the copies; a copy carries every change not yet
   * confirmed, so an older one arriving late is ignored).
   */
  async indexOutbox(merchant, customer, version, copyJson) {
    this.#own(merchant);
    const copy = JSON.parse(copyJson);
    // A copy planned before codes were indexed is the bare outbox array;
    // one planned before lookup changes carries every code the customer
    // holds ("codes"), which replace those indexed.
    const items = Array.isArray(copy) ? copy : copy?.outbox;
    const whole = Array.isArray(copy) ? [] : copy?.codes;
    const reset = Array.isArray(copy) || Array.isArray(whole) || copy?.reset === true;
    const lookups = (Array.isArray(whole) ? whole.map((code) => [code, true]) : copy?.lookups) ?? [];
    const events = Array.isArray(copy) ? [] : (copy?.events ?? []);
    if (!Array.isArray(items) || !Array.isArray(lookups) || !Array.isArray(events)) {
      throw new Error("an index copy is not {outbox: [...], lookups: [[key, held]...], events: [...]}");
    }
    // Entries carry their item's text; a copy planned by an older version
    // carries the items themselves.
    const rows = items.map((e) => (typeof e.item === "string"
      ? { id: String(e.id), sendAt: Number(e.sendAt), json: e.item }
      : { id: String(e.id), sendAt: unixOf(e.send_at), json: JSON.stringify(e) }));
    const object = this.env.CUSTOMERS.idFromName(`${merchant}\n${customer}`).toString();
    let deliver = null;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE meta SET merchant = ?", merchant);
      for (const e of events) {
        if (this.sql.exec("SELECT 1 FROM events WHERE id = ?", e.id).toArray().length) continue; // already here
        const erasedLater = this.sql.exec(
          "SELECT 1 FROM events WHERE customer = ? AND kind = 'customer.erased' AND sequence > ?", customer, e.sequence,
        ).toArray().length;
        if (erasedLater) continue; // a late copy of what an erasure removed
        if (e.kind === "customer.erased") {
          this.sql.exec("DELETE FROM events WHERE customer = ? AND sequence < ?", customer, e.sequence);
        }
        const position = this.sql.exec(
          `INSERT INTO events (id, customer, sequence, kind, created_at, state, next_attempt_at, event, delivery)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING position`,
          e.id, customer, e.sequence, e.kind, e.createdAt, e.state, e.nextAttemptAt ?? null, e.event, e.delivery,
        ).one().position;
        this.sql.exec("UPDATE event_horizon SET newest = ?", position);
        // A round soon for what to deliver; within the hour to keep the log
        // trimmed (the round says when it is next needed).
        const round = e.state === "pending" ? e.nextAttemptAt : nowSeconds() + TIMERS.housekeepingMs / 1000;
        deliver = Math.min(deliver ?? Infinity, round);
      }
      const seen = this.sql.exec("SELECT version FROM copies WHERE object = ?", object).toArray();
      if (seen.length && seen[0].version >= version) return; // a newer copy is already here
      this.sql.exec(
        "INSERT INTO copies (object, version) VALUES (?, ?) ON CONFLICT (object) DO UPDATE SET version = excluded.version",
        object, version,
      );
      this.sql.exec("DELETE FROM outbox WHERE customer = ?", customer);
      if (reset) this.sql.exec("DELETE FROM codes WHERE customer = ?", customer);
      for (const [code, held] of lookups) {
        if (held) this.sql.exec("INSERT OR IGNORE INTO codes (code, customer) VALUES (?, ?)", String(code), customer);
        else this.sql.exec("DELETE FROM codes WHERE code = ? AND customer = ?", String(code), customer);
      }
      for (const r of rows) {
        this.sql.exec(
          "INSERT OR REPLACE INTO outbox (customer, id, send_at, item) VALUES (?, ?, ?, ?)",
          customer, r.id, r.sendAt, r.json,
        );
      }
    });
    if (deliver !== null) await this.#armDelivery(deliver);
  }

  #own(merchant) {
    if (this.checked === merchant) return;
    if (!this.ctx.id.equals(this.env.MERCHANTS.idFromName(merchant))) {
      throw new Error("this Durable Object does not hold that merchant");
    }
    this.checked = merchant;
  }
}
