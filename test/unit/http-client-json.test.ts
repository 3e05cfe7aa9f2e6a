// The browser client (src/http/client.ts) reads a gateway's answers without ever overflowing the stack: JSON nested
// deeper than MAX_JSON_DEPTH, with or without Python's NaN/Infinity tokens (whose restoring used JSON.parse's
// recursive reviver), is a PyroHttpError of kind PROTOCOL with a useful message, for a call's answer and for every
// line of a stream; an invalid or ill-shaped stream line is one too. Within the limit, NaN/Infinity come back as
// numbers at any depth. The answers come from a fetch stub (a real gateway's JSON is compared in gateway.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { httpProxy, parsePythonJson, MAX_JSON_DEPTH, PyroHttpError } from "../../src/http/client.js";

const nested = (depth: number, inner: string, open = "[", close = "]") => open.repeat(depth) + inner + close.repeat(depth);
const deepObject = (depth: number, inner: string) => '{"a": '.repeat(depth) + inner + "}".repeat(depth);

function protocolError(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof PyroHttpError, `not a PyroHttpError: ${String(e)}`);
    assert.equal(e.code, "ERR_PYRO4_HTTP_PROTOCOL");
    assert.match(e.message, pattern);
    return true;
  };
}

/** A fetch answering every request with `body` (a string, or NDJSON lines streamed one chunk each). */
function stubFetch(body: string | string[], contentType: string): typeof fetch {
  return (() => {
    const chunks = Array.isArray(body) ? body : [body];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
        c.close();
      },
    });
    return Promise.resolve(new Response(stream, { status: 200, headers: { "Content-Type": contentType } }));
  }) as typeof fetch;
}

const JSON_TYPE = "application/json; charset=utf-8";
const NDJSON_TYPE = "application/x-ndjson; charset=utf-8";

test("parsePythonJson: deep input is a PROTOCOL error, never a RangeError", () => {
  for (const depth of [MAX_JSON_DEPTH + 1, 20_000, 200_000]) {
    for (const inner of ["1", "NaN", "[Infinity, -Infinity]", '"x"']) {
      assert.throws(() => parsePythonJson(nested(depth, inner)), protocolError(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`)));
      assert.throws(() => parsePythonJson(deepObject(depth, inner)), protocolError(/nested deeper/));
    }
  }
  // brackets inside strings do not count, escaped quotes do not end a string
  const inString = JSON.stringify("[".repeat(50_000) + '\\"' + "{".repeat(50_000));
  assert.equal(parsePythonJson(`[${inString}, NaN]`) instanceof Array, true);
  assert.equal((parsePythonJson(inString) as string).length, 100_002);
});

test("parsePythonJson: within the limit, NaN and the infinities come back at any depth", () => {
  const v = parsePythonJson(nested(MAX_JSON_DEPTH - 1, '[NaN, Infinity, -Infinity, "NaN", "\\u0000Inf x"]')) as unknown[];
  let inner: unknown = v;
  for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) inner = (inner as unknown[])[0];
  assert.deepEqual(inner, [NaN, Infinity, -Infinity, "NaN", "\u0000Inf x"]);
  const o = parsePythonJson(deepObject(MAX_JSON_DEPTH - 1, '{"n": NaN, "toString": "toString"}'));
  let obj = o as Record<string, unknown>;
  for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) obj = obj["a"] as Record<string, unknown>;
  assert.ok(Number.isNaN(obj["n"]));
  assert.equal(obj["toString"], "toString");
  assert.ok(Number.isNaN(parsePythonJson("NaN")));
  assert.equal(parsePythonJson("-Infinity"), -Infinity);
  assert.deepEqual(parsePythonJson(nested(MAX_JSON_DEPTH, "1")), JSON.parse(nested(MAX_JSON_DEPTH, "1")));
});

test("parsePythonJson: invalid JSON is a PROTOCOL error", () => {
  assert.throws(() => parsePythonJson("[1,"), protocolError(/^invalid JSON: /));
  assert.throws(() => parsePythonJson("[NaN,"), protocolError(/^invalid JSON: /));
  assert.throws(() => parsePythonJson("nan"), protocolError(/^invalid JSON: /));
});

test("a call answered with deep JSON rejects with a PROTOCOL error carrying the status and body", async () => {
  for (const inner of ["1", "NaN"]) {
    const body = nested(50_000, inner);
    const echo = httpProxy<{ echo(x: unknown): unknown }>("http.echo", { gateway: "http://gw.invalid/pyro/", fetch: stubFetch(body, JSON_TYPE) });
    await assert.rejects(echo.echo(1), (e) => {
      protocolError(/^gateway answered with invalid JSON: gateway answered with JSON nested deeper than 1000 levels$/)(e);
      assert.equal((e as PyroHttpError).status, 200);
      assert.equal((e as PyroHttpError).body, body);
      return true;
    });
  }
});

test("a stream's lines: deep, invalid or ill-shaped lines reject with PROTOCOL errors; good lines come through", async () => {
  const gen = (lines: string[]) =>
    httpProxy<{ count(n: number): Iterable<unknown> }>("http.echo", { gateway: "http://gw.invalid/pyro/", fetch: stubFetch(lines, NDJSON_TYPE) }).$stream.count(3);
  const collect = async (lines: string[]) => {
    const got: unknown[] = [];
    try {
      for await (const x of gen(lines)) got.push(x);
    } catch (e) {
      return { got, error: e };
    }
    return { got, error: null };
  };
  const ok = await collect(["[0, 1]\n[0, NaN]\n", `[0, ${nested(MAX_JSON_DEPTH - 1, "Infinity")}]\n`]);
  assert.equal(ok.error, null);
  assert.equal(ok.got.length, 3);
  assert.ok(Number.isNaN(ok.got[1]));
  for (const [bad, pattern] of [
    [`[0, ${nested(50_000, "NaN")}]\n`, /^gateway streamed an invalid line: gateway answered with JSON nested deeper than 1000 levels$/],
    [`[0, ${nested(50_000, "2")}]\n`, /nested deeper than 1000 levels/],
    ["[0, 2\n", /^gateway streamed an invalid line: invalid JSON/],
    ["42\n", /not \[0, item\] or \[1, exception\]/],
    ["[7, 1]\n", /not \[0, item\] or \[1, exception\]/],
  ] as const) {
    const r = await collect(["[0, 1]\n", bad, "[0, 3]\n"]);
    assert.deepEqual(r.got, [1]);
    protocolError(pattern)(r.error);
  }
});
