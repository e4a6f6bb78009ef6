#!/usr/bin/env bash
# Builds pkg/edge/: the API as a wasm Fetch handler (wasm-bindgen glue,
# wasm-opt'd) with the Cloudflare Workers and Deno entry points beside it,
# and prints its size. Installs what is missing: the wasm target, the
# wasm-bindgen CLI of the version in Cargo.lock, and the npm tools.
set -euo pipefail
cd "$(dirname "$0")/.."
out=pkg/edge

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
want=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (it must match the wasm-bindgen crate)"
  # --locked fails for this crate on the registry (a locked dependency is gone).
  cargo install wasm-bindgen-cli --version "$want"
fi
[ -x node_modules/.bin/wasm-opt ] || npm ci --no-audit --no-fund

target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
cargo build --quiet -p retention-edge --target wasm32-unknown-unknown --release
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name retention_edge \
  "$target_dir/wasm32-unknown-unknown/release/retention_edge.wasm"
# The features rustc enables by default for wasm32 must be named for wasm-opt.
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-mutable-globals --enable-sign-ext \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$out/retention_edge_bg.wasm" -o "$out/retention_edge_bg.wasm"

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
