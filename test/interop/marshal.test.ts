// Proves the marshal serializer is wire-compatible with real Python both ways: values written by Python's
// marshal.dumps / Pyro4's MarshalSerializer decode to the expected TS values, and our encodings of a TS corpus
// decode in Python (marshal.loads / MarshalSerializer.loads / loadsCall) to the expected Python values.
// The corpus and its tests live in test/helpers/corpus-marshal.ts (shared with the Pyro5 interop test).
import { marshalCorpusTests } from "../helpers/corpus-marshal.js";
import { marshal } from "../../src/serializers/marshal.js";

marshalCorpusTests(marshal);
