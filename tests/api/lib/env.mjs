// Where the suite runs: everything comes from the environment, so the same
// files run against the native server, workerd or Deno.
//
//   API_BASE_URL   e.g. http://127.0.0.1:8787 (no trailing slash needed)
//   API_MERCHANTS  JSON [{"id","api_key","token_secret","origin"}, {...}]
//                  (two merchants, A and B; `origin` is one of the
//                  merchant's allowed_origins)

function fail(message) {
  throw new Error(`API suite environment: ${message}`);
}

const rawBase = process.env.API_BASE_URL;
if (!rawBase) fail('API_BASE_URL is not set (e.g. http://127.0.0.1:8787).');
export const BASE_URL = rawBase.replace(/\/+$/, '');

let merchants;
try {
  merchants = JSON.parse(process.env.API_MERCHANTS ?? '');
} catch {
  fail('API_MERCHANTS must be JSON: [{"id","api_key","token_secret","origin"}, {...}].');
}
if (!Array.isArray(merchants) || merchants.length < 2) {
  fail('API_MERCHANTS must list two merchants (A and B).');
}
for (const [i, m] of merchants.entries()) {
  for (const field of ['id', 'api_key', 'token_secret', 'origin']) {
    if (typeof m?.[field] !== 'string' || m[field] === '') {
      fail(`API_MERCHANTS[${i}].${field} must be a non-empty string.`);
    }
  }
}
if (merchants[0].id === merchants[1].id) fail('merchants A and B must have different ids.');
if (merchants[0].origin === merchants[1].origin) {
  fail('merchants A and B must have different origins (the CORS tests tell them apart).');
}

export const MERCHANTS = merchants;
/** Merchant A: the suite puts its own program (lib/program.mjs) here. */
export const A = merchants[0];
/** Merchant B: keeps the default program; used for tenancy and default-program checks. */
export const B = merchants[1];
/**
 * Merchant C: has a webhook to the suite's receiver (API_RECEIVER_URL,
 * lib/receiver.mjs) and its `webhook_secret`; null when the runner
 * configured none.
 */
export const C = merchants.find((m) => m.webhook_url) ?? null;
/** Merchant D: a Shopify shop with its `shopify_webhook_secret`; null when not configured. */
export const D = merchants.find((m) => m.shopify_webhook_secret) ?? null;
export const RECEIVER_URL = (process.env.API_RECEIVER_URL ?? '').replace(/\/+$/, '') || null;
