// Serpent against real Python (serpent 1.41 + Pyro4's SerpentSerializer): we decode what Python writes,
// Python decodes what we write, and for values whose Python output is deterministic our bytes equal Python's.
// The corpus lives in test/fixtures/serpent_interop.py; test/helpers/corpus-serpent.ts holds the TypeScript view of
// each entry and the corpus tests (shared with the Pyro5 interop test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPython } from "../helpers/python.js";
import { serpentCorpusTests } from "../helpers/corpus-serpent.js";
import { serpent } from "../../src/serializers/serpent.js";
import { float } from "../../src/serializers/values.js";
import { RemoteError } from "../../src/errors.js";

serpentCorpusTests(serpent);

test("Python decodes a JavaScript Error and a RemoteError with traceback as real exceptions", () => {
  const err = new RangeError("out of range");
  const data = serpent.serializeData({ e: err, r: new RemoteError("builtins.KeyError", ["k"], { _pyroTraceback: ["x\n"] }) });
  const out = runPython(["-c", `
import sys, Pyro4.util
v = Pyro4.util.SerpentSerializer().loads(bytes.fromhex(sys.stdin.read()))
print(type(v["e"]).__name__, v["e"].args, type(v["r"]).__name__, v["r"].args, v["r"]._pyroTraceback)
`], { input: data.toString("hex") });
  assert.equal(out.trim(), "ValueError ('out of range',) KeyError ('k',) ['x\\n']");
});

test("float text equals Python serpent's for 20000 random doubles", () => {
  const pairs = JSON.parse(runPython(["serpent_interop.py", "floats"])) as [string, string][];
  assert.equal(pairs.length, 20000);
  const diffs: string[] = [];
  for (const [bits, text] of pairs) {
    const n = Buffer.from(bits, "hex").readDoubleBE(0);
    const ours = serpent.serializeData(float(n)).toString().slice(26);
    if (ours !== text) diffs.push(`${bits}: python ${text} ours ${ours}`);
    const back = serpent.deserializeData(Buffer.from(text)) as number;
    if (!Object.is(back, n) && !(Number.isNaN(back) && Number.isNaN(n))) diffs.push(`${bits}: parsed ${text} as ${back}`);
  }
  assert.deepEqual(diffs.slice(0, 20), []);
});
