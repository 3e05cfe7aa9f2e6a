// Values an echo server sends back, compared with Python's: the CONNECTOK metadata (Pyro5: sets, which json and
// msgpack carry as lists; Pyro4: lists) and a proxy passed as an argument and echoed, whose state must come back
// slot for slot (Python keeps the handshake and serializer slots as received, a serializer name it does not know
// included). test/fixtures/echo_state_probe.py decodes both with Python and names every container's type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { cleanEnv, echoserverSetForTests } from "../helpers/echoservers.js";
import { URI } from "../../src/uri.js";

const servers = echoserverSetForTests();

const port = (uri: string) => String(new URI(uri).port);

async function probe(version: 4 | 5, uri: string, serializer: string): Promise<unknown> {
  const out = await runPythonAsync(["echo_state_probe.py", String(version), port(uri), serializer], { env: cleanEnv(version === 5 ? PYRO5_ENV : {}) });
  return JSON.parse(out.trim().split("\n").pop()!);
}

for (const serializer of ["serpent", "marshal", "json", "msgpack"]) {
  test(`Pyro5 (${serializer}): CONNECTOK metadata and an echoed proxy's state decode as Python's daemon sends them`, async () => {
    const [ref, got] = await Promise.all([probe(5, servers.py5, serializer), probe(5, servers.ours5, serializer)]);
    assert.deepEqual(got, ref);
    // the point of the comparison, spelled out: sets where the serializer has them
    const meta = (ref as any).connectok[1].meta[1];
    assert.equal(meta.methods[0], serializer === "serpent" || serializer === "marshal" ? "set" : "list");
  });
}

for (const serializer of ["serpent", "marshal", "json"]) {
  test(`Pyro4 (${serializer}): CONNECTOK metadata (lists) and an echoed proxy's 9-tuple as Python's daemon sends them`, async () => {
    const [ref, got] = await Promise.all([probe(4, servers.py4, serializer), probe(4, servers.ours4, serializer)]);
    assert.deepEqual(got, ref);
    assert.equal((ref as any).connectok[1].meta[1].methods[0], "list");
  });
}
