// The gateway's decoding helpers against Python itself: query strings (parse_qs with latin-1 + singlyfy),
// latin-1 path unquoting, and uuid.UUID parsing of X-Pyro-Correlation-Id, over a table of odd inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQs, pythonUuid, singlyfy, unquoteLatin1 } from "../../src/gateway/params.js";
import { PyException } from "../../src/gateway/errors.js";
import { runPython } from "../helpers/python.js";

const queries = [
  "", "a=1", "a=1&b=2", "a=1&a=2", "a=&b=1", "a", "&&a=1&&", "a=1;b=2", "a=b=c", "+a+=+b+", "%41=%42", "%zz=%4", "%C3%A9=%E2%98%83",
  "a=%", "a=%2", "=x", "x=%00%7F%FF", "k=1&k=&k=2", "\u00e9=\u00e9", "a=1&a=2&b=3&a=4", "%24key=s%E9cret", "a%3D=b%26",
];
const paths = ["/pyro/a%2Fb/c", "/pyro/%C3%A9/x", "/%zz", "/a%20b+c", "/\u00e9%E9"];
const uuids = [
  "11112222-1111-2222-3333-222244449999", "{11112222-1111-2222-3333-22224444999A}", "urn:uuid:11112222111122223333222244449999",
  "uuid:11112222111122223333222244449999", "1111-2222-1111-2222-3333-2222-4444-9999", "not-a-uuid", "1111222211112222333322224444999g",
  "+1111222211112222333322224444999", "-0000000000000000000000000000000", "0x11222211112222333322224444999f", "1_11222211112222333322224444999",
  " 111222211112222333322224444999 ", "{{11112222111122223333222244449999}}", "", "ffffffffffffffffffffffffffffffff",
];

test("query strings, paths and correlation ids decode exactly as in Python's gateway", () => {
  const input = [...queries.map((qs) => ({ qs })), ...paths.map((path) => ({ path })), ...uuids.map((uuid) => ({ uuid }))];
  const lines = runPython(["gateway_params.py"], { input: input.map((c) => JSON.stringify(c)).join("\n") + "\n" }).trim().split("\n");
  assert.equal(lines.length, input.length);
  input.forEach((c, i) => {
    const expected = JSON.parse(lines[i]!);
    let actual: unknown;
    if ("qs" in c) {
      const m = new Map<string, string[]>();
      parseQs(c.qs, m, 1000);
      actual = { ok: [...singlyfy(m)] };
    } else if ("path" in c) actual = { ok: unquoteLatin1(c.path) };
    else {
      try {
        actual = { ok: pythonUuid(c.uuid) };
      } catch (e) {
        assert.ok(e instanceof PyException);
        actual = { err: e.args[0] };
      }
    }
    assert.deepEqual(actual, expected, JSON.stringify(c));
  });
});
