// Failure behaviour of the TypeScript client against real Python Pyro4: timeouts, aborts, retries, a server
// killed mid-call and restarted, HMAC problems, serializers the daemon refuses, unknown objects, handshake
// refusals, names the name server does not know, streams that expired. Each failure must give its typed error
// and leave the proxy usable.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { startPython, type PythonServer } from "../helpers/python.js";
import { Proxy } from "../../src/client/proxy.js";
import { resolve } from "../../src/client/resolve.js";
import {
  CommunicationError,
  ConnectionClosedError,
  NamingError,
  PyroError,
  ProtocolError,
  SecurityError,
  SerializeError,
  TimeoutError,
} from "../../src/errors.js";
import { URI } from "../../src/uri.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function fixture(args: string[] = [], env: Record<string, string> = {}): Promise<PythonServer> {
  return startPython(["client_server.py", ...args], /^URI (\S+)/, { env });
}

describe("client failures", () => {
  let srv: PythonServer;
  before(async () => {
    srv = await fixture();
  });
  after(async () => {
    await srv?.stop();
  });

  it("times out a slow call (TimeoutError) and reconnects for the next call", async () => {
    await using p = new Proxy(srv.ready, { timeout: 200 });
    const t0 = Date.now();
    await assert.rejects(p.slow(2), (e: unknown) => e instanceof TimeoutError && /within 200 ms/.test((e as Error).message));
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(await p.echo(1), 1);
    // per-call timeout overrides the proxy's
    await assert.rejects(p.$with({ timeout: 100 }).slow(1), TimeoutError);
    assert.equal(await p.$with({ timeout: 5000 }).slow(0.2), "done after 0.2");
  });

  it("aborts a queued and an in-flight call with an AbortSignal", async () => {
    await using p = new Proxy(srv.ready);
    const ac = new AbortController();
    const inflight = p.$with({ signal: ac.signal }).slow(2);
    const queued = p.$with({ signal: ac.signal }).echo("never");
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(inflight, { name: "AbortError" });
    await assert.rejects(queued, { name: "AbortError" });
    assert.equal(await p.echo("after"), "after");
    await assert.rejects(p.$with({ signal: AbortSignal.abort() }).echo(1), { name: "AbortError" });
  });

  it("retries on timeouts with maxRetries", async () => {
    await using p = new Proxy(srv.ready, { timeout: 150, maxRetries: 2 });
    const t0 = Date.now();
    await assert.rejects(p.slow(1), TimeoutError);
    assert.ok(Date.now() - t0 >= 400, "three attempts of 150 ms");
    p.$maxRetries = 0;
    assert.equal(await p.echo(2), 2);
  });

  it("reports connection failures as `cannot connect to ('host', port): ...`", async () => {
    const port = await freePort();
    await using p = new Proxy(`PYRO:thing@127.0.0.1:${port}`);
    await assert.rejects(p.echo(1), (e: unknown) => {
      assert.ok(e instanceof CommunicationError);
      assert.match((e as Error).message, new RegExp(`^cannot connect to \\('127\\.0\\.0\\.1', ${port}\\): .*ECONNREFUSED`));
      return true;
    });
  });

  it("rejects unknown objects clearly", async () => {
    const uri = new URI(srv.ready);
    await using p = new Proxy(`PYRO:nothing@${uri.location}`);
    await assert.rejects(p.echo(1), (e: unknown) => e instanceof CommunicationError && /rejected: unknown object \(no object 'nothing'/.test((e as Error).message));
  });

  it("refuses unknown serializers and explains serializers the daemon does not accept", async () => {
    assert.throws(() => new Proxy(srv.ready, { serializer: "nope" as never }), SerializeError);
    assert.throws(() => new Proxy(srv.ready, { serializer: "dill" as never }), /not supported/);
    const strict = await fixture(["--accept", "serpent"]);
    try {
      await using p = new Proxy(strict.ready, { serializer: "msgpack" });
      // CONNECTFAIL arrives marshal-encoded whatever serializer we used
      await assert.rejects(p.echo(1), (e: unknown) => {
        assert.ok(e instanceof CommunicationError);
        assert.match((e as Error).message, /rejected: message used serializer that is not accepted: 6 \(this proxy uses serializer 'msgpack'/);
        return true;
      });
      p.$serializer = "serpent";
      assert.equal(await p.echo("fine"), "fine");
    } finally {
      await strict.stop();
    }
  });

  it("reports HMAC problems as SecurityError and works once the key is right", async () => {
    const keyed = await fixture(["--hmac", "secret"]);
    try {
      await using p = new Proxy(keyed.ready, { hmacKey: "wrong" });
      await assert.rejects(p.echo(1), (e: unknown) => e instanceof SecurityError && /hmac mismatch.*differs/.test((e as Error).message));
      p.$hmacKey = null;
      await assert.rejects(p.echo(1), (e: unknown) => e instanceof SecurityError && /not symmetric/.test((e as Error).message));
      p.$hmacKey = "secret";
      assert.equal(await p.echo("signed"), "signed");
      // the key travels with a proxy passed by value
      const state = p.$state();
      assert.equal(state[5], "b64:" + Buffer.from("secret").toString("base64"));
    } finally {
      await keyed.stop();
    }
  });

  it("sends custom handshake data and validates the response", async () => {
    const hs = await fixture(["--handshake"]);
    try {
      await using p = new Proxy(hs.ready);
      await assert.rejects(p.echo(1), (e: unknown) => e instanceof CommunicationError && /rejected: handshake refused: 'hello'/.test((e as Error).message));
      p.$handshake = { token: "secret" };
      assert.equal(await p.echo(1), 1);
      assert.deepEqual(p.$handshakeResponse, { welcome: { token: "secret" } });
      await p.$release();
      let seen: unknown = null;
      await using q = new Proxy(hs.ready, {
        handshake: "let me in",
        validateHandshake: (r) => {
          seen = r;
          if ((r as { welcome?: unknown }).welcome !== "let me in") throw new Error("bad daemon");
        },
      });
      assert.equal(await q.echo(2), 2);
      assert.deepEqual(seen, { welcome: "let me in" });
      await using r = new Proxy(hs.ready, {
        handshake: "let me in",
        validateHandshake: () => {
          throw new Error("I do not trust this daemon");
        },
      });
      await assert.rejects(r.echo(3), /cannot connect to .*I do not trust this daemon/);
    } finally {
      await hs.stop();
    }
  });

  it("survives a server killed mid-call and a restart on the same port ($reconnect too)", async () => {
    const port = await freePort();
    let s = await fixture(["--port", String(port)]);
    try {
      const p = new Proxy(s.ready);
      const pid1 = await p.pid();
      const callFailed = assert.rejects(p.slow(5), ConnectionClosedError);
      await sleep(200);
      await s.kill("SIGKILL");
      await callFailed;
      await assert.rejects(p.echo(1), (e: unknown) => e instanceof CommunicationError && /cannot connect/.test((e as Error).message));
      s = await fixture(["--port", String(port)]);
      const pid2 = await p.pid();
      assert.notEqual(pid1, pid2);
      assert.equal(await p.echo("back"), "back");

      // $reconnect waits for the server to come back
      await s.kill("SIGKILL");
      const restarting = sleep(300).then(async () => (s = await fixture(["--port", String(port)])));
      await p.$reconnect(50, 100);
      await restarting;
      assert.equal(await p.echo("reconnected"), "reconnected");
      await p.$release();
    } finally {
      await s.stop();
    }
  });

  it("reports the non-streaming server and expired streams clearly", async () => {
    const nostream = await fixture(["--nostreaming"]);
    const linger0 = await fixture(["--linger", "0"]);
    try {
      await using p = new Proxy(nostream.ready);
      await assert.rejects(p.numbers(3), (e: unknown) => e instanceof ProtocolError && /not configured to allow streaming/.test((e as Error).message));
      assert.equal(await p.echo(1), 1);

      await using q = new Proxy(linger0.ready);
      const it0 = await q.forever();
      assert.deepEqual(await it0.next(), { done: false, value: 0 });
      await q.$release();
      await assert.rejects(it0.next(), (e: unknown) => e instanceof ConnectionClosedError && /stream result has been closed/.test((e as Error).message));
      await q.$bind();
      await assert.rejects(it0.next(), (e: unknown) => e instanceof PyroError && /item stream terminated/.test((e as Error).message) && /LINGER/.test((e as Error).message));
      assert.equal(await q.echo(2), 2);
    } finally {
      await nostream.stop();
      await linger0.stop();
    }
  });
});

describe("client with a name server (pyro4-ns)", () => {
  let ns: PythonServer;
  let thing: PythonServer;
  let nsLoc: string;
  before(async () => {
    ns = await startPython(["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0"], /URI = (\S+)/);
    nsLoc = new URI(ns.ready).location!;
    thing = await fixture(["--ns", nsLoc]);
  });
  after(async () => {
    await thing?.stop();
    await ns?.stop();
  });

  it("resolves PYRONAME and PYROMETA URIs, and $bind replaces the URI", async () => {
    await using p = new Proxy(`PYRONAME:test.thing@${nsLoc}`);
    assert.equal(await p.echo("named"), "named");
    assert.equal(p.$uri.protocol, "PYRONAME");
    assert.equal(p.$connectedUri!.asString(), thing.ready);
    await p.$release();
    assert.equal(await p.$bind(), true);
    assert.equal(p.$uri.asString(), thing.ready);
    assert.equal(await p.$bind(), false);

    await using m = new Proxy(`PYROMETA:class:thing,fixture@${nsLoc}`);
    assert.equal(await m.add(1), 11);
    assert.equal((await resolve(`PYROMETA:fixture@${nsLoc}`)).asString(), thing.ready);
  });

  it("lists and looks up through a Proxy for Pyro.NameServer with kwargs", async () => {
    await using nsp = new Proxy(ns.ready);
    const { kwargs } = await import("../../src/client/support.js");
    const all = (await nsp.list(kwargs({ prefix: "test." }))) as Record<string, string>;
    assert.equal(all["test.thing"], thing.ready);
    const found = await nsp.lookup("test.thing");
    assert.ok(found instanceof URI);
  });

  it("gives NamingError for unknown names and metadata, and stays usable", async () => {
    await using p = new Proxy(`PYRONAME:does.not.exist@${nsLoc}`);
    await assert.rejects(p.echo(1), (e: unknown) => e instanceof NamingError && /unknown name: does.not.exist/.test((e as Error).message));
    await using m = new Proxy(`PYROMETA:no-such-tag@${nsLoc}`);
    await assert.rejects(m.echo(1), (e: unknown) => e instanceof NamingError && /no registrations available with desired metadata properties \{'no-such-tag'\}/.test((e as Error).message));
    await using ok = new Proxy(`PYRONAME:test.thing@${nsLoc}`);
    assert.equal(await ok.echo(1), 1);
  });

  it("re-resolves the name after the server moved", async () => {
    await using p = new Proxy(`PYRONAME:test.moving@${nsLoc}`);
    const a = await fixture(["--ns", nsLoc, "--name", "test.moving"]);
    const pidA = await p.pid();
    await p.$release();
    await a.stop();
    const b = await fixture(["--ns", nsLoc, "--name", "test.moving"]);
    try {
      const pidB = await p.pid();
      assert.notEqual(pidA, pidB);
    } finally {
      await b.stop();
    }
  });
});
