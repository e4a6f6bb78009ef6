// The widget's start in headless Chromium (scripts/bench.mjs) beside a
// bare Leptos counter built the same way (crates/bench/leptos-counter):
// both pages are served by the bench's native server, each run in a fresh
// browser context (empty cache) with the CPU slowed 4× (a mid-range
// phone), and measured from the request of the page's first script to
// its first render (the widget: its balance, with data from the API; the
// counter: its button), and in main-thread script time (Chrome's
// ScriptDuration). Readiness is polled once per animation frame.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The pages, written into the server's static folder `dir`. */
export function startupPages(apiOrigin, token) {
  return {
    'widget.html': `<!doctype html><meta charset="utf-8"><title>widget</title>
<script type="module" src="/widget/loader.js"></script>
<retention-widget api="${apiOrigin}" token="${token}" sections="loyalty"></retention-widget>
`,
    'counter.html': `<!doctype html><meta charset="utf-8"><title>counter</title>
<script type="module" src="/counter/start.js"></script>
`,
    'counter/start.js': `import init from './counter.js';\ninit();\n`,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median start of each page over `runs` runs: {name, firstRenderMs, scriptMs}. */
export async function startupRows(url, runs = 5) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const pages = [
    ['bare Leptos counter', '/counter.html', '/counter/start.js',
      () => document.getElementById('count') !== null],
    ['the widget (loyalty section)', '/widget.html', '/widget/loader.js',
      () => document.querySelector('retention-widget')?.shadowRoot?.querySelector('.rw-balance[data-balance]') != null],
  ];
  const out = [];
  try {
    for (const [name, path, firstScript, ready] of pages) {
      const renders = [];
      const scripts = [];
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
          await cdp.send('Performance.enable');
          await page.goto(`${url}${path}`);
          await page.waitForFunction(ready, null, { polling: 'raf', timeout: 60_000 });
          const { start, now } = await page.evaluate((script) => {
            const entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === script);
            return { start: entry ? entry.startTime : NaN, now: performance.now() };
          }, firstScript);
          const { metrics } = await cdp.send('Performance.getMetrics');
          renders.push(now - start);
          scripts.push(1000 * (metrics.find((m) => m.name === 'ScriptDuration')?.value ?? NaN));
        } finally {
          await context.close();
        }
      }
      out.push({ name, firstRenderMs: median(renders), scriptMs: median(scripts) });
    }
  } finally {
    await browser.close();
  }
  return out;
}
