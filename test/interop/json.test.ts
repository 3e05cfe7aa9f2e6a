// The json serializer against real Python Pyro4 (JsonSerializer) in both directions: Python-written bytes must decode
// to the expected TS values, and our bytes must decode in Python to the expected Python values, byte-identical to
// what Pyro4 itself writes for them (separators, float repr, NaN/Infinity, key order) unless a case says otherwise.
import { corpusTests } from "../helpers/serializer-corpus.js";
import { jsonCases } from "../helpers/corpus-json.js";
import { json } from "../../src/serializers/json.js";

corpusTests(json, jsonCases(), (data) => data.toString("utf8"));
