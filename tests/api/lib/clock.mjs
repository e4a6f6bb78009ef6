// The server's test clock (test builds only; SPEC 3.6 retry schedules are
// driven, not slept through): GET /__test/clock → {"now": unix seconds},
// POST /__test/clock?advance=SECONDS moves it forward. Files that move it
// are named *.clock.mjs and run alone, after every other file.
import assert from 'node:assert/strict';
import { request } from './http.mjs';

/** The server's now, unix seconds. */
export async function serverNow() {
  const res = await request('GET', '/__test/clock');
  assert.equal(res.status, 200, `GET /__test/clock → ${res.status}: this runner must serve a test build`);
  return res.body.now;
}

/** Moves the server's clock `seconds` forward; returns the new now. */
export async function advance(seconds) {
  const res = await request('POST', `/__test/clock?advance=${Math.ceil(seconds)}`);
  assert.equal(res.status, 200, `POST /__test/clock → ${res.status} ${res.text}`);
  return res.body.now;
}
