# Shared by scripts/build-edge.sh and scripts/build-widget.sh (sourced, from
# the repository root): the tools a wasm build needs, installed when
# missing, and the wasm-opt call with the features rustc enables.

# The wasm target, the wasm-bindgen CLI of the version in Cargo.lock, and
# the npm tools (binaryen's wasm-opt).
need_wasm_tools() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  local want have
  want=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    echo "installing wasm-bindgen-cli $want (it must match the wasm-bindgen crate)"
    # --locked fails for this crate on the registry (a locked dependency is gone).
    cargo install wasm-bindgen-cli --version "$want"
  fi
  [ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/esbuild ] || npm ci --no-audit --no-fund
}

# Cargo's target directory (shared by the workspace).
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))'
}

# The features rustc enables by default for wasm32, named for wasm-opt.
wasm_features=(--enable-bulk-memory --enable-mutable-globals --enable-sign-ext
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue)

# wasm-opt -Oz IN -o OUT, stripped.
wasm_opt_z() {
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers "${wasm_features[@]}" "$1" -o "$2"
}

# wasm_opt_z keeping the names section, for scripts/lib/wasm-sizes.mjs.
wasm_opt_z_named() {
  node_modules/.bin/wasm-opt -Oz -g "${wasm_features[@]}" "$1" -o "$2"
}
