// docs/tokens.md: the standard-library recipes (JavaScript and Python) mint
// tokens the handler accepts. The code is taken from the document itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { A, B } from './lib/env.mjs';
import { noServerErrorsTest } from './lib/http.mjs';
import { Api } from './lib/client.mjs';
import { customerId } from './lib/ids.mjs';

const docPath = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'tokens.md');
const doc = readFileSync(docPath, 'utf8');

/** The fenced code block right after `<!-- example: NAME -->`. */
function example(name) {
  const m = doc.match(new RegExp(`<!-- example: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``));
  assert.ok(m, `docs/tokens.md has no example marked ${name}`);
  return m[1];
}

function runExample(file, command, args, merchant, customer) {
  return execFileSync(command, [...args, file], {
    env: { ...process.env, MERCHANT_ID: merchant.id, CUSTOMER_ID: customer, TOKEN_SECRET: merchant.token_secret },
    encoding: 'utf8',
    timeout: 20_000,
  }).trim();
}

const dir = mkdtempSync(join(tmpdir(), 'token-docs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

for (const merchant of [A, B]) {
  const api = new Api(merchant);

  test(`the JavaScript stdlib recipe mints a token GET /v1/me accepts (merchant ${merchant === A ? 'A' : 'B'})`, async () => {
    for (const needle of ["from 'jose'", 'import jwt', 'hash_hmac(', 'Firebase\\JWT\\JWT', 'token_expired', 'invalid_token']) {
      assert.ok(doc.includes(needle), `docs/tokens.md mentions ${needle}`);
    }
    const file = join(dir, `mint-${merchant.id}.mjs`);
    writeFileSync(file, `${example('js-stdlib')}\nconsole.log(mintShopperToken(process.env.MERCHANT_ID, process.env.CUSTOMER_ID, process.env.TOKEN_SECRET));\n`);
    const customer = customerId('docs-js');
    const token = runExample(file, process.execPath, [], merchant, customer);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const res = await api.me(customer, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.customer_id, customer);
  });

  test(`the Python stdlib recipe mints a token GET /v1/me accepts (merchant ${merchant === A ? 'A' : 'B'})`, async () => {
    const file = join(dir, `mint-${merchant.id}.py`);
    writeFileSync(file, `${example('python-stdlib')}\n\nimport os\nprint(mint_shopper_token(os.environ["MERCHANT_ID"], os.environ["CUSTOMER_ID"], os.environ["TOKEN_SECRET"]))\n`);
    const customer = customerId('docs-py');
    const token = runExample(file, 'python3', [], merchant, customer);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const res = await api.me(customer, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.customer_id, customer);
  });
}

noServerErrorsTest();
