// A proxy that arrives inside a value (here: a Python Pyro4 or Pyro5 method returning a Proxy) gets the limits of a
// `new Proxy(uri)` made without the option (DEFAULT_LIMITS over config MAX_MESSAGE_SIZE), not those of the proxy
// that received it: Python's rule, where such a proxy reads the process's config like every other one
// (docs/security.md#limits). Side by side: Python's client with and without PYRO_MAX_MESSAGE_SIZE, ours with a
// limited receiving proxy, with config MAX_MESSAGE_SIZE set, and with the documented way to limit a received proxy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { Proxy } from "../../src/client/proxy.js";
import { config } from "../../src/config.js";
import { config5 } from "../../src/config5.js";
import { MessageTooLargeError } from "../../src/errors.js";

const LIMIT = 5000;
const N = 20_000;
const servers = new Map<4 | 5, PythonServer>();

before(async () => {
  for (const v of [4, 5] as const) {
    servers.set(v, await startPython(["proxy_in_value.py", "server", String(v)], /^URI: (PYRO:\S+)$/, { env: v === 5 ? PYRO5_ENV : {} }));
  }
});
after(async () => {
  for (const s of servers.values()) await s.stop();
});

/** Python's client: 'ok <length>' or 'refused <class>'. */
async function python(v: 4 | 5, env: Record<string, string>): Promise<string> {
  const out = await runPythonAsync(["proxy_in_value.py", "client", String(v), servers.get(v)!.ready, String(N)], { env: { ...(v === 5 ? PYRO5_ENV : {}), ...env } });
  return out.trim();
}

/** Ours, the same steps: the receiving proxy made with `limits`. */
async function ours(v: 4 | 5, limits?: { maxMessageSize: number }, remake = false): Promise<string> {
  const factory = new Proxy(servers.get(v)!.ready, { protocol: v, ...(limits ? { limits } : {}) });
  let received = (await factory.other()) as Proxy;
  try {
    if (remake) received = new Proxy(received.$uri, { protocol: v, limits: { maxMessageSize: LIMIT } });
    const r = (await received.big(N)) as string;
    return `ok ${r.length}`;
  } catch (e) {
    assert.ok(e instanceof MessageTooLargeError, String(e));
    return "refused";
  } finally {
    await received.$release();
    await factory.$release();
  }
}

for (const v of [4, 5] as const) {
  test(`Pyro${v}: a proxy received inside a reply gets the process's limits, as in Python`, async () => {
    const cfg = v === 5 ? config5 : config;
    // Python: the received proxy follows the process config only
    assert.equal(await python(v, {}), `ok ${N}`);
    assert.match(await python(v, { PYRO_MAX_MESSAGE_SIZE: String(LIMIT) }), /^refused (MessageTooLargeError|ProtocolError)$/);
    // ours: the receiving proxy's own limits do not pass on ...
    assert.equal(await ours(v, { maxMessageSize: LIMIT }), `ok ${N}`);
    // ... config MAX_MESSAGE_SIZE holds for it, as in Python ...
    const saved = cfg.MAX_MESSAGE_SIZE;
    cfg.MAX_MESSAGE_SIZE = LIMIT;
    try {
      assert.equal(await ours(v), "refused");
    } finally {
      cfg.MAX_MESSAGE_SIZE = saved;
    }
    // ... and a proxy made for its URI with limits has them
    assert.equal(await ours(v, undefined, true), "refused");
  });
}
