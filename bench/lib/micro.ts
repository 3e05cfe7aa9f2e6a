// Serializer microbenchmarks, TypeScript side: serialize and deserialize ops/s for the same cases as
// python/bench_client.py's "micro" command (a no-argument call, a typical call with a small record, 64 KB bytes),
// each the way a call uses the serializer.
import { getSerializer } from "../../src/protocol/index.js";

export const MICRO_CASES = ["small", "typical", "bytes64k"] as const;
export type MicroCase = (typeof MICRO_CASES)[number];

const TYPICAL = {
  name: "widget-42", id: 123456, price: 19.99, tags: ["red", "green", "blue"], active: true,
  dims: [1.5, 2.5, 3.5], owner: { first: "Ann", last: "Lee", age: 37 },
};
const BLOB = (() => {
  const b = Buffer.alloc(65536);
  for (let i = 0; i < b.length; i++) b[i] = i & 255;
  return b;
})();

/** How the client and the daemon decode a message the reader made for them alone. */
const RECEIVED = { zeroCopy: true } as const;

function timeLoop(fn: () => unknown, ms: number): number {
  // warm-up long enough for the JIT to settle (a fifth of the timed span, at least 20 calls)
  const warmEnd = performance.now() + ms / 5;
  for (let i = 0; i < 20 || performance.now() < warmEnd; i++) fn();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let t: number;
  for (;;) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    t = performance.now();
    if (t >= end) break;
  }
  return (n * 1000) / (t - t0);
}

/** ops/s of serialize ("ser") and deserialize ("de"); throws when the serializer cannot do the case. */
export function tsMicro(serializer: string, kase: MicroCase, ms: number): { ser: number; de: number } {
  const s = getSerializer(serializer);
  let ser: () => unknown;
  let de: (d: Buffer) => unknown;
  switch (kase) {
    case "small":
      ser = () => s.serializeCall("bench", "ping", [], {});
      de = (d) => s.deserializeCall(d);
      break;
    case "typical":
      ser = () => s.serializeCall("bench", "store", ["widgets", 42, TYPICAL], {});
      de = (d) => s.deserializeCall(d);
      break;
    case "bytes64k":
      // what a call does with big bytes: marshal and msgpack send them by reference (parts) and decode a received
      // message (a buffer of its own) into views; a plain serializeData/deserializeData copies 64 KB each way
      if (s.serializeDataParts) {
        const parts = s.serializeDataParts.bind(s);
        ser = () => parts(BLOB);
        de = (d) => s.deserializeData(d, RECEIVED);
      } else {
        ser = () => s.serializeData(BLOB);
        de = (d) => s.deserializeData(d);
      }
      break;
  }
  const data = kase === "bytes64k" ? s.serializeData(BLOB) : (ser() as Buffer);
  de(data); // fail early (placeholder serializers) before timing anything
  return { ser: timeLoop(ser, ms), de: timeLoop(() => de(data), ms) };
}
