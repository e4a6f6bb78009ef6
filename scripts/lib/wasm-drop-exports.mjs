// Removes a wasm module's exports whose names start with one of PREFIXES,
// so wasm-opt can drop the code only they kept alive.
// Usage: node scripts/lib/wasm-drop-exports.mjs IN.wasm OUT.wasm PREFIX...
//
// Why the widget needs it: Leptos always enables server_fn's "browser"
// feature, whose wasm-streams dependency exports three JS classes
// (IntoUnderlyingSource, -Sink, -ByteSource) from every cdylib that links
// it. The widget calls no server functions; their exports were ~2 KB of
// gzipped wasm that nothing on the page could reach.
import fs from "node:fs";
import { encodeLeb, leb, sections } from "./wasm-binary.mjs";

const [input, output, ...prefixes] = process.argv.slice(2);
if (!output || prefixes.length === 0) {
  console.error("usage: wasm-drop-exports.mjs IN.wasm OUT.wasm PREFIX...");
  process.exit(2);
}
const bytes = fs.readFileSync(input);

const parts = [bytes.subarray(0, 8)];
const dropped = [];
for (const { id, at, start, end } of sections(bytes)) {
  if (id !== 7) {
    parts.push(bytes.subarray(at, end));
    continue;
  }
  // The export section: name, kind byte, index; keep the others as they are.
  let [count, p] = leb(bytes, start);
  const kept = [];
  for (let i = 0; i < count; i++) {
    const entry = p;
    let length;
    [length, p] = leb(bytes, p);
    const name = bytes.subarray(p, p + length).toString("utf8");
    p += length + 1;
    [, p] = leb(bytes, p);
    if (prefixes.some((prefix) => name.startsWith(prefix))) dropped.push(name);
    else kept.push(bytes.subarray(entry, p));
  }
  const body = Buffer.concat([encodeLeb(kept.length), ...kept]);
  parts.push(Buffer.from([7]), encodeLeb(body.length), body);
}
fs.writeFileSync(output, Buffer.concat(parts));
console.log(`dropped ${dropped.length} unreachable exports (${prefixes.join(", ")})`);
