#!/usr/bin/env bash
# Builds pkg/widget/: what a merchant's CDN serves. loader.js (stable name,
# revalidated) imports the content-hashed wasm-bindgen glue and wasm
# (immutable). Prints the transfer size (gzip and brotli) and where the
# wasm's bytes go by crate, and fails over the gzip budget. Installs what is
# missing: the wasm target, the wasm-bindgen CLI of the version in
# Cargo.lock, and the npm tools.
set -euo pipefail
cd "$(dirname "$0")/.."
out=pkg/widget
budget=135000

# shellcheck source=lib/wasm-tools.sh
. scripts/lib/wasm-tools.sh
need_wasm_tools
target_dir=$(cargo_target_dir)
cargo build --quiet -p retention-widget --target wasm32-unknown-unknown --release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name widget \
  "$target_dir/wasm32-unknown-unknown/release/retention_widget.wasm"
# The wasm-streams classes Leptos' server_fn exports: unreachable here.
node scripts/lib/wasm-drop-exports.mjs "$work/widget_bg.wasm" "$work/widget_bg.wasm" \
  intounderlying __wbg_intounderlying
# A twin optimised with its names is what the by-crate table below
# measures; the shipped file is optimised without them (-g keeps a few
# functions apart that -Oz would merge: ~900 bytes gzip).
wasm_opt_z_named "$work/widget_bg.wasm" "$work/named.wasm"
wasm_opt_z "$work/widget_bg.wasm" "$work/widget_bg.wasm"
# The glue bundled from what loader.js uses (init and mount) and minified.
# (The dropped exports' JS classes stay, unreachable: wasm-bindgen registers
# Symbol.dispose on them, which a bundler must keep.)
echo 'export { default, mount } from "./widget.js";' > "$work/entry.mjs"
node_modules/.bin/esbuild "$work/entry.mjs" --bundle --minify --format=esm --log-level=warning \
  --outfile="$work/widget.min.js"
mv "$work/widget.min.js" "$work/widget.js"

rm -rf "$out"
mkdir -p "$out"
node - "$work" "$out" "$budget" <<'JS'
const fs = require("fs"), path = require("path"), zlib = require("zlib"), crypto = require("crypto");
const [work, out, budget] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const hash = (b) => crypto.createHash("sha256").update(b).digest("hex").slice(0, 12);
const wasm = fs.readFileSync(path.join(work, "widget_bg.wasm"));
const wasmName = `widget-${hash(wasm)}.wasm`;
// The glue names its wasm only as a default; the loader passes the hashed URL.
const js = fs.readFileSync(path.join(work, "widget.js"), "utf8").replace("widget_bg.wasm", wasmName);
const jsName = `widget-${hash(js)}.js`;
const loader = fs.readFileSync("crates/widget/loader.js", "utf8")
  .replaceAll("__WIDGET_JS__", jsName).replaceAll("__WIDGET_WASM__", wasmName);
fs.writeFileSync(path.join(out, wasmName), wasm);
fs.writeFileSync(path.join(out, jsName), js);
fs.writeFileSync(path.join(out, "loader.js"), loader);
const rows = ["loader.js", jsName, wasmName].map((f) => {
  const b = fs.readFileSync(path.join(out, f));
  return [f, b.length, zlib.gzipSync(b, { level: 9 }).length,
    zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length];
});
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KiB";
console.log(`widget transfer size (${out}):`);
for (const [f, raw, gz, br] of rows) console.log(`  ${f.padEnd(30)} raw ${kb(raw)}   gzip ${kb(gz)}   brotli ${kb(br)}`);
const sum = (i) => rows.reduce((s, r) => s + r[i], 0);
console.log(`  ${"total".padEnd(30)} raw ${kb(sum(1))}   gzip ${kb(sum(2))}   brotli ${kb(sum(3))}`);
console.log(`  transfer (gzip): ${sum(2).toLocaleString("en")} bytes of a ${budget.toLocaleString("en")}-byte budget`);
if (sum(2) > budget) { console.error("the widget is over its gzip budget"); process.exit(1); }
JS
node scripts/lib/wasm-sizes.mjs "$work/named.wasm"
