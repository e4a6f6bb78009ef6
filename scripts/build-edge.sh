#!/usr/bin/env bash
# Builds pkg/edge/: the API as a wasm Fetch handler (wasm-bindgen glue,
# wasm-opt'd) with the Cloudflare Workers and Deno entry points beside it,
# and prints its size and where the wasm's bytes go by crate. The wasm's
# budget is 400 KiB of gzip; over it the build fails. Installs what is
# missing: the wasm target, the wasm-bindgen CLI of the version in
# Cargo.lock, and the npm tools.
set -euo pipefail
cd "$(dirname "$0")/.."
out=pkg/edge

# shellcheck source=lib/wasm-tools.sh
. scripts/lib/wasm-tools.sh
need_wasm_tools
target_dir=$(cargo_target_dir)
cargo build --quiet -p retention-edge --target wasm32-unknown-unknown --release
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name retention_edge \
  "$target_dir/wasm32-unknown-unknown/release/retention_edge.wasm"
# A twin optimised with its names is what the by-crate table below
# measures; the shipped file is optimised without them.
named=$(mktemp)
trap 'rm -f "$named"' EXIT
wasm_opt_z_named "$out/retention_edge_bg.wasm" "$named"
wasm_opt_z "$out/retention_edge_bg.wasm" "$out/retention_edge_bg.wasm"

cp -R edge/cloudflare/. "$out/"
mkdir -p "$out/deno"
cp -R edge/deno/. "$out/deno/"

# Over budget, the table of where the bytes go still prints before failing.
over=0
node -e '
const fs = require("fs"), zlib = require("zlib");
const rows = process.argv.slice(1).map((f) => {
  const b = fs.readFileSync(f);
  return [f, b.length, zlib.gzipSync(b, { level: 9 }).length];
});
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + " KiB";
console.log("edge module size:");
for (const [f, raw, gz] of rows) console.log(`  ${f.padEnd(34)} raw ${kb(raw)}   gzip ${kb(gz)}`);
const gzip = rows.reduce((s, r) => s + r[2], 0);
console.log(`  ${"total".padEnd(34)} raw ${kb(rows.reduce((s, r) => s + r[1], 0))}   gzip ${kb(gzip)}`);
// The wasm is most of a cold start; its budget is 400 KiB of gzip.
const wasmGzip = rows[0][2];
console.log(`  budget: the wasm at most 400.0 KiB gzip; it is ${(wasmGzip / 1024).toFixed(1)} KiB (${((400 * 1024 - wasmGzip) / 1024).toFixed(1)} KiB left)`);
if (wasmGzip > 400 * 1024) { console.error("the edge module is over its 400 KiB gzip budget: see where the bytes go below"); process.exitCode = 1; }
' "$out/retention_edge_bg.wasm" "$out/retention_edge.js" || over=$?
node scripts/lib/wasm-sizes.mjs "$named" 16
exit "$over"
