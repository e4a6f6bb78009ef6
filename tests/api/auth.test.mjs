// Authentication (SPEC 3.2): shopper JWTs on /v1/me*, api keys on /v1/admin*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { assertProblem } from './lib/problem.mjs';
import { customerId } from './lib/ids.mjs';
import {
  mintToken, expiredToken, tamperedToken, algNoneToken, hs512Token,
  unknownMerchantToken, badSubToken, signJwt, nowSeconds,
} from './lib/jwt.mjs';

const a = new Api(A);
const b = new Api(B);

test('a valid HS256 token reads /v1/me as its sub', async () => {
  const c = customerId('auth');
  const res = await a.me(c);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.customer_id, c);
});

test('a sub of exactly 128 allowed characters is accepted', async () => {
  const sub = `A-z0.9_:@-${customerId('x')}`.padEnd(128, 'z');
  assert.equal(sub.length, 128);
  const res = await a.me(sub);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.customer_id, sub);
});

test('a token expired 30 s ago is still accepted (60 s clock skew)', async () => {
  const exp = nowSeconds() - 30;
  const res = await a.me(customerId(), { token: mintToken(A, customerId(), { iat: exp - 600, exp }) });
  assert.equal(res.status, 200, res.text);
});

test('a missing or malformed Authorization header → 401 invalid_token', async () => {
  assertProblem(await a.me(customerId(), { token: null }), 401, 'invalid_token', 'no header');
  assertProblem(await a.me(customerId(), { token: 'not-a-jwt' }), 401, 'invalid_token', 'garbage');
  assertProblem(await a.me(customerId(), { token: 'a.b.c' }), 401, 'invalid_token', 'three garbage parts');
  const c = customerId();
  assertProblem(await a.me(c, { token: null, headers: { Authorization: `Basic ${Buffer.from('x:y').toString('base64')}` } }), 401, 'invalid_token', 'Basic scheme');
  assertProblem(await a.me(c, { token: null, headers: { Authorization: `Token ${a.token(c)}` } }), 401, 'invalid_token', 'other scheme');
});

test('alg "none" → 401 invalid_token', async () => {
  const c = customerId();
  assertProblem(await a.me(c, { token: algNoneToken(A, c) }), 401, 'invalid_token');
  // also with a (meaningless) signature attached
  const withSig = `${algNoneToken(A, c)}${a.token(c).split('.')[2]}`;
  assertProblem(await a.me(c, { token: withSig }), 401, 'invalid_token', 'alg none with a signature');
});

test('another algorithm (HS512, correctly signed) → 401 invalid_token', async () => {
  const c = customerId();
  assertProblem(await a.me(c, { token: hs512Token(A, c) }), 401, 'invalid_token');
});

test('a tampered payload (sub changed after signing) → 401 invalid_token', async () => {
  const c = customerId();
  assertProblem(await a.me(c, { token: tamperedToken(A, c, customerId('victim')) }), 401, 'invalid_token');
});

test('a token signed with another merchant\'s secret → 401 invalid_token', async () => {
  const c = customerId();
  assertProblem(await a.me(c, { token: mintToken(A, c, { secret: B.token_secret }) }), 401, 'invalid_token', 'iss A, secret B');
  assertProblem(await a.me(c, { token: mintToken(A, c, { secret: `${A.token_secret}x` }) }), 401, 'invalid_token', 'wrong secret');
});

test('an unknown merchant (iss) → 401 invalid_token', async () => {
  const c = customerId();
  assertProblem(await a.me(c, { token: unknownMerchantToken(A, c) }), 401, 'invalid_token');
  assertProblem(await a.me(c, { token: signJwt({ alg: 'HS256', typ: 'JWT' }, { sub: c, iat: nowSeconds(), exp: nowSeconds() + 600 }, A.token_secret) }), 401, 'invalid_token', 'no iss');
});

test('a bad sub → 401 invalid_token', async () => {
  for (const sub of ['has space', '', 'x'.repeat(129), 'slash/inside', 'ünïcode', 'semi;colon']) {
    assertProblem(await a.me('unused', { token: badSubToken(A, sub) }), 401, 'invalid_token', `sub ${JSON.stringify(sub).slice(0, 40)}`);
  }
  const now = nowSeconds();
  assertProblem(await a.me('unused', { token: signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: A.id, iat: now, exp: now + 600 }, A.token_secret) }), 401, 'invalid_token', 'no sub');
  assertProblem(await a.me('unused', { token: signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: A.id, sub: 42, iat: now, exp: now + 600 }, A.token_secret) }), 401, 'invalid_token', 'numeric sub');
});

test('an expired token → 401 token_expired', async () => {
  const c = customerId();
  assertProblem(await a.me(c, { token: expiredToken(A, c) }), 401, 'token_expired');
  const exp = nowSeconds() - 3600;
  assertProblem(await a.me(c, { token: mintToken(A, c, { iat: exp - 60, exp }) }), 401, 'token_expired', 'expired an hour ago');
});

test('a token without exp, or living longer than 24 h, → 401', async () => {
  const c = customerId();
  const now = nowSeconds();
  const noExp = signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: A.id, sub: c, iat: now }, A.token_secret);
  const res1 = await a.me(c, { token: noExp });
  assertProblem(res1, 401, res1.body?.code === 'token_expired' ? 'token_expired' : 'invalid_token', 'no exp');
  const tooLong = mintToken(A, c, { iat: now, exp: now + 24 * 3600 + 120 });
  const res2 = await a.me(c, { token: tooLong });
  assertProblem(res2, 401, res2.body?.code === 'token_expired' ? 'token_expired' : 'invalid_token', 'lifetime 24 h + 2 min');
  // exactly 24 h is allowed
  const res3 = await a.me(c, { token: mintToken(A, c, { iat: now, exp: now + 24 * 3600 }) });
  assert.equal(res3.status, 200, `lifetime exactly 24 h: ${res3.text}`);
});

test('the customer is taken from the token only', async () => {
  const c = customerId('me');
  const other = customerId('other');
  const res = await a.shopper(c, 'GET', `/v1/me?customer_id=${other}&sub=${other}`, { headers: { 'X-Customer-Id': other } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.customer_id, c);
});

test('/v1/admin without a key, or with a wrong one → 401 invalid_api_key', async () => {
  assertProblem(await a.admin('GET', '/v1/admin/program', { apiKey: null }), 401, 'invalid_api_key', 'no key');
  assertProblem(await a.admin('GET', '/v1/admin/program', { apiKey: `${A.api_key}x` }), 401, 'invalid_api_key', 'wrong key');
  assertProblem(await a.admin('GET', '/v1/admin/program', { apiKey: A.api_key.slice(0, -1) }), 401, 'invalid_api_key', 'prefix of the key');
  assertProblem(await a.admin('GET', '/v1/admin/program', { apiKey: A.token_secret }), 401, 'invalid_api_key', 'token_secret as key');
  assertProblem(await a.admin('GET', '/v1/admin/program', { apiKey: a.token(customerId()) }), 401, 'invalid_api_key', 'shopper token as key');
  assertProblem(await a.admin('GET', '/v1/admin/program', { apiKey: null, headers: { Authorization: A.api_key } }), 401, 'invalid_api_key', 'key without Bearer');
  assertProblem(await a.admin('GET', `/v1/admin/customers/${customerId()}`, { apiKey: null }), 401, 'invalid_api_key', 'customer path');
  assertProblem(await a.admin('GET', '/v1/admin/outbox', { apiKey: null }), 401, 'invalid_api_key', 'outbox');
});

test('the api key is no shopper token', async () => {
  assertProblem(await a.me(customerId(), { token: A.api_key }), 401, 'invalid_token');
});

test('each merchant\'s key works for itself', async () => {
  assert.equal((await a.program()).status, 200);
  assert.equal((await b.program()).status, 200);
  assert.equal((await b.me(customerId())).status, 200);
});

test('a customer id in an admin path must follow the sub rule (422)', async () => {
  assertProblem(await a.admin('GET', `/v1/admin/customers/${'x'.repeat(129)}`), 422, 'validation_failed', '129 characters');
  assertProblem(await a.admin('GET', '/v1/admin/customers/bad%20id'), 422, 'validation_failed', 'space');
  assertProblem(await a.admin('GET', '/v1/admin/customers/semi%3Bcolon'), 422, 'validation_failed', 'semicolon');
  assert.equal((await a.admin('GET', `/v1/admin/customers/${'y'.repeat(128)}`)).status, 200, '128 characters are fine');
});

noServerErrorsTest();
