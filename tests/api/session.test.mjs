// POST /v1/session (SPEC 3.7): the theme's signature of
// `{merchant}:{customer}:{ts}` traded for a one-hour shopper token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest, request } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';
import { customerSignature } from './lib/shopify.mjs';

const a = new Api(A);
const now = () => Math.floor(Date.now() / 1000);

function session(body, headers = {}) {
  return request('POST', '/v1/session', { json: body, headers });
}

function signed(customer, ts = now(), merchant = A, secret = merchant.token_secret) {
  return { merchant: merchant.id, customer, ts, signature: customerSignature(merchant, customer, ts, secret) };
}

test('a valid signature → a one-hour token that reads /v1/me', async () => {
  const c = customerId('session');
  const res = await session(signed(c));
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ['expires_at', 'token']);
  const expires = Date.parse(res.body.expires_at) / 1000;
  assert.ok(Math.abs(expires - (now() + 3600)) <= 5, `expires in an hour: ${res.body.expires_at}`);
  const claims = JSON.parse(Buffer.from(res.body.token.split('.')[1], 'base64url').toString());
  assert.equal(claims.iss, A.id);
  assert.equal(claims.sub, c);
  assert.equal(claims.exp - claims.iat, 3600);
  const me = await a.me(c, { token: res.body.token });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.customer_id, c);
  // a signature a few hours old (the page stayed open) still trades
  assert.equal((await session(signed(c, now() - 5 * 3600))).status, 200);
  // uppercase hex is the same signature
  const upper = signed(c);
  upper.signature = upper.signature.toUpperCase();
  assert.equal((await session(upper)).status, 200);
});

test('too old or from the future → 401 token_expired', async () => {
  const c = customerId('session');
  assertProblem(await session(signed(c, now() - 24 * 3600 - 120)), 401, 'token_expired', 'older than 24 h');
  assertProblem(await session(signed(c, now() + 10 * 60)), 401, 'token_expired', 'more than 5 minutes ahead');
  assert.equal((await session(signed(c, now() + 60))).status, 200, 'a minute ahead is clock skew');
});

test('a wrong signature, another shop\'s secret, an unknown shop or a bad customer id → 401 invalid_token', async () => {
  const c = customerId('session');
  const tampered = signed(c);
  tampered.customer = customerId('someone-else');
  assertProblem(await session(tampered), 401, 'invalid_token', 'signed for another customer');
  assertProblem(await session(signed(c, now(), A, B.token_secret)), 401, 'invalid_token', 'another merchant\'s secret');
  assertProblem(await session({ ...signed(c), merchant: 'no-such-shop' }), 401, 'invalid_token', 'unknown merchant');
  const bad = 'bad id!';
  assertProblem(await session(signed(bad)), 401, 'invalid_token', 'a customer id outside the alphabet');
  assertProblem(await session({ ...signed(c), signature: 'zz' }), 401, 'invalid_token', 'not hex');
  // the signature is checked before the age: an old wrong one is invalid, not expired
  const oldWrong = signed(c, now() - 30 * 3600);
  oldWrong.signature = signed(c).signature;
  assertProblem(await session(oldWrong), 401, 'invalid_token', 'old and wrong');
});

test('malformed bodies are refused with the API\'s usual errors', async () => {
  assertProblem(await request('POST', '/v1/session', { body: '{', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_json', 'not JSON');
  assertProblem(await session({ ...signed('c-1'), extra: 1 }), 400, 'unknown_field', 'unknown field');
  assertProblem(await session({ ...signed('c-1'), ts: String(now()) }), 422, 'validation_failed', 'ts as a string');
  const { signature, ...missing } = signed('c-1');
  assert.ok(signature);
  assertProblem(await session(missing), 422, 'validation_failed', 'no signature');
  assert.equal((await request('GET', '/v1/session')).status, 405);
});

test('CORS as for /v1/me: the shop\'s origin may read the answer, another may not', async () => {
  const c = customerId('session');
  const ok = await session(signed(c), { Origin: A.origin });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], A.origin);
  const other = await session(signed(c), { Origin: 'https://evil.example' });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  const pre = await request('OPTIONS', '/v1/session', {
    headers: { Origin: A.origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], A.origin);
  assert.match(pre.headers['access-control-allow-methods'] ?? '', /POST/);
});

noServerErrorsTest();
