#!/usr/bin/env bash
# Builds the bench's bare Leptos counter (crates/bench/leptos-counter) into
# DIR as the widget is built: release wasm, wasm-bindgen, wasm-opt -Oz and
# esbuild's minified glue, so their start-up compares like with like.
#   scripts/build-leptos-counter.sh DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/build-leptos-counter.sh DIR}

. scripts/lib/wasm-tools.sh
need_wasm_tools
target_dir=$(cargo_target_dir)
cargo build --quiet -p leptos-counter --target wasm32-unknown-unknown --release
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name counter \
  "$target_dir/wasm32-unknown-unknown/release/leptos_counter.wasm"
wasm_opt_z "$out/counter_bg.wasm" "$out/counter_bg.wasm"
node_modules/.bin/esbuild "$out/counter.js" --minify --format=esm --log-level=warning \
  --outfile="$out/counter.min.js"
mv "$out/counter.min.js" "$out/counter.js"
echo "leptos counter: $(wc -c < "$out/counter_bg.wasm") bytes of wasm in $out"
