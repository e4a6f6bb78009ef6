// SPEC 3.1: every error is application/problem+json {type, title, status,
// detail, code}; 422 validation_failed adds errors: [{field, message}].
import assert from 'node:assert/strict';

function show(res) {
  return `${res.status} ${res.headers?.['content-type'] ?? '(no content-type)'} ${String(res.text ?? '').slice(0, 400)}`;
}

/** Asserts `res` is the problem `status`/`code` and returns its body. */
export function assertProblem(res, status, code, note = '') {
  const where = note ? ` (${note})` : '';
  assert.equal(res.status, status, `expected ${status} ${code}${where}, got ${show(res)}`);
  const type = String(res.headers['content-type'] ?? '');
  assert.match(type, /^application\/problem\+json\b/i, `Content-Type of ${status} ${code}${where}: ${show(res)}`);
  const body = res.body;
  assert.ok(body && typeof body === 'object' && !Array.isArray(body), `problem body is not a JSON object${where}: ${show(res)}`);
  assert.equal(body.code, code, `problem code${where}: ${show(res)}`);
  assert.equal(body.status, status, `problem status field${where}: ${show(res)}`);
  assert.equal(typeof body.type, 'string', `problem type${where}: ${show(res)}`);
  assert.match(body.type, /^[a-z][a-z0-9+.-]*:\S*$/i, `problem type must be a URI${where}: ${show(res)}`);
  assert.equal(typeof body.title, 'string', `problem title${where}: ${show(res)}`);
  assert.ok(body.title.length > 0, `problem title is empty${where}`);
  assert.equal(typeof body.detail, 'string', `problem detail${where}: ${show(res)}`);
  if (code === 'validation_failed') {
    assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `validation_failed needs errors[]${where}: ${show(res)}`);
    for (const e of body.errors) {
      assert.equal(typeof e.field, 'string', `errors[].field${where}: ${show(res)}`);
      assert.equal(typeof e.message, 'string', `errors[].message${where}: ${show(res)}`);
    }
  }
  return body;
}

/** Asserts a 2xx-or-given status with a readable message. */
export function assertStatus(res, status, note = '') {
  assert.equal(res.status, status, `expected ${status}${note ? ` (${note})` : ''}, got ${show(res)}`);
  return res.body;
}
