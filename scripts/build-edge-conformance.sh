#!/usr/bin/env bash
# Builds pkg/edge-conformance/: the edge module with the store port's
# contract (runStoreConformance, crates/api/src/conformance.rs), for the
# test runners to run against the Deno KV and Durable Object stores.
# Release, without wasm-opt: it is never deployed, and after
# scripts/build-edge.sh every dependency is already built for release, so
# only our three crates compile (about 15 s, where a debug build compiled
# every dependency again, 2.5 minutes from a fresh clone).
set -euo pipefail
cd "$(dirname "$0")/.."
out=pkg/edge-conformance

# shellcheck source=lib/wasm-tools.sh
. scripts/lib/wasm-tools.sh
need_wasm_tools
target_dir=$(cargo_target_dir)
cargo build --quiet -p retention-edge --target wasm32-unknown-unknown --features conformance --release
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name retention_conformance \
  "$target_dir/wasm32-unknown-unknown/release/retention_edge.wasm"
echo "built $out"
