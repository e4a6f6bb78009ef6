// The receiver examples of docs/webhooks.md, run against real deliveries:
// the JavaScript one imported, the Python one run with python3. Each must
// accept a genuine delivery and refuse a changed body, another secret and
// a timestamp more than 5 minutes off.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { C } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { customerId } from './lib/ids.mjs';
import { DEFAULT_PREFERENCES, clone, ensureSuiteProgram } from './lib/program.mjs';
import { waitForCount } from './lib/webhooks.mjs';

const docs = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'webhooks.md'), 'utf8');
const c = new Api(C);
const work = mkdtempSync(join(tmpdir(), 'webhook-docs-'));

/** The fenced block of docs/webhooks.md marked `file=NAME`. */
function block(name) {
  const found = docs.match(new RegExp('```\\w+ file=' + name.replace('.', '\\.') + '\\n([\\s\\S]*?)```'));
  assert.ok(found, `docs/webhooks.md has a block marked file=${name}`);
  return found[1];
}

let delivery;
before(async () => {
  await ensureSuiteProgram(C);
  const id = customerId('docs');
  const p = clone(DEFAULT_PREFERENCES);
  p.expiry_reminder_days = [];
  p.channels.sms.enabled = true;
  assert.equal((await c.putPreferences(id, p)).status, 200);
  [delivery] = await waitForCount(id, 1);
});

const headersOf = (d) => ({ 'webhook-id': d.id, 'webhook-timestamp': d.timestamp, 'webhook-signature': d.signature });
const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const cases = () => [
  { what: 'a genuine delivery', secret: C.webhook_secret, body: delivery.body, now: null, ok: true },
  { what: 'a changed body', secret: C.webhook_secret, body: delivery.body.replace('"sequence":1', '"sequence":2'), now: null, ok: false },
  { what: 'another secret', secret: otherSecret, body: delivery.body, now: null, ok: false },
  { what: 'a timestamp 6 minutes old', secret: C.webhook_secret, body: delivery.body, now: Number(delivery.timestamp) + 360, ok: false },
];

test('the JavaScript receiver of docs/webhooks.md verifies a real delivery and refuses forgeries', async () => {
  const file = join(work, 'verify.mjs');
  writeFileSync(file, block('verify.mjs'));
  const { verifyWebhook } = await import(pathToFileURL(file).href);
  for (const k of cases()) {
    const run = () => verifyWebhook(k.secret, headersOf(delivery), k.body, ...(k.now === null ? [] : [k.now]));
    if (k.ok) assert.equal(run().id, delivery.id, k.what);
    else assert.throws(run, Error, k.what);
  }
});

test('the Python receiver of docs/webhooks.md verifies a real delivery and refuses forgeries', () => {
  writeFileSync(join(work, 'verify.py'), block('verify.py'));
  const script = [
    'import json, sys',
    'from verify import verify_webhook',
    'for k in json.load(sys.stdin):',
    '    try:',
    '        print(json.dumps(verify_webhook(k["secret"], k["headers"], k["body"], k["now"])["id"]))',
    '    except ValueError as e:',
    '        print(json.dumps({"refused": str(e)}))',
  ].join('\n');
  const input = cases().map((k) => ({ ...k, headers: headersOf(delivery) }));
  const run = spawnSync('python3', ['-c', script], { cwd: work, input: JSON.stringify(input), encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, `python3 failed: ${run.stderr}`);
  const answers = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(answers.length, input.length);
  for (const [i, k] of input.entries()) {
    if (k.ok) assert.equal(answers[i], delivery.id, k.what);
    else assert.ok(answers[i]?.refused, `${k.what}: ${JSON.stringify(answers[i])}`);
  }
});

noServerErrorsTest();
