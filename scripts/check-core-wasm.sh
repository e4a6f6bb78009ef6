#!/usr/bin/env bash
# Builds the domain core (through tests/wasm-probe) for wasm32-unknown-unknown,
# proves the module imports nothing (so nothing native-only leaked in), and
# runs a scenario in Node on the wasm build and natively: the answers must be
# identical.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
cargo build --quiet -p wasm-probe --lib --target wasm32-unknown-unknown --release
cargo build --quiet -p wasm-probe --bin wasm-probe
wasm="$target_dir/wasm32-unknown-unknown/release/wasm_probe.wasm"
native_out=$(mktemp)
trap 'rm -f "$native_out"' EXIT
"$target_dir/debug/wasm-probe" < tests/wasm-probe/scenario.json > "$native_out"
node scripts/run-wasm-probe.mjs "$wasm" tests/wasm-probe/scenario.json "$native_out"
