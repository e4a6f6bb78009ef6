// /healthz, unknown paths (404 not_found) and wrong methods (405
// method_not_allowed), SPEC 3.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A } from './lib/env.mjs';
import { request, noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';

const a = new Api(A);

test('GET /healthz answers 200 {"status":"ok"}', async () => {
  const res = await request('GET', '/healthz');
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/i);
  assert.deepEqual(res.body, { status: 'ok' });
});

test('no answer under /v1 may be stored by a cache: Cache-Control: no-store', async () => {
  const c = customerId();
  for (const [what, res] of [
    ['GET /v1/me', await a.me(c)],
    ['GET /v1/admin/program', await a.program()],
    ['a 401', await a.me(c, { token: null })],
    ['a 404', await request('GET', '/v1/no-such-thing')],
    ['a preflight', await request('OPTIONS', '/v1/me', { headers: { Origin: A.origin, 'Access-Control-Request-Method': 'GET' } })],
  ]) {
    assert.equal(res.headers['cache-control'], 'no-store', what);
  }
});

test('an unknown path under /v1 answers 404 not_found', async () => {
  assertProblem(await request('GET', '/v1/no-such-thing'), 404, 'not_found');
  assertProblem(await a.shopper(customerId(), 'GET', '/v1/me/no-such-thing'), 404, 'not_found', 'shopper path');
  assertProblem(await a.admin('GET', '/v1/admin/no-such-thing'), 404, 'not_found', 'admin path');
  assertProblem(await a.admin('GET', `/v1/admin/customers/${customerId()}/no-such-thing`), 404, 'not_found', 'admin customer sub-path');
});

test('a wrong method on a known path answers 405 method_not_allowed', async () => {
  const c = customerId();
  assertProblem(await a.shopper(c, 'DELETE', '/v1/me'), 405, 'method_not_allowed', 'DELETE /v1/me');
  assertProblem(await a.shopper(c, 'POST', '/v1/me/activity', { json: {}, key: 'k-405' }), 405, 'method_not_allowed', 'POST /v1/me/activity');
  assertProblem(await a.shopper(c, 'GET', '/v1/me/redemptions'), 405, 'method_not_allowed', 'GET /v1/me/redemptions');
  assertProblem(await a.admin('PATCH', '/v1/admin/program', { json: {} }), 405, 'method_not_allowed', 'PATCH /v1/admin/program');
  assertProblem(await a.admin('DELETE', '/v1/admin/outbox'), 405, 'method_not_allowed', 'DELETE /v1/admin/outbox');
  assertProblem(await a.admin('GET', `/v1/admin/customers/${c}/events`), 405, 'method_not_allowed', 'GET .../events');
  assertProblem(await a.admin('GET', '/v1/admin/outbox/some-id/ack'), 405, 'method_not_allowed', 'GET .../ack');
  assertProblem(await request('POST', '/healthz', { json: {} }), 405, 'method_not_allowed', 'POST /healthz');
});

noServerErrorsTest();
