// A webhook receiver on loopback for the suite (SPEC 3.6). The runner
// starts it before the server and configures merchant C's webhook_url to
// `${url}/hooks`; test files, in other processes, script its answers and
// read what it received over HTTP:
//
//   POST /hooks                      a delivery: recorded, answered by script
//   PUT  /control/{customer}         {"answers": [200 | 500 | 410 | "hang", ...]}
//                                    answers for that customer's next
//                                    deliveries, in order (then 200)
//   GET  /control/{customer}         [{id, timestamp, signature, body, at}, ...]
//                                    every delivery of that customer's events
//
// "hang" holds the request for HANG_MS without answering. Deliveries are
// told apart by the envelope's customer_id, so tests running at once each
// use their own customers. The receiver keeps a set of the event ids it
// answered 2xx (`delivered`), as a receiver that deduplicates would.
import http from 'node:http';

const HANG_MS = 20_000;

export function startReceiver() {
  const scripts = new Map(); // customer → answers left
  const log = new Map(); // customer → deliveries
  const delivered = new Set();
  const hanging = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const json = (status, value) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && path === '/hooks') {
        let customer = '';
        try { customer = JSON.parse(body).customer_id ?? ''; } catch { /* recorded as is */ }
        const entry = {
          id: req.headers['webhook-id'] ?? null,
          timestamp: req.headers['webhook-timestamp'] ?? null,
          signature: req.headers['webhook-signature'] ?? null,
          contentType: req.headers['content-type'] ?? null,
          body,
          at: Date.now(),
        };
        if (!log.has(customer)) log.set(customer, []);
        log.get(customer).push(entry);
        const answer = scripts.get(customer)?.shift() ?? 200;
        if (answer === 'hang') {
          hanging.add(res);
          const t = setTimeout(() => { hanging.delete(res); res.destroy(); }, HANG_MS);
          res.on('close', () => { clearTimeout(t); hanging.delete(res); });
          return;
        }
        if (answer >= 200 && answer < 300) delivered.add(entry.id);
        return json(answer, { ok: answer < 300 });
      }
      const control = path.match(/^\/control\/(.+)$/);
      if (control && req.method === 'PUT') {
        try {
          scripts.set(control[1], [...JSON.parse(body).answers]);
          return json(200, { ok: true });
        } catch (e) {
          return json(400, { error: String(e) });
        }
      }
      if (control && req.method === 'GET') {
        const entries = (log.get(control[1]) ?? []).map((e) => ({ ...e, delivered: delivered.has(e.id) }));
        return json(200, entries);
      }
      json(404, { error: 'no such path' });
    });
  });
  // Senders keep connections alive between attempts that the test clock
  // spaces far apart: keep them open for a minute, as real receivers do.
  server.keepAliveTimeout = 60_000;
  return new Promise((ready) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      ready({
        url,
        /** Sets the answers to `customer`'s next deliveries (same as PUT /control/{customer}). */
        script: (customer, answers) => scripts.set(customer, [...answers]),
        /** Every delivery of `customer`'s events so far (same as GET /control/{customer}). */
        deliveries: (customer) => (log.get(customer) ?? []).map((e) => ({ ...e, delivered: delivered.has(e.id) })),
        close: () => new Promise((done) => {
          for (const res of hanging) res.destroy();
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}
