// Bench only (scripts/lib/bench-edge.mjs): replays the fixture tool's edge
// writes (`retention-bench-fixture --emit`) into a Deno KV file through
// the Deno entry's own store, one write after another, before the server
// opens the file.
//
//   deno run --unstable-kv --allow-read --allow-write bench-load-deno.js STORE_JS KV_FILE WRITES MERCHANT
const [storeJs, kvFile, writes, merchant] = Deno.args;
const { KvStore } = await import(`file://${storeJs}`);
const kv = await Deno.openKv(kvFile);
const store = new KvStore(kv);
let count = 0;
for (const line of (await Deno.readTextFile(writes)).split('\n')) {
  if (!line) continue;
  const { customer, expected, write } = JSON.parse(line);
  if (!(await store.saveCustomer(merchant, customer, expected, write))) {
    throw new Error(`${customer}: version ${expected} was not the stored one`);
  }
  count += 1;
}
kv.close();
console.log(`deno: ${count} fixture writes replayed`);
