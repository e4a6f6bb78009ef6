// CORS (SPEC 3.1): /v1/me* only; preflights for any merchant's allowed
// origin; actual requests get the exact origin and Vary: Origin when the
// token's merchant (for a 401: iss, else any merchant) allows it;
// /v1/admin* never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { request, noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';
import { mintToken, expiredToken } from './lib/jwt.mjs';

const a = new Api(A);
const b = new Api(B);
const STRANGER = 'https://evil.example';

const list = (v) => String(v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const corsHeaders = (res) => Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));

function assertAllowed(res, origin, note = '') {
  assert.equal(res.headers['access-control-allow-origin'], origin, `exact Access-Control-Allow-Origin ${note}`);
  assert.ok(list(res.headers.vary).includes('origin'), `Vary: Origin ${note} (got ${res.headers.vary})`);
}

function assertNoCors(res, note = '') {
  assert.deepEqual(corsHeaders(res), [], `no CORS headers ${note}`);
}

function preflight(path, origin, method = 'GET', headers = 'authorization') {
  return request('OPTIONS', path, {
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
  });
}

test('a preflight from an allowed origin on /v1/me* is answered', async () => {
  for (const [path, method, hdrs] of [
    ['/v1/me', 'GET', 'authorization'],
    ['/v1/me/activity', 'GET', 'authorization'],
    ['/v1/me/redemptions', 'POST', 'authorization, content-type, idempotency-key'],
    ['/v1/me/preferences', 'PUT', 'authorization, content-type, if-match'],
    ['/v1/me/subscriptions/sub-1/actions', 'POST', 'authorization, content-type, idempotency-key'],
  ]) {
    const res = await preflight(path, A.origin, method, hdrs);
    assert.ok(res.status === 200 || res.status === 204, `preflight ${path}: ${res.status}`);
    assert.equal(res.headers['access-control-allow-origin'], A.origin, path);
    const allowHeaders = list(res.headers['access-control-allow-headers']);
    for (const h of hdrs.split(',').map((s) => s.trim())) assert.ok(allowHeaders.includes(h), `${path}: Allow-Headers has ${h} (${allowHeaders})`);
    assert.ok(list(res.headers['access-control-allow-methods']).includes(method.toLowerCase()), `${path}: Allow-Methods has ${method}`);
  }
});

test('a preflight lists every allowed request header', async () => {
  const res = await preflight('/v1/me/preferences', B.origin, 'PUT', 'authorization, content-type, idempotency-key, if-match');
  assert.ok(res.status === 200 || res.status === 204, String(res.status));
  assert.equal(res.headers['access-control-allow-origin'], B.origin, 'any merchant\'s origin is answered');
  const allow = list(res.headers['access-control-allow-headers']);
  for (const h of ['authorization', 'content-type', 'idempotency-key', 'if-match']) assert.ok(allow.includes(h), `${h} in ${allow}`);
});

test('a preflight from another origin gets no CORS headers', async () => {
  const res = await preflight('/v1/me', STRANGER);
  assert.ok(res.status < 500);
  assertNoCors(res, 'for a stranger');
});

test('/v1/admin* never sends CORS headers, not even for an allowed origin', async () => {
  assertNoCors(await preflight('/v1/admin/program', A.origin), 'admin preflight');
  assertNoCors(await a.program({ origin: A.origin }), 'admin GET');
  const res401 = await a.program({ origin: A.origin, apiKey: null });
  assertProblem(res401, 401, 'invalid_api_key');
  assertNoCors(res401, 'admin 401');
  assertNoCors(await a.customer(customerId(), { origin: A.origin }), 'admin customer');
});

test('an actual request from the token merchant\'s origin gets the exact origin, Vary and exposed headers', async () => {
  const c = customerId('cors');
  const res = await a.me(c, { origin: A.origin });
  assert.equal(res.status, 200, res.text);
  assertAllowed(res, A.origin);
  const exposed = list(res.headers['access-control-expose-headers']);
  for (const h of ['etag', 'idempotent-replayed', 'retry-after']) assert.ok(exposed.includes(h), `${h} exposed (${exposed})`);
  assertAllowed(await a.preferences(c, { origin: A.origin }), A.origin, 'preferences');
  assertAllowed(await a.activity(c, '', { origin: A.origin }), A.origin, 'activity');
});

test('errors on /v1/me* carry CORS headers too, so the widget can read them', async () => {
  const c = customerId('cors');
  const res = await a.redeem(c, 'no-such-reward', { origin: A.origin });
  assertProblem(res, 404, 'reward_not_found');
  assertAllowed(res, A.origin, 'on a 404');
});

test('a 401 gets CORS headers for the origin of the merchant named by iss', async () => {
  const c = customerId('cors');
  const expired = await a.me(c, { token: expiredToken(A, c), origin: A.origin });
  assertProblem(expired, 401, 'token_expired');
  assertAllowed(expired, A.origin, 'expired token of A');
  const badSig = await a.me(c, { token: mintToken(A, c, { secret: 'x'.repeat(40) }), origin: A.origin });
  assertProblem(badSig, 401, 'invalid_token');
  assertAllowed(badSig, A.origin, 'bad signature, iss A');
  const otherMerchant = await a.me(c, { token: mintToken(A, c, { secret: 'x'.repeat(40) }), origin: B.origin });
  assertProblem(otherMerchant, 401, 'invalid_token');
  assertNoCors(otherMerchant, 'iss A, origin of B');
});

test('a 401 without a usable iss gets CORS headers for any merchant\'s origin', async () => {
  const c = customerId('cors');
  for (const origin of [A.origin, B.origin]) {
    const res = await a.me(c, { token: null, origin });
    assertProblem(res, 401, 'invalid_token');
    assertAllowed(res, origin, `no token, ${origin}`);
  }
  const garbage = await a.me(c, { token: 'garbage', origin: B.origin });
  assertProblem(garbage, 401, 'invalid_token');
  assertAllowed(garbage, B.origin, 'garbage token');
  const stranger = await a.me(c, { token: null, origin: STRANGER });
  assertProblem(stranger, 401, 'invalid_token');
  assertNoCors(stranger, 'stranger on a 401');
});

test('an origin of another merchant, or a stranger, gets no CORS headers on an actual request', async () => {
  const c = customerId('cors');
  const res = await a.me(c, { origin: B.origin });
  assert.equal(res.status, 200);
  assertNoCors(res, 'token of A, origin of B');
  const res2 = await b.me(c, { origin: A.origin });
  assert.equal(res2.status, 200);
  assertNoCors(res2, 'token of B, origin of A');
  assertAllowed(await b.me(c, { origin: B.origin }), B.origin, 'token of B, origin of B');
  assertNoCors(await a.me(c, { origin: STRANGER }), 'stranger');
  assertNoCors(await a.me(c, { origin: `${A.origin}.evil.example` }), 'suffix attack');
  assertNoCors(await a.me(c, { origin: 'null' }), 'the null origin');
});

noServerErrorsTest();
