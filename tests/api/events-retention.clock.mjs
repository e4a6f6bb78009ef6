// The feed keeps every event at least 30 days (SPEC 3.6): moved past that
// by the server's test clock, an event leaves the feed, its id answers 404
// and a cursor pointing at it is refused with 400 invalid_cursor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';
import { DEFAULT_PREFERENCES, clone } from './lib/program.mjs';
import { sleep } from './lib/time.mjs';
import { advance } from './lib/clock.mjs';

const b = new Api(B);
const DAY = 86_400;

async function change(id, sms) {
  const p = clone(DEFAULT_PREFERENCES);
  p.expiry_reminder_days = [];
  p.channels.sms.enabled = sms;
  const res = await b.putCustomerPreferences(id, p);
  assert.equal(res.status, 200, res.text);
}

/** The event of `customer` in B's feed, and a cursor that points at it. */
async function findWithCursor(customer) {
  let after = null;
  for (;;) {
    const query = `limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const res = await b.events(query);
    assert.equal(res.status, 200, res.text);
    const i = res.body.items.findIndex((e) => e.customer_id === customer);
    if (i >= 0) {
      const upTo = await b.events(`limit=${i + 1}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      return { event: res.body.items[i], cursor: upTo.body.next_cursor };
    }
    assert.ok(res.body.items.length > 0, `no event of ${customer} in the feed`);
    after = res.body.next_cursor;
  }
}

test('an event is kept 30 days; then it leaves the feed and a cursor at it is refused', async () => {
  const id = customerId('retention');
  await change(id, true);
  const { event, cursor } = await findWithCursor(id);
  await advance(29 * DAY);
  await sleep(1_500);
  assert.equal((await b.eventById(event.id)).status, 200, 'kept after 29 days');
  assert.equal((await b.events(`after=${encodeURIComponent(cursor)}`)).status, 200, 'its cursor still pages');
  await advance(2 * DAY);
  const until = Date.now() + 15_000;
  while ((await b.eventById(event.id)).status !== 404) {
    assert.ok(Date.now() < until, 'gone within 15 s of passing 30 days');
    await sleep(250);
  }
  assertProblem(await b.events(`after=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor', 'a cursor at an event no longer kept');
  await change(id, false);
  const fresh = await findWithCursor(id);
  assert.equal(fresh.event.type, 'preferences.updated', 'events made now are listed');
});

noServerErrorsTest();
