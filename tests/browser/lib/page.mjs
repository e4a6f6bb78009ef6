// Shop pages in Chromium, with everything that must never happen on them
// recorded: console errors, uncaught page errors and CSP violations. Each
// test opens its pages through `withShopPage`, which fails the test if any
// occurred (unless the test names the console errors it expects, e.g. the
// 401 of an expired token).
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { API_BASE, SHOP, WS_ENDPOINT, SCREENSHOTS, REPO, TIME_ZONE } from './env.mjs';

let browserPromise = null;
/** The suite's one Chromium (launched by run.mjs), connected once per test file. */
export function browser() {
  browserPromise ??= chromium.connect(WS_ENDPOINT, { timeout: 30_000 });
  return browserPromise;
}

export async function closeBrowser() {
  if (browserPromise) {
    const b = await browserPromise.catch(() => null);
    browserPromise = null;
    await b?.close().catch(() => {});
  }
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * A `<retention-widget>` tag. `sub` sets the token-url to the shop's token
 * endpoint for that customer (unless `tokenUrl` is given or null); other
 * keys are attributes (`token`, `locale`, `sections`, `theme`, `id`).
 */
export function widgetTag({ sub, tokenUrl, api = API_BASE, ...attrs }) {
  const all = { api };
  if (tokenUrl !== null) {
    const url = tokenUrl ?? (sub ? `/token?sub=${encodeURIComponent(sub)}` : undefined);
    if (url) all['token-url'] = url;
  }
  Object.assign(all, attrs);
  return `<retention-widget ${Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${esc(v)}"`).join(' ')}></retention-widget>`;
}

/** A shop page embedding `widgets` as a merchant would: loader from the API origin, no inline script or style. */
export function shopPageHtml({ widgets, lang = 'en', title = 'Browser suite shop', stylesheets = [] }) {
  return `<!doctype html>
<html lang="${esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/__test/page.css">
${stylesheets.map((href) => `<link rel="stylesheet" href="${esc(href)}">\n`).join('')}<script type="module" src="${API_BASE}/widget/loader.js"></script>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
${widgets.map((w, i) => `<div class="slot" data-slot="${i}">\n${widgetTag(w)}\n</div>`).join('\n')}
</main>
</body>
</html>
`;
}

/** Registers `html` with the shop; answers its URL. */
export async function registerPage(html, { csp = true } = {}) {
  const res = await fetch(`${SHOP}/__pages`, { method: 'POST', body: JSON.stringify({ html, csp }) });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  return `${SHOP}${JSON.parse(body).path}`;
}

// Runs in every page before its own scripts (through CDP, so the page's
// CSP does not apply): records the widget's DOM events as seen on the
// document, and reports CSP violations to the test.
const RECORDER = `(() => {
  window.__rwEvents = [];
  for (const type of ['retention:redeemed', 'retention:subscription-changed', 'retention:preferences-changed', 'retention:error']) {
    document.addEventListener(type, (e) => {
      let detail;
      try { detail = JSON.parse(JSON.stringify(e.detail)); } catch (err) { detail = String(e.detail); }
      window.__rwEvents.push({
        type, detail,
        detailIsPlainObject: Object.prototype.toString.call(e.detail) === '[object Object]',
        bubbles: e.bubbles, composed: e.composed,
        target: e.target && e.target.localName,
        widget: Array.prototype.indexOf.call(document.querySelectorAll('retention-widget'), e.target),
      });
    });
  }
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__rwCsp && window.__rwCsp({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample });
  }, true);
})();`;

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9а-яё]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80);

/**
 * Opens a shop page in a fresh browser context and runs `fn` with it.
 *
 * options:
 *   widgets       [{sub, locale, sections, theme, token, tokenUrl, id}]: a page of the test's own
 *   html          or the page's whole HTML
 *   path          or a path on the shop (e.g. `/?sub=ID` for www/index.html)
 *   lang          <html lang> of a generated page (default en)
 *   stylesheets   [href]: the shop's own stylesheets on a generated page
 *   csp           serve the generated page with the strict CSP (default true)
 *   colorScheme   the browser's prefers-color-scheme (default light)
 *   allowConsole  [RegExp]: console errors this test expects (matched against "text @ url")
 *   ready         wait until every widget's root is data-state=ready (default true)
 *   hold          an API path (e.g. /v1/me): its requests wait until the test calls release()
 *   setup         async (page) => …, run before the page is opened (e.g. page.route)
 *   origin        open a generated page at this shop origin instead (e.g. INSECURE_SHOP)
 *
 * `fn` gets {page, widget(i), section(name, i), events(type), reload(), release(), url, allowed}.
 * After `fn`, the test fails if the page logged an unexpected console
 * error, threw, or violated its CSP.
 */
export async function withShopPage(t, options, fn) {
  const { widgets, html, path, lang, stylesheets, hold, setup, origin, csp = true, colorScheme = 'light', allowConsole = [], ready = true } = options;
  const b = await browser();
  const context = await b.newContext({
    locale: 'en-US', timezoneId: TIME_ZONE, colorScheme, viewport: { width: 1100, height: 900 },
  });
  // a locator waiting for something that never comes fails within 10 s
  context.setDefaultTimeout(10_000);
  const problems = [];
  const allowed = [];
  try {
    await context.exposeBinding('__rwCsp', (_source, v) => {
      problems.push(`CSP violation: ${v.directive} blocked ${v.blocked || '(inline)'} at ${v.source}:${v.line}${v.sample ? ` sample ${JSON.stringify(v.sample)}` : ''}`);
    });
    await context.addInitScript(RECORDER);
    const page = await context.newPage();
    let release = () => {};
    if (hold) {
      const gate = new Promise((open) => { release = open; });
      await page.route((u) => u.origin === API_BASE && u.pathname === hold, async (route) => { await gate; await route.continue(); });
    }
    if (setup) await setup(page);
    page.on('console', (msg) => {
      const text = msg.text();
      const loc = msg.location();
      const line = `${text} @ ${loc.url ?? ''}${loc.lineNumber ? `:${loc.lineNumber}` : ''}`;
      const isCsp = /Content Security Policy|Refused to (load|execute|apply|connect|frame|compile|evaluate)/i.test(text);
      if (isCsp) problems.push(`CSP (console ${msg.type()}): ${line}`);
      else if (msg.type() === 'error') {
        if (allowConsole.some((re) => re.test(line))) allowed.push(line);
        else problems.push(`console error: ${line}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
    page.on('crash', () => problems.push('the page crashed'));

    let url;
    if (path) url = `${SHOP}${path}`;
    else url = await registerPage(html ?? shopPageHtml({ widgets, lang, stylesheets }), { csp });
    if (origin) url = url.replace(SHOP, origin);

    const h = {
      page,
      url,
      widget: (i = 0) => page.locator('retention-widget').nth(i),
      section: (name, i = 0) => page.locator('retention-widget').nth(i).locator(`section[data-section="${name}"]`),
      events: (type) => page.evaluate((ty) => window.__rwEvents.filter((e) => !ty || e.type === ty), type),
      reload: async () => { await page.reload(); if (ready) await waitAllReady(page); },
      release: () => release(),
      problems,
      allowed,
    };
    await page.goto(url);
    try {
      if (ready) await waitAllReady(page);
      await fn(h);
    } catch (e) {
      // keep what the shopper saw, for the report
      try {
        const dir = join(SCREENSHOTS, 'failures');
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `${slug(t?.name ?? 'test')}.png`), fullPage: true });
      } catch { /* the page may be gone */ }
      if (problems.length) e.message += `\n  and the page reported:\n    - ${problems.join('\n    - ')}`;
      throw e;
    }
    assert.deepEqual(problems, [], 'the page logged errors or CSP violations');
  } finally {
    await context.close().catch(() => {});
  }
}

/** Waits until every widget on the page has data-state=ready; explains what it saw if not. */
export async function waitAllReady(page, timeout = 20_000) {
  await page.locator('retention-widget').first().waitFor({ state: 'attached', timeout });
  const n = await page.locator('retention-widget').count();
  for (let i = 0; i < n; i++) await waitReady(page.locator('retention-widget').nth(i), timeout);
}

export async function waitReady(widget, timeout = 20_000) {
  try {
    await widget.locator('div.rw[data-state="ready"]').waitFor({ state: 'attached', timeout });
  } catch {
    const state = await widget.evaluate((el) => {
      const root = el.shadowRoot;
      if (!root) return 'no open shadow root on <retention-widget>';
      const rw = root.querySelector('div.rw');
      if (!rw) return `no div.rw in the shadow root; it holds: ${root.innerHTML.slice(0, 300)}`;
      const alert = rw.querySelector('[role=alert]');
      return `data-state=${rw.getAttribute('data-state')}${alert ? `, alert: ${alert.textContent.trim()}` : ''}`;
    }).catch((e) => `cannot read it: ${e.message}`);
    throw new Error(`the widget did not become ready within ${timeout / 1000} s (${state})`);
  }
}

/** Retries `fn` (an async assertion) until it passes or `timeout` ms pass; rethrows its last error. */
export async function eventually(fn, { timeout = 10_000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Text with every kind of space (NBSP, narrow NBSP, newlines) as one plain space. */
export const norm = (s) => String(s ?? '').replace(/[\s\u00a0\u202f\u2009]+/g, ' ').trim();

/** A number as the widget's locale writes it, spaces normalised. */
export const num = (n, locale = 'en') => norm(new Intl.NumberFormat(locale).format(n));

export const text = async (locator) => norm(await locator.textContent());

/** Whether the element is the focused one (inside its shadow root too). */
export const isFocused = (locator) => locator.evaluate((el) => el.matches(':focus'));

/**
 * Presses Tab (only) until `locator` has focus (none if it has it
 * already); answers how many presses it took. Fails after `max` presses.
 */
export async function tabTo(page, locator, max = 200) {
  await locator.waitFor({ state: 'visible' });
  if (await isFocused(locator)) return 0; // the widget moved focus there itself
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await isFocused(locator).catch(() => false)) return i;
  }
  const where = await page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.localName}${el.className ? `.${el.className}` : ''} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"` : 'nothing';
  });
  throw new Error(`${max} presses of Tab never focused ${locator}; focus is on ${where}`);
}

let axeSource = null;
/**
 * axe-core on the element(s) inside the widget's shadow root matched by
 * `selector` (in widget `index`); answers the serious and critical
 * violations. axe is evaluated through the DevTools protocol, which the
 * page's CSP does not govern.
 */
export async function axeViolations(page, selector, index = 0) {
  axeSource ??= readFileSync(join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const result = await page.evaluate(async ({ selector, index }) => {
    const hosts = document.querySelectorAll('retention-widget');
    hosts.forEach((h, i) => { if (i === index) h.setAttribute('data-axe-target', ''); else h.removeAttribute('data-axe-target'); });
    const r = await window.axe.run(
      { include: [{ fromShadowDom: ['retention-widget[data-axe-target]', selector] }] },
      { resultTypes: ['violations'] },
    );
    return {
      // rules that found something to check inside the section: none means axe never reached it
      checked: r.passes.length + r.violations.length,
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\s+/g, ' ').slice(0, 200)}`),
      })),
    };
  }, { selector, index });
  if (result.checked === 0) throw new Error(`axe checked nothing inside ${selector} (is it in the widget's open shadow root?)`);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export { API_BASE, SHOP, SCREENSHOTS };

/** Whether the focused element shows a focus indicator (an outline or a box shadow). */
export const focusRing = (locator) => locator.evaluate((el) => {
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  return { visible: outline || cs.boxShadow !== 'none', outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, boxShadow: cs.boxShadow };
});
