// Program documents: the SPEC's defaults (3.5) and the suite's program for
// merchant A. Every test file that uses A puts the same suite program first
// (idempotent: concurrent files put the same document).
import assert from 'node:assert/strict';
import { SUITE_PROGRAM } from './program-data.mjs';
import { A } from './env.mjs';
import { request } from './http.mjs';

export { DEFAULT_PREFERENCES, DEFAULT_PROGRAM, SUITE_PROGRAM, clone } from './program-data.mjs';

const putOnce = new Map();
/**
 * Puts SUITE_PROGRAM for `merchant` (A unless a merchant is given: as a
 * `before` hook it gets the test context; once per process).
 */
export function ensureSuiteProgram(given) {
  const merchant = given?.api_key ? given : A;
  if (!putOnce.has(merchant.id)) {
    putOnce.set(merchant.id, (async () => {
      const res = await request('PUT', '/v1/admin/program', {
        headers: { Authorization: `Bearer ${merchant.api_key}` },
        json: SUITE_PROGRAM,
      });
      assert.ok(res.status === 200 || res.status === 204,
        `PUT /v1/admin/program (suite program for merchant ${merchant.id}) → ${res.status} ${res.text.slice(0, 300)}`);
    })());
  }
  return putOnce.get(merchant.id);
}
