#!/usr/bin/env bash
# Builds pkg/edge/: the API as a wasm Fetch handler (wasm-bindgen glue,
# wasm-opt'd) with the Cloudflare Workers and Deno entry points beside it,
# and prints its size and where the wasm's bytes go by crate. Installs what is missing: the wasm target, the
# wasm-bindgen CLI of the version in Cargo.lock, and the npm tools.
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
if (gzip > 1024 * 1024) { console.error("the edge module is over the 1 MB gzip budget"); process.exit(1); }
' "$out/retention_edge_bg.wasm" "$out/retention_edge.js"
node scripts/lib/wasm-sizes.mjs "$named" 16
