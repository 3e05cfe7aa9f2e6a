// `pyro4 trace` decodes payloads within DEFAULT_LIMITS (src/cli/trace.ts explains why it has no limit options),
// checked on frames Python Pyro4 builds: a payload nested beyond the default maxDepth, or one that decompresses beyond
// the limit describeFrame is given, is reported on its frame's lines (the header still prints, the tool does not fail
// or crash), while one just within the limit decodes completely.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPythonAsync } from "../helpers/python.js";
import { describeFrame, traceMain } from "../../src/cli/trace.js";
import { DEFAULT_LIMITS, resolveLimits } from "../../src/limits.js";

// Python Pyro4 writes the frames: argv[1] the directory. A RESULT holding a list nested N levels (marshal: Python's
// serpent and json encoders stop near depth 1000 themselves), an INVOKE of echo(that list), and a compressed RESULT.
const FRAMES = String.raw`
import sys, os
from Pyro4 import message, util
out = sys.argv[1]
marshal = util.get_serializer("marshal")
def deep(n):
    v = "leaf"
    for _ in range(n):
        v = [v]
    return v
def write(name, msg_type, data, flags=0):
    with open(os.path.join(out, name), "wb") as f:
        f.write(message.Message(msg_type, data, marshal.serializer_id, flags, 1).to_bytes())
for n in (990, 1010):
    write("result-%d" % n, message.MSG_RESULT, marshal.serializeData(deep(n))[0])
    write("invoke-%d" % n, message.MSG_INVOKE, marshal.serializeCall("obj", "echo", (deep(n),), {})[0])
data, compressed = marshal.serializeData("z" * 5000, compress=True)
assert compressed
write("compressed", message.MSG_RESULT, data, message.FLAGS_COMPRESSED)
`;

let dir = "";
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "trace-limits-"));
  await runPythonAsync(["-c", FRAMES, dir]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const depthOf = (line: string) => line.split("[").length - 1;

test("pyro4 trace: payloads nested beyond the default maxDepth are reported, not decoded; within it they decode", async () => {
  for (const kind of ["result", "invoke"]) {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await traceMain([join(dir, `${kind}-990`), join(dir, `${kind}-1010`)], (l) => lines.push(l), (l) => errors.push(l));
    assert.equal(code, 0, "every file is a frame");
    assert.deepEqual(errors, []);
    const text = lines.join("\n");
    const [within, beyond] = text.split(new RegExp(`^.*${kind}-1010: `, "m"));
    // the value inside the limit: whole, as pyFormat shows it up to its own display depth
    assert.match(within!, kind === "result" ? /^ {2}payload: \[\[/m : /^ {2}method: echo$/m, kind);
    assert.doesNotMatch(within!, /does not deserialize/, kind);
    assert.ok(lines.some((l) => depthOf(l) > 10), kind);
    // the value beyond it: the header, then the decoder's refusal and a hex preview
    assert.match(beyond!, new RegExp(`^${kind === "result" ? "RESULT" : "INVOKE"} seq=1 .*serializer=marshal`), kind);
    assert.match(beyond!, /^ {2}payload does not deserialize with marshal: data nested deeper than the limit of 1000 levels$/m, kind);
    assert.match(beyond!, /^ {2}payload: [0-9a-f]{2} /m, kind);
  }
});

test("pyro4 trace: a compressed payload decompresses within maxInflatedSize, and beyond it is reported", () => {
  const bytes = readFileSync(join(dir, "compressed"));
  const full = describeFrame(bytes);
  assert.ok(full.includes("  (payload zlib-compressed, 5005 bytes uncompressed)"), full.join("\n"));
  assert.match(full.at(-1)!, /^ {2}payload: 'z{4000}'\.\.\. \(5000 characters\)$/);
  assert.deepEqual(describeFrame(bytes, 512, DEFAULT_LIMITS), full, "DEFAULT_LIMITS is the default");
  const capped = describeFrame(bytes, 16, resolveLimits({ maxInflatedSize: 1000 }));
  assert.equal(capped[0], full[0], "the header still prints");
  assert.deepEqual(capped.slice(1), [
    "  payload does not decompress: more than the limit of 1000 bytes uncompressed (maxInflatedSize)",
    `  payload: ${bytes.subarray(24, 40).toString("hex").replace(/(..)/g, "$1 ").trim()} ... (${bytes.length - 24} bytes)`,
  ]);
});
