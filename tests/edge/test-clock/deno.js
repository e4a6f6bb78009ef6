// Test entry of the Deno build (run-deno.mjs runs it instead of
// deno/main.js): the same server, plus the suite's test clock, which a
// deployment never has.
//
//   GET  /__test/clock                 → {"now": unix seconds}
//   POST /__test/clock?advance=SECONDS → moves Date.now() forward
//
// KV queue delays run in real time, so here a delay is at most one second:
// a delivery round that finds nothing due yet (in clock time) asks again.
const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;

const MAX_DELAY_MS = 1_000;
const clamp = (options) => (options?.delay > MAX_DELAY_MS ? { ...options, delay: MAX_DELAY_MS } : options);
const kvEnqueue = Deno.Kv.prototype.enqueue;
Deno.Kv.prototype.enqueue = function enqueue(value, options) {
  return kvEnqueue.call(this, value, clamp(options));
};
const atomicEnqueue = Deno.AtomicOperation.prototype.enqueue;
Deno.AtomicOperation.prototype.enqueue = function enqueue(value, options) {
  return atomicEnqueue.call(this, value, clamp(options));
};

const serve = Deno.serve;
Deno.serve = (options, handler) => serve(options, (request, info) => {
  const url = new URL(request.url);
  if (url.pathname !== '/__test/clock') return handler(request, info);
  if (request.method === 'POST') {
    const advance = Number(url.searchParams.get('advance'));
    if (!Number.isInteger(advance) || advance < 0) return new Response('advance=SECONDS (0 or more)', { status: 400 });
    offset += advance * 1000;
  }
  return Response.json({ now: Math.floor(Date.now() / 1000) });
});

await import('./main.js');
