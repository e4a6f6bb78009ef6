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

const [input, output, ...prefixes] = process.argv.slice(2);
if (!output || prefixes.length === 0) {
  console.error("usage: wasm-drop-exports.mjs IN.wasm OUT.wasm PREFIX...");
  process.exit(2);
}
const bytes = fs.readFileSync(input);

function leb(buf, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function encode(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

const parts = [bytes.subarray(0, 8)];
const dropped = [];
for (let at = 8; at < bytes.length; ) {
  const id = bytes[at];
  const [size, start] = leb(bytes, at + 1);
  const end = start + size;
  if (id !== 7) {
    parts.push(bytes.subarray(at, end));
    at = end;
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
  const body = Buffer.concat([encode(kept.length), ...kept]);
  parts.push(Buffer.from([7]), encode(body.length), body);
  at = end;
}
fs.writeFileSync(output, Buffer.concat(parts));
console.log(`dropped ${dropped.length} unreachable exports (${prefixes.join(", ")})`);
