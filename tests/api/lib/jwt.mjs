// Shopper tokens (SPEC 3.2): HS256 JWTs signed with the merchant's
// token_secret, plus the broken variants the auth tests need.
import { createHmac } from 'node:crypto';

export function b64url(input) {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(typeof input === 'string' ? input : JSON.stringify(input));
  return buf.toString('base64url');
}

/** Signs header.payload with HMAC (`hash` sha256 for HS256, sha512 for HS512). */
export function signJwt(header, payload, secret, hash = 'sha256') {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  const sig = createHmac(hash, secret).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A valid shopper token for `merchant` and customer `sub`.
 * options: iat, exp (seconds), ttl (seconds, default 3600), iss, secret,
 * extra (more claims), header (replaces the header).
 */
export function mintToken(merchant, sub, options = {}) {
  const iat = options.iat ?? nowSeconds();
  const exp = options.exp ?? iat + (options.ttl ?? 3600);
  const payload = { iss: options.iss ?? merchant.id, sub, iat, exp, ...(options.extra ?? {}) };
  const header = options.header ?? { alg: 'HS256', typ: 'JWT' };
  return signJwt(header, payload, options.secret ?? merchant.token_secret);
}

/** Expired two minutes ago (beyond the 60 s skew), one hour lifetime. */
export function expiredToken(merchant, sub) {
  const exp = nowSeconds() - 120;
  return mintToken(merchant, sub, { iat: exp - 3600, exp });
}

/** A valid token whose payload is then changed (sub swapped) without re-signing. */
export function tamperedToken(merchant, sub, otherSub) {
  const [h, , s] = mintToken(merchant, sub).split('.');
  const now = nowSeconds();
  const payload = { iss: merchant.id, sub: otherSub, iat: now, exp: now + 3600 };
  return `${h}.${b64url(payload)}.${s}`;
}

/** Same claims, `alg: none`, empty signature. */
export function algNoneToken(merchant, sub) {
  const now = nowSeconds();
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: merchant.id, sub, iat: now, exp: now + 3600 })}.`;
}

/** Correctly signed, but with HS512 (another algorithm than HS256). */
export function hs512Token(merchant, sub) {
  const now = nowSeconds();
  return signJwt({ alg: 'HS512', typ: 'JWT' }, { iss: merchant.id, sub, iat: now, exp: now + 3600 }, merchant.token_secret, 'sha512');
}

/** Names a merchant that does not exist (signed with `merchant`'s secret). */
export function unknownMerchantToken(merchant, sub) {
  return mintToken(merchant, sub, { iss: `no-such-merchant-${nowSeconds()}` });
}

/** Correct signature, `sub` breaking the rule (1–128 of A-Za-z0-9._:@-). */
export function badSubToken(merchant, sub = 'has space') {
  return mintToken(merchant, sub);
}
