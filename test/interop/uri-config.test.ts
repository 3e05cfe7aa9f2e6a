// URI parsing/formatting and PYRO_* configuration parsing compared with real Python Pyro4 on the same inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { URI } from "../../src/uri.js";
import { Config } from "../../src/config.js";
import { runPython } from "../helpers/python.js";

const uris = [
  "PYRO:obj@localhost:1234", "pyro:obj@host:5555", "PYRO:some.obj.id@127.0.0.1:9999", "PYRO:obj@[::1]:5000",
  "PYRO:obj@[fe80::1%eth0]:5000", "PYRO:obj@./u:/tmp/sock", "PYRO:obj@./u:", "PYRO:obj@./u:a:b", "PYRONAME:my.name",
  "PYRONAME:my.name@nshost", "PYRONAME:my.name@nshost:1234", "PYRONAME:my.name@[::1]", "PYROMETA:a,b", "PYROMETA:x@host:1",
  "PYROMETA:tag1, tag2 ,tag3@h", "PYRO:obj", "PYRO:obj@host", "PYRO:obj@host:abc", "PYRO:obj@host:", "PYROX:obj@h:1",
  "FOO:obj@h:1", "PYRO:@h:1", "PYRO: obj@h:1", "PYRO:obj@[[::1]]:1", "PYRO:obj@[zz]:1", "PYRO:a@b@c:1", "PYRO:obj@host:99999",
  "PYRO:obj@h: 12", "PYRO:obj@h:+12", "", "PYRO:", "PyRoNaMe:x", "PYRO:o@h:0",
];

test("URI parsing and formatting equal Python's for 30+ strings, including the errors", () => {
  const py = JSON.parse(runPython(["uri_config.py", "uris"], { input: JSON.stringify(uris) })) as any[];
  assert.equal(py.length, uris.length);
  assert.ok(py.filter((p) => !p.ok).length >= 8, "the list includes invalid URIs");
  for (let i = 0; i < uris.length; i++) {
    const s = uris[i]!;
    const p = py[i];
    let ours: any;
    try {
      const u = new URI(s);
      const st = u.state() as unknown[];
      if (st[1] instanceof Set) st[1] = [...(st[1] as Set<string>)].sort();
      ours = { ok: true, state: st, str: u.toString(), location: u.location };
    } catch (e: any) {
      // our message is Pyro4's text (kept as pyro4Message for the name server) plus what was given and the forms
      assert.ok(e.message.startsWith(`${e.pyro4Message}: ${JSON.stringify(s)}`) && e.message.includes("accepted forms: PYRO:"), e.message);
      ours = { ok: false, error: `${e.name}: ${e.pyro4Message}` };
    }
    if (p.ok && s.startsWith("PYROMETA")) {
      // Python's set order is hash order; compare as sets and check the tags in str()
      assert.deepEqual(ours.state, p.state, s);
      assert.deepEqual(new Set(ours.str.split("@")[0].slice(9).split(",")), new Set(p.str.split("@")[0].slice(9).split(",")), s);
      continue;
    }
    assert.deepEqual(ours, p, `URI ${JSON.stringify(s)}`);
  }
});

test("URI state round trip and unix sockets", () => {
  const u = new URI("PYRO:obj@./u:/tmp/x.sock");
  assert.equal(u.sockname, "/tmp/x.sock");
  assert.equal(u.host, null);
  assert.equal(URI.fromState(u.state()).toString(), "PYRO:obj@./u:/tmp/x.sock");
  assert.ok(URI.fromState(new URI("PYROMETA:a,b").state()).metadata!.has("b"));
});

const envs: Record<string, string>[] = [
  {},
  { PYRO_HOST: "0.0.0.0", PYRO_NS_PORT: "9999", PYRO_COMMTIMEOUT: "2.5", PYRO_COMPRESSION: "yes" },
  { PYRO_SERIALIZERS_ACCEPTED: "json,msgpack", PYRO_SERIALIZER: "json", PYRO_NATHOST: "example", PYRO_NATPORT: "1" },
  { PYRO_ITER_STREAMING: "off", PYRO_ITER_STREAM_LINGER: "1", PYRO_MAX_MESSAGE_SIZE: "1_000", PYRO_NS_BCHOST: "" },
  { PYRO_DETAILED_TRACEBACK: "TRUE", PYRO_POLLTIMEOUT: "1e3", PYRO_MAX_RETRIES: " 3 ", PYRO_SSL: "0" },
  { PYRO_SSL: "maybe" },
  { PYRO_NS_PORT: "90.5" },
  { PYRO_COMMTIMEOUT: "abc" },
  { PYRO_COMMTIMEOUT: "inf" },
];

test("PYRO_* environment parsing equals Python's (values and refusals)", () => {
  const py = JSON.parse(runPython(["uri_config.py", "config"], { input: JSON.stringify(envs) })) as any[];
  for (let i = 0; i < envs.length; i++) {
    const env = envs[i]!;
    const p = py[i];
    let ours: any;
    try {
      const c = new Config(env);
      const lines = c.dumpItems(env).map((l) =>
        l.startsWith("SERIALIZERS_ACCEPTED") ? "SERIALIZERS_ACCEPTED = [" + [...c.SERIALIZERS_ACCEPTED].sort().map((s) => `'${s}'`).join(", ") + "]" : l,
      );
      ours = { ok: true, lines };
    } catch (e: any) {
      // ConfigValueError travels (and is compared) as the Python class it stands for: builtins.ValueError
      ours = { ok: false, error: String(e.constructor.pythonName ?? e.name).replace(/^builtins\./, "") };
    }
    if (!p.ok) {
      assert.equal(ours.ok, false, `${JSON.stringify(env)} should be refused like Python: ${p.error}`);
      assert.equal(ours.error, p.error.split(":")[0]);
    } else {
      // PICKLE/DILL protocol versions depend on optional Python modules; we never use them.
      const drop = (l: string) => !/^(PICKLE|DILL)_PROTOCOL_VERSION/.test(l);
      assert.deepEqual(ours.lines.filter(drop), p.lines.filter(drop), JSON.stringify(env));
    }
  }
});
