// The msgpack serializer against real Python Pyro4 (MsgpackSerializer, msgpack 1.0) in both directions: Python-written
// bytes must decode to the expected TS values, and our bytes must decode in Python to the expected Python values,
// byte-identical to what Pyro4 itself writes for them (int widths, str8, ext types) unless a case says otherwise.
import { corpusTests } from "../helpers/serializer-corpus.js";
import { msgpackCases } from "../helpers/corpus-msgpack.js";
import { msgpack } from "../../src/serializers/msgpack.js";

corpusTests(msgpack, msgpackCases(), (data) => data.toString("hex"));
