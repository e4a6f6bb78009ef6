// Loads the probe's wasm with no imports at all, runs the scenario in it and
// compares the answers with the native build's.
import { readFileSync } from "node:fs";

const [wasmPath, scenarioPath, nativePath] = process.argv.slice(2);
const bytes = readFileSync(wasmPath);
const module = new WebAssembly.Module(bytes);
const imports = WebAssembly.Module.imports(module);
const fromEnv = imports.filter((i) => i.module === "env");
console.log(`wasm module: ${(bytes.length / 1024).toFixed(0)} KiB, ${imports.length} imports (${fromEnv.length} from env)`);
if (imports.length > 0) {
  for (const i of imports) console.error(`  imports ${i.module}.${i.name} (${i.kind})`);
  console.error("FAIL: the domain core must build for wasm32-unknown-unknown without imports");
  process.exit(1);
}
const { exports } = new WebAssembly.Instance(module, {});
const input = new TextEncoder().encode(readFileSync(scenarioPath, "utf8"));
const ptr = exports.probe_alloc(input.length);
new Uint8Array(exports.memory.buffer, ptr, input.length).set(input);
const packed = exports.probe_run(ptr, input.length);
const outPtr = Number(packed >> 32n);
const outLen = Number(packed & 0xffffffffn);
const wasmOut = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, outPtr, outLen));
const nativeOut = readFileSync(nativePath, "utf8").trim();
const answers = JSON.parse(wasmOut);
if (!Array.isArray(answers)) {
  console.error(`FAIL: the scenario did not run: ${wasmOut}`);
  process.exit(1);
}
if (wasmOut !== nativeOut) {
  console.error("FAIL: wasm and native answers differ");
  console.error(`wasm:   ${wasmOut.slice(0, 2000)}`);
  console.error(`native: ${nativeOut.slice(0, 2000)}`);
  process.exit(1);
}
// Spot checks of SPEC examples, as computed inside wasm.
const expect = (step, got, want) => {
  if (got !== want) {
    console.error(`FAIL: step ${step + 1}: expected ${want}, got ${got}`);
    process.exit(1);
  }
};
expect(7, answers[7].ok?.next_charge_on, "2027-02-28");
expect(8, answers[8].ok?.next_charge_on, "2027-03-31");
expect(2, answers[2].err?.split(":")[0], "409 order_already_recorded");
const refused = answers.filter((a) => "err" in a).length;
console.log(`scenario: ${answers.length} steps (${refused} refused as expected by the scenario), wasm and native answers identical`);
