// Mutated pickles for the pickle decoder's fuzzing (test/fuzz/pickle.test.ts in CI, pickle-run.ts for long runs):
// real Python pickles of Pyro4-style traffic (test/fixtures/pickle-seeds.json, protocols 0-5) and our own, then
// byte flips, opcode injections, lying lengths, splices, truncations and hostile globals. The only acceptable
// outcomes are a value or a SerializeError whose cause, if any, is itself a PyroError: anything else is a bug.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PyroError, SerializeError } from "../../src/errors.js";
import { pickle } from "../../src/serializers/pickle.js";
import { tuple } from "../../src/serializers/values.js";
import { Rng } from "./frames.js";

export function seeds(): Buffer[] {
  const path = fileURLToPath(new URL("../fixtures/pickle-seeds.json", import.meta.url));
  const out: Buffer[] = (JSON.parse(readFileSync(path, "utf8")) as string[]).map((h) => Buffer.from(h, "hex"));
  out.push(pickle.serializeData({ a: [1, 2n ** 80n, tuple(1, "x")], b: new Set([1]), c: Buffer.from("zz"), d: new Date(0) }));
  out.push(pickle.serializeCall("obj", "meth", [1, "two", [3]], { k: null }));
  return out;
}

/** Opcodes worth injecting: every structural one, plus globals (known, plain and hostile). */
const INJECT: Buffer[] = [
  ..."().0123NNaebdeghijlopqrstu}]\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x81R".split(""),
  "cos\nsystem\n",
  "cbuiltins\neval\n",
  "c__main__\nThing\n",
  "ccopyreg\n_reconstructor\n",
  "cdatetime\ndatetime\n",
  "cPyro4.core\nURI\n",
  "\x8c\x08builtins\x8c\x07getattr\x93",
  "\x8a\x09" + "\xff".repeat(9),
  "\x8b\xff\xff\xff\x7f",
  "\x8e\xff\xff\xff\xff\xff\xff\xff\x7f",
  "\x95\x00\x00\x00\x00\x00\x00\x00\x00",
  "X\xff\xff\xff\xff",
  "j\xff\xff\xff\x7f",
  "h\x00",
  "\x97\x98",
  "L99999999999999999999999999L\n",
  "F1e999\n",
].map((op) => Buffer.from(op, "latin1"));

export function mutate(rng: Rng, all: Buffer[]): Buffer {
  const src = rng.pick(all);
  let b = Buffer.from(src);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(9)) {
      case 0: // flip a bit
        if (b.length) b[at % b.length]! ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (b.length) b[at % b.length] = rng.u32() & 0xff;
        break;
      case 2: // inject an opcode sequence
        b = Buffer.concat([b.subarray(0, at), rng.pick(INJECT), b.subarray(at)]);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(16)))]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + rng.int(32)), b.subarray(at)]);
        break;
      case 6: { // splice another seed's tail
        const o = rng.pick(all);
        b = Buffer.concat([b.subarray(0, at), o.subarray(rng.int(o.length))]);
        break;
      }
      case 7: // random bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)]);
        break;
      default: // set a length-ish 4-byte field to a big value
        if (b.length >= 4) b.writeUInt32LE(rng.pick([0xffffffff, 0x7fffffff, 0x10000, 1 << 24, rng.u32()]), Math.min(at, b.length - 4));
    }
  }
  return b;
}

export interface FuzzResult {
  runs: number;
  decoded: number;
  typedErrors: number;
  failures: { hex: string; error: string }[];
  ms: number;
}

/** Decode `n` mutations; returns counts and the first few untyped failures. */
export function fuzz(n: number, seed: number): FuzzResult {
  const rng = new Rng(seed);
  const all = seeds();
  const res: FuzzResult = { runs: 0, decoded: 0, typedErrors: 0, failures: [], ms: 0 };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const data = mutate(rng, all);
    res.runs++;
    try {
      pickle.deserializeData(data);
      res.decoded++;
    } catch (e) {
      const cause = (e as { cause?: unknown }).cause;
      if (e instanceof SerializeError && (cause === undefined || cause instanceof PyroError)) res.typedErrors++;
      else if (res.failures.length < 10) res.failures.push({ hex: data.toString("hex").slice(0, 400), error: String((cause as Error)?.stack ?? (e as Error)?.stack ?? e) });
      else res.failures.length; // count only the first ten
    }
  }
  res.ms = performance.now() - t0;
  return res;
}
