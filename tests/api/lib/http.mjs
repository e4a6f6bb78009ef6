// A small HTTP client on node:http/https: full control over headers, body
// bytes, Content-Type (or its absence), chunked bodies and connection reuse.
// Every response is recorded so the suite can fail on any 5xx.
import http from 'node:http';
import https from 'node:https';
import { appendFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL } from './env.mjs';

const base = new URL(BASE_URL);
const transport = base.protocol === 'https:' ? https : http;

/** A shared keep-alive agent for ordinary requests. */
export const defaultAgent = new transport.Agent({ keepAlive: true, maxSockets: 16 });

/** A keep-alive agent limited to `maxSockets` connections. */
export function makeAgent(maxSockets) {
  return new transport.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

/** Every response seen by this process: {method, path, status}. */
export const seen = [];

function record(method, path, status, headers = {}, body = null) {
  const problem = /^application\/problem\+json\b/i.test(String(headers['content-type'] ?? ''))
    && body && typeof body.code === 'string' && body.status === status;
  seen.push({ method, path, status, problem });
  if (process.env.API_STATUS_LOG) {
    try {
      appendFileSync(process.env.API_STATUS_LOG, `${status} ${method} ${path}\n`);
    } catch {
      // the log is a convenience of the harness; never fail a test on it
    }
  }
}

/**
 * Sends one request.
 *   method, path            path includes the query string
 *   headers                 plain object; nothing is added but Host and
 *                           Content-Length (unless `chunked`)
 *   json                    a value to send as JSON with Content-Type
 *                           application/json (unless headers set one)
 *   body                    raw string or Buffer, sent as is
 *   chunked                 send the body with Transfer-Encoding: chunked
 *   agent                   a node:http Agent (default: a shared keep-alive one)
 * Resolves to {status, headers, text, body, json, localPort}; `body` is the
 * parsed JSON when the answer is JSON, else null.
 */
export function request(method, path, options = {}) {
  const { json, agent = defaultAgent, chunked = false, timeoutMs = 30_000 } = options;
  const headers = { ...(options.headers ?? {}) };
  let payload = options.body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
  }
  if (typeof payload === 'string') payload = Buffer.from(payload, 'utf8');
  if (payload !== undefined && !chunked) headers['Content-Length'] = String(payload.length);

  const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = transport.request(
      url,
      { method, headers, agent, timeout: timeoutMs },
      (res) => {
        const localPort = res.socket?.localPort;
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', (e) => {
          if (!settled) { settled = true; reject(e); }
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const text = Buffer.concat(chunks).toString('utf8');
          let body = null;
          const type = String(res.headers['content-type'] ?? '');
          if (/json/i.test(type) && text.length > 0) {
            try { body = JSON.parse(text); } catch { body = null; }
          }
          record(method, path, res.statusCode, res.headers, body);
          resolve({
            status: res.statusCode,
            headers: res.headers,
            text,
            body,
            localPort,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      // A server may answer (e.g. 413) and close before the whole body is
      // written; the answer wins then. Otherwise the request failed.
      if (!settled && !req.res) { settled = true; reject(e); }
    });
    if (payload !== undefined) {
      if (chunked) {
        // a few chunks, so the body really is chunked
        const step = 16 * 1024;
        for (let i = 0; i < payload.length; i += step) req.write(payload.subarray(i, i + step));
      } else {
        req.write(payload);
      }
    }
    req.end();
  });
}

/**
 * Registers the file's last test: no request of this file got a 5xx.
 * Call at the end of every test file.
 */
export function noServerErrorsTest() {
  test('no request in this file was answered with a 5xx; every error was problem+json with a code', () => {
    assert.ok(seen.length > 0, 'the file made no request at all');
    const bad = seen.filter((r) => r.status >= 500);
    assert.deepEqual(
      bad.map((r) => `${r.status} ${r.method} ${r.path}`),
      [],
      `${bad.length} of ${seen.length} requests got a 5xx`,
    );
    const plain = seen.filter((r) => r.status >= 400 && r.method !== 'HEAD' && !r.problem);
    assert.deepEqual(
      plain.map((r) => `${r.status} ${r.method} ${r.path}`),
      [],
      'error answers that are not application/problem+json {type, title, status, detail, code}',
    );
  });
}
