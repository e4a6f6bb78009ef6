// Runs the store port's contract (crates/api/src/conformance.rs, built into
// pkg/edge-conformance) against the Deno KV store on a fresh KV file.
//
//   deno run --unstable-kv … deno.js CONFORMANCE_DIR STORE_JS KV_PATH
//
// Prints one line per check ("ok" / "FAILED: why") and a closing
// "conformance: N passed, M failed"; exits 1 if any failed.
const [conformanceDir, storeJs, kvPath] = Deno.args;
const { default: init, runStoreConformance } = await import(new URL(`file://${conformanceDir}/retention_conformance.js`).href);
const { KvStore } = await import(new URL(`file://${storeJs}`).href);

await init({ module_or_path: await Deno.readFile(`${conformanceDir}/retention_conformance_bg.wasm`) });
const kv = await Deno.openKv(kvPath);
let passed = 0;
let failed = 0;
try {
  const outcomes = await runStoreConformance(new KvStore(kv), 'deno-');
  for (const { name, failure } of outcomes) {
    if (failure === null) passed += 1;
    else failed += 1;
    console.log(`${failure === null ? 'ok' : `FAILED: ${failure}`} — ${name}`);
  }
} finally {
  kv.close();
}
console.log(`conformance: ${passed} passed, ${failed} failed`);
Deno.exit(failed > 0 || passed === 0 ? 1 : 0);
