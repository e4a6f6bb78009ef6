// Where a wasm file's bytes go, by crate: the size of each function body
// (code section) summed by the crate its name starts with (the name
// section), beside the data segments (strings, tables of constants).
// Usage: node scripts/lib/wasm-sizes.mjs FILE.wasm [ROWS]
// FILE must keep its names: the builds measure a twin of the shipped file
// optimised with -g (within about 1% of the shipped code's size).
import fs from "node:fs";
import { leb, sections } from "./wasm-binary.mjs";

const [file, rowsArg] = process.argv.slice(2);
const bytes = fs.readFileSync(file);
const rows = Number(rowsArg ?? 14);

const all = sections(bytes);
const section = (id, name) =>
  all.find((s) => s.id === id && (name === undefined || customName(s) === name));
function customName(s) {
  if (s.id !== 0) return undefined;
  const [len, at] = leb(bytes, s.start);
  return bytes.subarray(at, at + len).toString("utf8");
}

// Imported functions come first in the function index space.
let imported = 0;
const imports = section(2);
if (imports) {
  let [count, at] = leb(bytes, imports.start);
  for (let i = 0; i < count; i++) {
    let len;
    [len, at] = leb(bytes, at);
    at += len;
    [len, at] = leb(bytes, at);
    at += len;
    const kind = bytes[at++];
    if (kind === 0) {
      imported++;
      [, at] = leb(bytes, at);
    } else if (kind === 1) {
      at += 1;
      const flags = bytes[at++];
      [, at] = leb(bytes, at);
      if (flags & 1) [, at] = leb(bytes, at);
    } else if (kind === 2) {
      const flags = bytes[at++];
      [, at] = leb(bytes, at);
      if (flags & 1) [, at] = leb(bytes, at);
    } else if (kind === 3) {
      at += 2;
    } else {
      [, at] = leb(bytes, at + 1);
    }
  }
}

// Function names (subsection 1 of the "name" section).
const names = new Map();
const nameSection = section(0, "name");
if (nameSection) {
  let [len, at] = leb(bytes, nameSection.start);
  at += len;
  while (at < nameSection.end) {
    const sub = bytes[at];
    let size;
    [size, at] = leb(bytes, at + 1);
    if (sub === 1) {
      let [count, p] = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        let index, n;
        [index, p] = leb(bytes, p);
        [n, p] = leb(bytes, p);
        names.set(index, bytes.subarray(p, p + n).toString("utf8"));
        p += n;
      }
    }
    at += size;
  }
}

// The crate of a demangled name: the first path segment, looking through
// `<T as Trait>` and references to the type's own crate.
function crateOf(name) {
  if (!name) return "(unnamed)";
  const n = name.replace(/^[<&*\s]+/, "").replace(/^(mut |dyn |const )+/, "");
  const first = n.split(/::|\[|<|\s/)[0];
  return /^[a-z_][a-z0-9_]*$/.test(first) && n.includes("::") ? first : "(glue and shims)";
}

const byCrate = new Map();
const add = (key, n) => byCrate.set(key, (byCrate.get(key) ?? 0) + n);
const code = section(10);
let [count, at] = leb(bytes, code.start);
for (let i = 0; i < count; i++) {
  const [size, body] = leb(bytes, at);
  add(crateOf(names.get(imported + i)), body + size - at);
  at = body + size;
}
const data = section(11);
if (data) add("(data: strings, constants)", data.end - data.start);
const other = all
  .filter((s) => s.id !== 10 && s.id !== 11 && customName(s) !== "name")
  .reduce((sum, s) => sum + (s.end - s.start), 0);
add("(types, imports, exports, tables)", other);

const total = [...byCrate.values()].reduce((a, b) => a + b, 0);
const sorted = [...byCrate.entries()].sort((a, b) => b[1] - a[1]);
const shown = sorted.slice(0, rows);
const rest = sorted.slice(rows).reduce((sum, [, n]) => sum + n, 0);
const kb = (n) => (n / 1024).toFixed(1).padStart(6) + " KiB";
const pct = (n) => ((100 * n) / total).toFixed(1).padStart(5) + "%";
console.log(`wasm by crate (raw bytes of the shipped code, ${kb(total).trim()} without names):`);
for (const [crate, n] of shown) console.log(`  ${crate.padEnd(36)} ${kb(n)} ${pct(n)}`);
if (rest) console.log(`  ${`(${sorted.length - rows} more)`.padEnd(36)} ${kb(rest)} ${pct(rest)}`);
