// What run.mjs hands the test files.
function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`browser suite environment: ${name} is not set (run the suite through tests/browser/run.mjs)`);
  return v;
}

export const API_BASE = need('RW_API_BASE');
export const SHOP = need('RW_SHOP_ORIGIN');
/** The same shop at http://shop.test:PORT (loopback): no secure context. */
export const INSECURE_SHOP = need('RW_INSECURE_SHOP_ORIGIN');
/** {id, api_key, token_secret} of the merchant `demo`. */
export const MERCHANT = JSON.parse(need('RW_MERCHANT'));
export const WS_ENDPOINT = need('RW_WS_ENDPOINT');
export const SCREENSHOTS = need('RW_SCREENSHOTS');
export const REPO = need('RW_REPO');

/** The browser's time zone in every test (dates are shown in it). */
export const TIME_ZONE = 'Europe/Moscow';
