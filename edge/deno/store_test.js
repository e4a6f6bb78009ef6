// Tests of the Deno KV store (no wasm needed):
//   deno test --unstable-kv --no-config --allow-read --allow-write edge/deno/store_test.js
import { KvStore, LIMITS, StoreLimitError } from './store.js';

function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
function assertEquals(actual, expected, message = '') {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}\n  actual:   ${a}\n  expected: ${e}`);
}
async function assertRejects(fn, type, includes) {
  try {
    await fn();
  } catch (e) {
    if (type && !(e instanceof type)) throw new Error(`expected ${type.name}, got ${e?.name}: ${e?.message}`);
    if (includes && !String(e.message).includes(includes)) throw new Error(`message ${JSON.stringify(e.message)} lacks ${JSON.stringify(includes)}`);
    return e;
  }
  throw new Error('expected a rejection');
}

async function withStore(fn, options) {
  const dir = await Deno.makeTempDir({ prefix: 'retention-kv-test-' });
  const kv = await Deno.openKv(`${dir}/test.kv`);
  try {
    await fn(new KvStore(kv, options), kv);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function allKeys(kv) {
  const keys = [];
  for await (const e of kv.list({ prefix: [] })) keys.push(e.key);
  return keys;
}

/** `n` characters that gzip cannot shrink much (base64 of random bytes). */
function noise(n) {
  const bytes = new Uint8Array(Math.ceil((n * 3) / 4));
  for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += btoa(String.fromCharCode(...bytes.subarray(i, i + 8192)));
  return text.slice(0, n);
}

// Versions are minted by the handler (random below 2^53); here, a counter.
let minted = 1000;
const write = (state, extra = {}) => ({ version: ++minted, state, nextWake: null, outbox: [], idempotency: null, ...extra });
const iso = (unix) => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const item = (id, unix, extra = {}) => ({ id, customer_id: 'x', kind: 'points_expiring', send_at: iso(unix), data: { n: 12345678901234567890n.toString() }, ...extra });
/** Outbox entries as the handler gives them (the digest here: a small string hash). */
const outboxJson = (items) => items.map((it) => {
  const text = JSON.stringify(it);
  const digest = [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7).toString(16);
  return { id: it.id, sendAt: Math.floor(Date.parse(it.send_at) / 1000), item: text, digest };
});

Deno.test('compare-and-swap: create, conflict, update', () => withStore(async (s) => {
  assertEquals(await s.loadCustomer('m', 'c'), null);
  assert(await s.saveCustomer('m', 'c', null, write('{"a":1}')), 'created');
  assert(!(await s.saveCustomer('m', 'c', null, write('{"a":2}'))), 'a second create conflicts');
  const one = await s.loadCustomer('m', 'c');
  assertEquals(one.state, '{"a":1}');
  assert(Number.isSafeInteger(one.version), 'version is a safe integer');
  assert(!(await s.saveCustomer('m', 'c', one.version + 1, write('{"a":3}'))), 'wrong version');
  assert(await s.saveCustomer('m', 'c', one.version, write('{"a":4}')), 'right version');
  const two = await s.loadCustomer('m', 'c');
  assertEquals(two.state, '{"a":4}');
  assert(two.version !== one.version, 'the version written is the one given');
  assertEquals(await s.loadCustomer('m', 'other'), null);
  assertEquals(await s.loadCustomer('m2', 'c'), null);
}));

Deno.test('a state of several MB that compresses well is stored and read back', () => withStore(async (s) => {
  const ledger = Array.from({ length: 30000 }, (_, i) => ({ id: `e${i}`, kind: 'earn', points: i % 17, at: '2027-01-01T00:00:00Z', description: 'Заказ оплачен' }));
  const big = JSON.stringify({ ledger });
  assert(big.length > 2_000_000, `several MB (${big.length})`);
  assert(await s.saveCustomer('m', 'c', null, write(big)), 'written');
  assertEquals((await s.loadCustomer('m', 'c')).state === big, true, 'read back');
}));

Deno.test('concurrent writers on one version: exactly one wins', () => withStore(async (s) => {
  await s.saveCustomer('m', 'c', null, write('0'));
  const { version } = await s.loadCustomer('m', 'c');
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.saveCustomer('m', 'c', version, write(String(i + 1)))));
  assertEquals(results.filter(Boolean).length, 1, 'one winner');
  const creates = await Promise.all(Array.from({ length: 10 }, (_, i) => s.saveCustomer('m', 'new', null, write(String(i)))));
  assertEquals(creates.filter(Boolean).length, 1, 'one creator');
}));

Deno.test('a state of several hundred KB is chunked, read back, and its old chunks go', () => withStore(async (s, kv) => {
  const big = JSON.stringify({ ledger: Array.from({ length: 4000 }, (_, i) => ({ id: `e${i}`, note: `ёжик 🦔 ${noise(100)}` })) });
  assert(new TextEncoder().encode(big).length > 400_000, `big enough (${big.length})`);
  assert(await s.saveCustomer('m', 'c', null, write(big)), 'big write');
  const got = await s.loadCustomer('m', 'c');
  assertEquals(got.state === big, true, 'read back byte for byte');
  const chunks = (await allKeys(kv)).filter((k) => k[3] === 'state');
  assert(chunks.length >= 5, `several chunks (${chunks.length})`);
  assert(await s.saveCustomer('m', 'c', got.version, write('{"small":true}')), 'shrink');
  assertEquals((await s.loadCustomer('m', 'c')).state, '{"small":true}');
  assertEquals((await allKeys(kv)).filter((k) => k[3] === 'state').length, 1, 'old chunks deleted');
}));

Deno.test('a write over the atomic limits fails clearly and writes nothing', () => withStore(async (s, kv) => {
  assert(await s.saveCustomer('m', 'c', null, write('{"v":1}')), 'first');
  const { version } = await s.loadCustomer('m', 'c');
  const huge = JSON.stringify({ noise: noise(1200 * 1024) }); // still over 800 KiB gzipped
  const before = await allKeys(kv);
  await assertRejects(() => s.saveCustomer('m', 'c', version, write(huge)), StoreLimitError, 'nothing was written');
  assertEquals(await s.loadCustomer('m', 'c'), { version, state: '{"v":1}' }, 'unchanged');
  assertEquals(await allKeys(kv), before, 'no key changed');
}));

Deno.test('outbox index: due items oldest first, ties by id, across customers; owners; moves and removals', () => withStore(async (s, kv) => {
  const t = 1_800_000_000;
  const a = [item('rem_b', t - 10), item('rem_a', t - 10), item('rem_future', t + 100)];
  const b = [item('rem_c', t - 20)];
  assert(await s.saveCustomer('m', 'ca', null, write('{}', { outbox: outboxJson(a), nextWake: t + 50 })), 'a');
  assert(await s.saveCustomer('m', 'cb', null, write('{}', { outbox: outboxJson(b) })), 'b');
  assert(await s.saveCustomer('other', 'cz', null, write('{}', { outbox: outboxJson([item('rem_z', t - 30)]) })), 'other merchant');
  const due = JSON.parse(await s.dueOutbox('m', t, 100));
  assertEquals(due.map((i) => i.id), ['rem_c', 'rem_a', 'rem_b']);
  assertEquals(due[0].data.n, '12345678901234567890', 'items kept as written');
  assertEquals(JSON.parse(await s.dueOutbox('m', t, 2)).map((i) => i.id), ['rem_c', 'rem_a'], 'limit');
  assertEquals(JSON.parse(await s.dueOutbox('m', t - 11, 10)).map((i) => i.id), ['rem_c'], 'send_at <= now');
  assertEquals(JSON.parse(await s.dueOutbox('m', t + 100, 10)).length, 4, 'inclusive');
  assertEquals(await s.outboxOwner('m', 'rem_a'), 'ca');
  assertEquals(await s.outboxOwner('m', 'rem_c'), 'cb');
  assertEquals(await s.outboxOwner('m', 'rem_z'), null, 'another merchant\'s item');
  assertEquals(await s.dueWakes(t + 50), [{ wake: t + 50, merchant: 'm', customer: 'ca' }]);
  assertEquals(await s.dueWakes(t + 49), []);
  assertEquals(await s.dueWakes(t + 50, { accept: (d) => d.customer !== 'ca' }), [], 'passed over');

  // rem_a acked, rem_b moved and changed, rem_new added, wake cleared
  const v = (await s.loadCustomer('m', 'ca')).version;
  const next = [item('rem_b', t - 5, { topic: 'changed' }), item('rem_future', t + 100), item('rem_new', t - 1)];
  assert(await s.saveCustomer('m', 'ca', v, write('{}', { outbox: outboxJson(next) })), 'update');
  assertEquals(JSON.parse(await s.dueOutbox('m', t, 100)).map((i) => [i.id, i.topic ?? null]),
    [['rem_c', null], ['rem_b', 'changed'], ['rem_new', null]]);
  assertEquals(await s.outboxOwner('m', 'rem_a'), null, 'acked item gone');
  assertEquals(await s.dueWakes(t + 1000), [], 'wake cleared');
  for (let i = 0; i < 5; i++) assert(await s.saveCustomer('w', `c${i}`, null, write('{}', { nextWake: t + i })), `wake ${i}`);
  assertEquals((await s.dueWakes(t + 10, { limit: 2 })).map((d) => d.customer), ['c0', 'c1'], 'soonest first, limited');
  assertEquals((await s.dueWakes(t + 10, { limit: 2, accept: (d) => d.customer !== 'c0' })).map((d) => d.customer), ['c1', 'c2'], 'skipped ones do not count');
  const outboxKeys = (await allKeys(kv)).filter((k) => k[0] === 'outbox' && k[1] === 'm');
  assertEquals(outboxKeys.length, 4, 'no stale index entries');
}));

Deno.test('200 outbox items replaced by 200 others fit in one commit', () => withStore(async (s) => {
  const t = 1_800_000_000;
  const first = Array.from({ length: 200 }, (_, i) => item(`rem_old_${i}`, t + i));
  const second = Array.from({ length: 200 }, (_, i) => item(`rem_new_${i}`, t - i));
  assert(await s.saveCustomer('m', 'c', null, write('{}', { outbox: outboxJson(first) })), 'first');
  const v = (await s.loadCustomer('m', 'c')).version;
  assert(await s.saveCustomer('m', 'c', v, write('x'.repeat(300_000), { outbox: outboxJson(second) })), 'second');
  const due = JSON.parse(await s.dueOutbox('m', t + 1000, 1000));
  assertEquals(due.length, 200);
  assert(due.every((i) => i.id.startsWith('rem_new_')), 'only the new ones');
}));

Deno.test('idempotency records: written with the state, chunked when large, expire', () => withStore(async (s, kv) => {
  const now = Math.floor(Date.now() / 1000);
  const big = JSON.stringify({ status: 200, body: `б${noise(100_000)}` }); // two chunks even gzipped
  assert(await s.saveCustomer('m', 'c', null, write('{}', { idempotency: { key: 'k1', record: big, expiresAt: now + 86400, scope: 'shopper', keep: 1000 } })), 'write');
  assertEquals((await s.loadIdempotency('m', 'c', 'k1', Math.floor(Date.now() / 1000))) === big, true, 'read back');
  assertEquals(await s.loadIdempotency('m', 'c', 'k2', Math.floor(Date.now() / 1000)), null);
  assertEquals(await s.loadIdempotency('m', 'other', 'k1', Math.floor(Date.now() / 1000)), null, 'scoped to the customer');
  const v = (await s.loadCustomer('m', 'c')).version;
  assert(await s.saveCustomer('m', 'c', v, write('{}', { idempotency: { key: 'old', record: 'r', expiresAt: now - 1, scope: 'shopper', keep: 1000 } })), 'expired record');
  assertEquals(await s.loadIdempotency('m', 'c', 'old', Math.floor(Date.now() / 1000)), null, 'an expired record is not returned');
  assertEquals(await s.loadIdempotency('m', 'c', 'k1', Math.floor(Date.now() / 1000)) === big, true, 'earlier records stay');
  // a conflicting write leaves no record behind
  assert(!(await s.saveCustomer('m', 'c', v, write('{}', { idempotency: { key: 'k3', record: 'r3', expiresAt: now + 60, scope: 'shopper', keep: 1000 } }))), 'conflict');
  assertEquals(await s.loadIdempotency('m', 'c', 'k3', Math.floor(Date.now() / 1000)), null);
  assert((await allKeys(kv)).some((k) => k[3] === 'idem'), 'records are under the customer');
}));

Deno.test('delete erases everything of the customer; a new customer never reuses a version', () => withStore(async (s, kv) => {
  const t = 1_800_000_000;
  const now = Math.floor(Date.now() / 1000);
  assert(await s.saveCustomer('m', 'keep', null, write('{"k":1}', { outbox: outboxJson([item('rem_k', t)]), nextWake: t })), 'keep');
  const keysOfOthers = await allKeys(kv);
  let version = null;
  for (let i = 0; i < 5; i++) {
    assert(await s.saveCustomer('m', 'c', version, write('y'.repeat(200_000), {
      outbox: outboxJson([item(`rem_${i}`, t + i)]),
      nextWake: t + i,
      idempotency: { key: `key-${i}`, record: 'z'.repeat(100_000), expiresAt: now + 3600, scope: 'shopper', keep: 1000 },
    })), `write ${i}`);
    version = (await s.loadCustomer('m', 'c')).version;
  }
  await s.eraseCustomer('m', 'c', null);
  assertEquals(await s.loadCustomer('m', 'c'), null);
  assertEquals(await s.loadIdempotency('m', 'c', 'key-1', Math.floor(Date.now() / 1000)), null);
  assertEquals(await s.outboxOwner('m', 'rem_4'), null);
  assertEquals(await allKeys(kv), keysOfOthers, 'only the other customer\'s keys are left');
  assert(!(await s.saveCustomer('m', 'c', version, write('{}'))), 'the old version does not write the erased customer');
  assert(await s.saveCustomer('m', 'c', null, write('{"fresh":true}')), 'a new customer');
  assert((await s.loadCustomer('m', 'c')).version !== version, 'with a new version');
  await s.eraseCustomer('m', 'never-seen');
}));

Deno.test('delete of a customer with more idempotency records than one commit holds', () => withStore(async (s, kv) => {
  // limits scaled down (100 mutations a commit) so the test stays quick
  const now = Math.floor(Date.now() / 1000);
  let version = null;
  for (let i = 0; i < 180; i++) {
    assert(await s.saveCustomer('m', 'busy', version, write(`{"i":${i}}`, { idempotency: { key: `k${i}`, record: 'r', expiresAt: now + 3600, scope: 'shopper', keep: 1000 } })), `write ${i}`);
    version = (await s.loadCustomer('m', 'busy')).version;
  }
  await s.eraseCustomer('m', 'busy', null);
  assertEquals(await allKeys(kv), []);
}, { limits: { ...LIMITS, mutations: 100 } }));

Deno.test('programs: compare-and-swap and large documents', () => withStore(async (s) => {
  assertEquals(await s.loadProgram('m'), null);
  assert(await s.saveProgram('m', null, 1, '{"p":1}'), 'create');
  const p = await s.loadProgram('m');
  assertEquals(p.program, '{"p":1}');
  assert(!(await s.saveProgram('m', null, 2, '{"p":2}')), 'conflict');
  const big = JSON.stringify({ rewards: 'r'.repeat(150_000) });
  assert(await s.saveProgram('m', p.version, 3, big), 'big');
  assertEquals((await s.loadProgram('m')).program === big, true);
  assertEquals(await s.loadProgram('other'), null);
}));


Deno.test('lookup keys: a write names only what changes; a head from before lists its keys and they move', () => withStore(async (s, kv) => {
  const held = (key) => ({ key, held: true });
  const letGo = (key) => ({ key, held: false });
  assert(await s.saveCustomer('m', 'a', null, write('{}', { lookups: [held('C1'), held('order:1')] })), 'first');
  const v = (await s.loadCustomer('m', 'a')).version;
  assert(await s.saveCustomer('m', 'a', v, write('{}', { lookups: [letGo('C1'), held('C2')] })), 'second');
  assertEquals([await s.ownerOf('m', 'C1'), await s.ownerOf('m', 'C2'), await s.ownerOf('m', 'order:1')], [null, 'a', 'a']);
  // A head written before "lookup" keys: its codes listed in the head.
  const head = ['cust', 'm', 'b', 'head'];
  assert(await s.saveCustomer('m', 'b', null, write('{}')), 'b');
  const old = (await kv.get(head)).value;
  await kv.set(head, { ...old, codes: ['OLD1', 'OLD2'] });
  await kv.set(['code', 'm', 'OLD1', 'b'], 1);
  await kv.set(['code', 'm', 'OLD2', 'b'], 1);
  const vb = (await s.loadCustomer('m', 'b')).version;
  assert(await s.saveCustomer('m', 'b', vb, write('{}', { lookups: [letGo('OLD2')] })), 'b moves');
  assertEquals([await s.ownerOf('m', 'OLD1'), await s.ownerOf('m', 'OLD2')], ['b', null]);
  assert(!('codes' in (await kv.get(head)).value), 'the head no longer lists them');
  await s.eraseCustomer('m', 'b', null);
  assertEquals(await s.ownerOf('m', 'OLD1'), null, 'an erasure finds the moved keys');
  assertEquals(await s.ownerOf('m', 'C2'), 'a', 'and leaves another customer\'s');
}));

Deno.test('erasing a customer with more lookup keys than one commit holds drops every index entry', () => withStore(async (s, kv) => {
  const keys = Array.from({ length: 1_300 }, (_, i) => `order:${i}`);
  let version = null;
  for (let i = 0; i < keys.length; i += 200) {
    const lookups = keys.slice(i, i + 200).map((key) => ({ key, held: true }));
    assert(await s.saveCustomer('m', 'big', version, write('{}', { lookups })), `batch ${i}`);
    version = (await s.loadCustomer('m', 'big')).version;
  }
  assertEquals(await s.ownerOf('m', 'order:1299'), 'big');
  await s.eraseCustomer('m', 'big', null);
  assertEquals((await allKeys(kv)).filter((k) => k[0] === 'code' || k[0] === 'cust'), [], 'nothing of the customer is left');
}));
