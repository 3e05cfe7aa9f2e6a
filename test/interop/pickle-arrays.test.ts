// array.array through our daemon with pickle: a Python Pyro4 client (as a Pyrolite client would: Java int[],
// double[]... travel as array.array) echoes arrays of every typecode, pickled at protocols 2 (array.array(tc, list))
// and 5 (array._array_reconstructor), and gets each back as the same array.array; our daemon keeps serving after a
// bad array.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync } from "../helpers/python.js";
import { Daemon } from "../../src/server/daemon.js";
import { EchoServer } from "../../src/cli/echoserver.js";

let daemon: Daemon;
before(async () => {
  daemon = await Daemon.create({ host: "127.0.0.1", serializersAccepted: ["serpent", "json", "marshal", "pickle"] });
  const echo = new EchoServer();
  echo._print = () => {};
  daemon.register(echo, "test.echoserver");
});
after(async () => {
  await daemon?.close();
});

const CLIENT = `
import sys, json, array, math
import Pyro4
Pyro4.config.SERIALIZER = 'pickle'
Pyro4.config.PICKLE_PROTOCOL_VERSION = int(sys.argv[2])
VALUES = {
  'b': [-128, 0, 127], 'B': [0, 128, 255], 'h': [-32768, 32767], 'H': [0, 65535], 'i': [-2**31, 2**31-1],
  'I': [0, 2**32-1], 'l': [-2**63, 2**63-1], 'L': [0, 2**64-1], 'q': [-2**63, 2**53+1], 'Q': [2**64-1],
  'f': [1.5, -0.0, float('inf')], 'd': [0.1, -0.0, 1e300, 2.0], 'u': 'a\\u20ac\\U0001F600',
}
p = Pyro4.Proxy(sys.argv[1])
n = 0
bad = []
for tc, vals in VALUES.items():
    for x in (array.array(tc, vals), array.array(tc)):
        y = p.echo(x)
        ok = type(y) is array.array and y.typecode == tc and y == x
        if tc in 'fd' and ok:
            ok = [math.copysign(1, v) for v in y] == [math.copysign(1, v) for v in x]
        if not ok:
            bad.append(repr((x, y)))
        n += 1
# nested, as a Java client sends an Object[] of arrays or a map
nested = {'ints': array.array('i', [1, 2]), 'pair': (array.array('d', [1.0]), [array.array('u', 'x')])}
if p.echo(nested) != nested:
    bad.append('nested')
n += 1
# an array our daemon refuses (an unknown typecode) gives the client an error, and the daemon keeps serving
class Bad:
    def __reduce__(self):
        return (array.array, ('z', []))
try:
    p.echo(Bad())
    bad.append('bad array accepted')
except Exception as e:
    seen = type(e).__name__ + ': ' + str(e)
p._pyroRelease()
if p.echo(array.array('i', [3])) != array.array('i', [3]):
    bad.append('not serving after a bad array')
print(json.dumps({'n': n, 'bad': bad, 'seen': seen}))
`;

for (const protocol of [2, 5]) {
  test(`pickle: a Python Pyro4 client echoes array.array of every typecode through our daemon (protocol ${protocol})`, async () => {
    const out = await runPythonAsync(["-c", CLIENT, daemon.uriFor("test.echoserver").asString(), String(protocol)], { timeoutMs: 60_000 });
    const r = JSON.parse(out.trim().split("\n").pop()!) as { n: number; bad: string[]; seen: string };
    assert.deepEqual(r.bad, []);
    assert.equal(r.n, 13 * 2 + 1);
    assert.match(r.seen, /unsupported typecode/);
  });
}
