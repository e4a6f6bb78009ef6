// The "shop": a tiny HTTP server on another origin than the API, playing
// the merchant's storefront and backend.
//
//   GET  /?sub=ID, /index.html?sub=ID   www/index.html, with the API origin
//                                       rewritten to the test server's and the
//                                       widget's token-url to /token?sub=ID
//   GET  /token?sub=ID[&ttl=S][&as=text] a fresh HS256 shopper token (the
//                                       merchant backend's job), JSON
//                                       {"token"} or the bare JWT as text
//   POST /__pages {html, csp}            registers a test's own page (csp: true,
//                                        'trusted-types' or false); answers
//                                       {"path": "/p/N"}
//   GET  /p/N                           that page
//   GET  /__token-requests?sub=ID        {"count"}: token requests for ID so far
//   GET  /__test/*                      tests/browser/fixtures/*
//   GET  anything else                  www/* (css, images, fonts)
//
// Every HTML page is sent with a strict Content-Security-Policy (no
// 'unsafe-inline', scripts only from the API origin, wasm allowed) unless
// the test registered it with `csp: false`.
import http from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, normalize, extname, sep } from 'node:path';
import { signJwt } from '../../api/lib/jwt.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

/** The shop page's policy: only the API origin may run scripts and be fetched. */
export function shopCsp(apiBase) {
  // connect-src also names 'self': the widget's token-url is same-origin by
  // contract (UI.md), so the merchant's page must allow fetching it.
  return [
    "default-src 'none'",
    `script-src ${apiBase} 'wasm-unsafe-eval'`,
    `connect-src ${apiBase} 'self'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
  ].join('; ');
}

export function mintShopperToken(merchant, sub, ttlSeconds = 3600, iatSeconds = Math.floor(Date.now() / 1000)) {
  return signJwt({ alg: 'HS256', typ: 'JWT' }, { iss: merchant.id, sub, iat: iatSeconds, exp: iatSeconds + ttlSeconds }, merchant.token_secret);
}

/**
 * Starts the shop on 127.0.0.1 (addressed as http://localhost:PORT, so its
 * origin differs from the API's http://127.0.0.1:PORT2 by host and port).
 * `merchant` is {id, token_secret}; call `setApiBase` once the API runs.
 */
export async function startShop({ wwwDir, fixturesDir, merchant }) {
  let apiBase = null;
  const pages = new Map();
  const tokenRequests = new Map();
  let nextPage = 1;

  const send = (res, status, type, body, extra = {}) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  };
  // csp: true (the strict policy), 'trusted-types' (it, enforcing Trusted
  // Types with the widget's own policy name only) or false (none)
  const policyOf = (csp) => (csp === 'trusted-types'
    ? `${shopCsp(apiBase)}; require-trusted-types-for 'script'; trusted-types retention-widget`
    : shopCsp(apiBase));
  const sendHtml = (res, html, csp = true) => send(res, 200, TYPES['.html'], html, csp ? { 'Content-Security-Policy': policyOf(csp) } : {});

  const fileUnder = (root, rel) => {
    const path = normalize(join(root, rel));
    if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
    if (!existsSync(path) || !statSync(path).isFile()) return null;
    return path;
  };

  const indexPage = (sub) => {
    const path = join(wwwDir, 'index.html');
    if (!existsSync(path)) return null;
    const tokenUrl = `/token?sub=${encodeURIComponent(sub)}`;
    return readFileSync(path, 'utf8')
      .replaceAll('http://127.0.0.1:8787', apiBase)
      .replace(/token-url="[^"]*"/g, `token-url="${tokenUrl}"`);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://shop.invalid');
    const q = url.searchParams;
    try {
      if (req.method === 'POST' && url.pathname === '/__pages') {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          try {
            const { html, csp = true } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (typeof html !== 'string') throw new Error('html must be a string');
            const id = nextPage++;
            pages.set(id, { html, csp });
            send(res, 200, 'application/json', JSON.stringify({ path: `/p/${id}` }));
          } catch (e) {
            send(res, 400, 'text/plain', String(e.message));
          }
        });
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');

      if (url.pathname === '/' || url.pathname === '/index.html') {
        const html = indexPage(q.get('sub') ?? 'demo-shopper');
        return html === null ? send(res, 404, 'text/plain', 'www/index.html is missing') : sendHtml(res, html);
      }
      if (url.pathname === '/token' || url.pathname === '/demo-token.json') {
        const sub = q.get('sub') ?? 'demo-shopper';
        tokenRequests.set(sub, (tokenRequests.get(sub) ?? 0) + 1);
        const token = mintShopperToken(merchant, sub, Number(q.get('ttl') ?? 3600));
        return q.get('as') === 'text'
          ? send(res, 200, 'text/plain; charset=utf-8', token)
          : send(res, 200, 'application/json', JSON.stringify({ token }));
      }
      if (url.pathname === '/__token-requests') {
        return send(res, 200, 'application/json', JSON.stringify({ count: tokenRequests.get(q.get('sub')) ?? 0 }));
      }
      const page = url.pathname.match(/^\/p\/(\d+)$/);
      if (page) {
        const p = pages.get(Number(page[1]));
        return p ? sendHtml(res, p.html, p.csp) : send(res, 404, 'text/plain', 'no such page');
      }
      if (url.pathname === '/favicon.ico' || url.pathname === '/favicon.svg') {
        // browsers ask for one; a 404 would be a console error on every page
        return send(res, 200, TYPES['.svg'], '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#6b4f3a"/></svg>');
      }
      if (url.pathname.startsWith('/__test/')) {
        const path = fileUnder(fixturesDir, decodeURIComponent(url.pathname.slice('/__test/'.length)));
        if (path) return send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', readFileSync(path));
        return send(res, 404, 'text/plain', 'not found');
      }
      const path = fileUnder(wwwDir, decodeURIComponent(url.pathname.slice(1)));
      if (path && extname(path) !== '.html') {
        return send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', readFileSync(path));
      }
      return send(res, 404, 'text/plain', 'not found');
    } catch (e) {
      return send(res, 500, 'text/plain', String(e.stack ?? e));
    }
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const port = server.address().port;
  return {
    origin: `http://localhost:${port}`,
    setApiBase(base) { apiBase = base; },
    close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
  };
}
