// Reading and writing the wasm binary format's basics, shared by
// wasm-sizes.mjs and wasm-drop-exports.mjs: LEB128 numbers and the list
// of a module's sections.

/** The unsigned LEB128 number at `at`: [value, the offset after it]. */
export function leb(buf, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** `n` as unsigned LEB128 bytes. */
export function encodeLeb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

/** A module's sections in order: {id, at (the id byte), start and end of the payload}. */
export function sections(bytes) {
  const list = [];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    list.push({ id, at, start, end: start + size });
    at = start + size;
  }
  return list;
}
