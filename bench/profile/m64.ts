import { getSerializer } from "../../src/index.js";
const BLOB = Buffer.alloc(65536, 7);
for (const name of ["marshal", "msgpack"]) {
  const s = getSerializer(name);
  const d = s.serializeData(BLOB);
  for (const [k, f] of [["ser", () => s.serializeData(BLOB)], ["de", () => s.deserializeData(d)], ["de0", () => s.deserializeData(d, { zeroCopy: true })]] as const) {
    for (let i = 0; i < 2000; i++) f();
    const t0 = performance.now(); let n = 0; while (performance.now() - t0 < 500) { for (let i = 0; i < 100; i++) f(); n += 100; }
    console.log(name, k, (n / 0.5 / 1000).toFixed(0) + "k/s");
  }
}
