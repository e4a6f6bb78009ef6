// Concurrency (SPEC 3.1): concurrent writers never lose an update;
// idempotent replays under load; in-flight duplicates.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './lib/env.mjs';
import { request, makeAgent, noServerErrorsTest } from './lib/http.mjs';
import { Api, orderPaid, pointsAdjusted, ledgerSum } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId, uid, newKey } from './lib/ids.mjs';
import { ensureSuiteProgram, DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { zoneWithLocalHour } from './lib/time.mjs';

const a = new Api(A);

before(ensureSuiteProgram);

const N = 200;
const CONNECTIONS = 20;

test(`${N} concurrent order_paid events for one customer over ${CONNECTIONS} connections sum exactly; replays change nothing`, async () => {
  const c = customerId('load');
  const path = `/v1/admin/customers/${encodeURIComponent(c)}/events`;
  const events = Array.from({ length: N }, (_, i) => ({
    key: newKey(),
    // i + 1 points each (1 point per 100 kopecks, Member tier)
    body: orderPaid(uid(`o${i}`), (i + 1) * 100 + (i % 100)),
  }));
  const expected = (N * (N + 1)) / 2;

  const agent = makeAgent(CONNECTIONS);
  const ports = new Set();
  let closed = 0;
  const send = (e) => request('POST', path, {
    agent,
    json: e.body,
    headers: { Authorization: `Bearer ${A.api_key}`, 'Idempotency-Key': e.key },
    timeoutMs: 60_000,
  }).then((res) => {
    ports.add(res.localPort);
    if (String(res.headers.connection).toLowerCase() === 'close') closed += 1;
    return res;
  });
  try {
    const first = await Promise.all(events.map(send));
    const statuses = first.map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200], `every event answered 200 (${statuses.filter((s) => s !== 200).slice(0, 5)})`);
    assert.ok(first.every((r) => r.headers['idempotent-replayed'] !== 'true'), 'no first answer is a replay');
    if (closed === 0) assert.equal(ports.size, CONNECTIONS, `the load ran over exactly ${CONNECTIONS} kept-alive connections`);

    const me = await a.meOk(c);
    assert.equal(me.loyalty.pending + me.loyalty.balance, expected, 'exactly the summed points');
    assert.equal(me.loyalty.lifetime_earned, expected);
    const doc = await a.customerOk(c);
    assert.equal(doc.ledger.filter((e) => e.kind === 'earn').length, N, 'one earn entry per order');
    assert.equal(ledgerSum(doc.ledger), expected);

    // the same 200 replayed with their keys: all replays, nothing changes
    const replays = await Promise.all(events.map(send));
    replays.forEach((r, i) => {
      assert.equal(r.status, 200, `replay ${i}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(r.headers['idempotent-replayed'], 'true', `replay ${i} has Idempotent-Replayed: true`);
      assert.deepEqual(r.body, first[i].body, `replay ${i} returns the stored answer`);
    });
    const after = await a.meOk(c);
    assert.equal(after.loyalty.pending + after.loyalty.balance, expected, 'replays changed nothing');
    assert.equal((await a.customerOk(c)).ledger.length, doc.ledger.length);

    // a reused key with another body
    assertProblem(await a.event(c, orderPaid(uid('other'), 999), { key: events[0].key }), 422, 'idempotency_key_reused');
  } finally {
    agent.destroy();
  }
});

test('one key sent 10 times at once is applied once', async () => {
  const c = customerId('dupkey');
  const key = newKey();
  const ev = orderPaid(uid('o'), 7_000);
  const results = await Promise.all(Array.from({ length: 10 }, () => a.event(c, ev, { key })));
  const originals = results.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] !== 'true');
  const replays = results.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === 'true');
  const waiting = results.filter((r) => r.status === 409);
  for (const r of waiting) assertProblem(r, 409, 'idempotency_in_progress');
  assert.equal(originals.length, 1, `exactly one original answer (${results.map((r) => r.status)})`);
  assert.equal(originals.length + replays.length + waiting.length, 10);
  for (const r of replays) assert.deepEqual(r.body, originals[0].body);
  assert.equal((await a.meOk(c)).loyalty.pending, 70);
});

test('concurrent redemptions never overspend', async () => {
  const c = customerId('spend');
  await a.eventOk(c, pointsAdjusted(500));
  const results = await Promise.all(Array.from({ length: 10 }, () => a.redeem(c, 'r-fixed')));
  const ok = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status !== 201);
  assert.equal(ok.length, 5, `5 of 10 redemptions of 100 from 500 (${results.map((r) => r.status)})`);
  for (const r of refused) assertProblem(r, 409, 'insufficient_points');
  assert.equal(new Set(ok.map((r) => r.body.code)).size, 5);
  assert.deepEqual(ok.map((r) => r.body.balance).sort((x, y) => x - y), [0, 100, 200, 300, 400]);
  assert.equal((await a.meOk(c)).loyalty.balance, 0);
});

test('concurrent events of different kinds on one customer all count', async () => {
  const c = customerId('mixed');
  const jobs = [];
  for (let i = 0; i < 20; i++) jobs.push(a.event(c, pointsAdjusted(10)));
  for (let i = 0; i < 20; i++) jobs.push(a.event(c, orderPaid(uid('o'), 1_000)));
  const results = await Promise.all(jobs);
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  const me = await a.meOk(c);
  assert.equal(me.loyalty.balance, 200);
  assert.equal(me.loyalty.pending, 200);
});

test('concurrent PUTs with the same If-Match: exactly one wins, the others get 412', async () => {
  const c = customerId('etag');
  const etag = (await a.preferences(c)).headers.etag;
  assert.ok(etag);
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => {
    const p = clone(DEFAULT_PREFERENCES);
    p.max_per_week = i + 1;
    return a.putPreferences(c, p, { ifMatch: etag });
  }));
  const won = results.filter((r) => r.status === 200);
  assert.equal(won.length, 1, `one winner (${results.map((r) => r.status)})`);
  for (const r of results.filter((x) => x.status !== 200)) assertProblem(r, 412, 'precondition_failed');
  const winner = results.indexOf(won[0]) + 1;
  assert.equal((await a.preferences(c)).body.max_per_week, winner);
});

test('concurrent marketing messages respect the weekly cap exactly', async () => {
  const c = customerId('capload');
  const p = clone(DEFAULT_PREFERENCES);
  p.time_zone = zoneWithLocalHour(12).zone; // noon: no quiet time interferes
  p.max_per_week = 3;
  assert.equal((await a.putPreferences(c, p)).status, 200);
  const results = await Promise.all(Array.from({ length: 10 }, () => a.message(c, { topic: 'promotions' })));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  const decisions = results.map((r) => r.body.decision).sort();
  assert.deepEqual(decisions.filter((d) => d === 'send').length, 3, JSON.stringify(results.map((r) => r.body)));
  assert.ok(results.filter((r) => r.body.decision === 'suppress').every((r) => r.body.reason === 'weekly_cap'));
});

noServerErrorsTest();
