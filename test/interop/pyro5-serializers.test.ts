// The json and msgpack corpora (test/helpers/corpus-*.ts, the same cases as the Pyro4 interop tests) against
// Python Pyro5's serializers, through our Pyro5 serializers (Pyro5 wire ids and class names): Pyro5-written bytes
// decode to the expected values, and our bytes decode in Pyro5 to the expected Python values, byte-identical to
// Pyro5's own unless a case says otherwise. The cases where Pyro5 behaves differently from Pyro4 are adjusted
// below, each with the reason.
import { corpusTests, type CorpusCase } from "../helpers/serializer-corpus.js";
import { jsonCases } from "../helpers/corpus-json.js";
import { msgpackCases } from "../helpers/corpus-msgpack.js";
import { serpentCorpusTests } from "../helpers/corpus-serpent.js";
import { marshalCorpusTests } from "../helpers/corpus-marshal.js";
import { getPyro5Serializer } from "../../src/serializers/pyro5.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";

function pyro5Differences(cases: CorpusCase[]): CorpusCase[] {
  return cases.map((c) => {
    // Pyro5's class_to_dict adds the module-qualified class name to an object's vars
    // Pyro5 keeps the class name, "__main__.Thing", which both Pyro5 and we refuse to turn back (double underscores)
    if (c.name === "Python object -> dict of vars") return { ...c, decodeError: "SecurityError" };
    // Pyro4 4.82's msgpack loadsCall had no ext hook; Pyro5's has, so ext-typed call arguments arrive as values
    if (c.name === "call with 2**80 arg reaches Python as ExtType") return { ...c, py: '("o", "m", (2**80,), {})' };
    if (c.name === "call with complex arg reaches Python as ExtType") return { ...c, py: '("o", "m", (complex(1, 2),), {})' };
    return c;
  });
}

const pyro5Env = { ...PYRO5_ENV, INTEROP_PEER: "5" };
const pyro5 = { fixture: "serializer_interop.py", env: pyro5Env, label: "Pyro5" };
corpusTests(getPyro5Serializer("json"), pyro5Differences(jsonCases()), (data) => data.toString("utf8"), pyro5);
corpusTests(getPyro5Serializer("msgpack"), pyro5Differences(msgpackCases()), (data) => data.toString("hex"), pyro5);
serpentCorpusTests(getPyro5Serializer("serpent"), { env: pyro5Env, label: "Pyro5" });
marshalCorpusTests(getPyro5Serializer("marshal"), { env: pyro5Env, label: "Pyro5" });
