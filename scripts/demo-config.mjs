// The demo's configuration: with no argument, prints a config file with one
// merchant `demo` and fresh random secrets; with `--explain BASE_URL`, reads
// the config named by RETENTION_CONFIG and prints how to try the API as the
// demo shopper and as the merchant; with `--token`, prints what the demo
// shop's token URL answers: `{"token":"<JWT>"}`, a fresh 8-hour token for
// the demo shopper (what a merchant's backend does for its logged-in shopper).
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";

const [mode, base] = process.argv.slice(2);

if (mode !== "--explain" && mode !== "--token") {
  const secret = () => randomBytes(32).toString("base64url");
  console.log(`# Demo configuration, written by ./dev demo. Secrets are fresh and local.
[[merchant]]
id = "demo"
api_key = "${secret()}"
token_secret = "${secret()}"
allowed_origins = ["http://127.0.0.1:8787", "http://localhost:8787", "http://127.0.0.1:8080", "http://localhost:8080"]`);
  process.exit(0);
}

const config = readFileSync(process.env.RETENTION_CONFIG, "utf8");
const field = (name) => config.match(new RegExp(`^${name} = "(.*)"$`, "m"))[1];
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ iss: "demo", sub: "demo-shopper", iat: now, exp: now + 8 * 3600 })}`;
const token = `${unsigned}.${createHmac("sha256", field("token_secret")).update(unsigned).digest("base64url")}`;
if (mode === "--token") {
  console.log(JSON.stringify({ token }));
  process.exit(0);
}
if (existsSync("www/index.html")) console.log(`Shop page:        ${base}/`);
console.log(`Shopper's view:   curl -s ${base}/v1/me -H 'Authorization: Bearer ${token}'
Merchant's view:  curl -s ${base}/v1/admin/customers/demo-shopper -H 'Authorization: Bearer ${field("api_key")}'
(the shopper token is valid for 8 hours; the config is ${process.env.RETENTION_CONFIG})`);
