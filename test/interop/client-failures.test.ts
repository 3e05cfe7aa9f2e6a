// Failure behaviour of the TypeScript client against real Python Pyro4: timeouts, aborts, retries, a server
// killed mid-call and restarted, HMAC problems, serializers the daemon refuses, unknown objects, handshake
// refusals, names the name server does not know, streams that expired. Each failure must give its typed error
// and leave the proxy usable.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import dc from "node:diagnostics_channel";
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
import { clientConnect, frameSend, type ClientConnectMessage, type FrameMessage } from "../../src/observe/channels.js";

/** The methods of test/fixtures/client_server.py these tests call. */
interface Fixture {
  echo<T>(x: T): T;
  slow(seconds: number): string;
  /** Returns "released KEY" once release_latch(KEY) is called. */
  wait_latch(key: string): string;
  release_latch(key: string): void;
  /** How many calls of wait_latch(KEY) have started. */
  latch_entered(key: string): number;
}

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

  // The calls below wait for a latch (client_server.py's wait_latch) that the test releases: a call that ends before
  // its release can only have been ended by the timeout or abort under test, however slow the machine is.
  const control = () => new Proxy<Fixture>(srv.ready);
  const release = async (...keys: string[]) => {
    await using c = control();
    for (const key of keys) await c.release_latch(key);
  };
  /** Resolves once the fixture runs wait_latch(key) (the request reached the method). */
  const entered = async (key: string) => {
    await using c = control();
    while ((await c.latch_entered(key)) === 0) await sleep(20);
  };
  // generous: calls that are not timed out here only need to finish on a loaded machine
  const LONG = 60_000;

  it("times out a running call (TimeoutError) and reconnects for the next call", async () => {
    await using p = new Proxy<Fixture>(srv.ready, { timeout: 200 });
    try {
      await assert.rejects(p.wait_latch("timeout-1"), (e: unknown) => e instanceof TimeoutError && /within 200 ms/.test((e as Error).message));
      assert.equal(await p.$with({ timeout: LONG }).echo(1), 1);
      // a per-call timeout overrides the proxy's: shorter...
      await assert.rejects(p.$with({ timeout: 100 }).wait_latch("timeout-2"), TimeoutError);
      // ...and longer: this call is still running when a later call with the proxy's 200 ms times out
      const long = p.$with({ timeout: LONG }).wait_latch("timeout-3");
      let longSettled = false;
      void long.then(
        () => (longSettled = true),
        () => (longSettled = true),
      );
      await entered("timeout-3");
      await using q = new Proxy<Fixture>(srv.ready, { timeout: 200 });
      await assert.rejects(q.wait_latch("timeout-4"), TimeoutError);
      assert.equal(longSettled, false, "the call with the longer per-call timeout is still waiting");
      await release("timeout-3");
      assert.equal(await long, "released timeout-3");
    } finally {
      await release("timeout-1", "timeout-2", "timeout-3", "timeout-4");
    }
  });

  it("aborts a queued and an in-flight call with an AbortSignal", async () => {
    await using p = new Proxy<Fixture>(srv.ready);
    try {
      const ac = new AbortController();
      const inflight = p.$with({ signal: ac.signal }).wait_latch("abort-1");
      const queued = p.$with({ signal: ac.signal }).echo("never");
      // abort once the in-flight call is running remotely (and the other one is queued behind it)
      await entered("abort-1");
      ac.abort();
      await assert.rejects(inflight, { name: "AbortError" });
      await assert.rejects(queued, { name: "AbortError" });
      assert.equal(await p.echo("after"), "after");
      await assert.rejects(p.$with({ signal: AbortSignal.abort() }).echo(1), { name: "AbortError" });
    } finally {
      await release("abort-1");
    }
  });

  it("retries on timeouts with maxRetries: 1 + maxRetries attempts, then TimeoutError", async () => {
    // an attempt is an INVOKE frame sent (then no reply in time: the method waits for its latch) or a connection
    // attempt that timed out (a loaded machine): counted, not timed
    let invokes = 0;
    let connectTimeouts = 0;
    const onFrame = (m: unknown) => void ((m as FrameMessage).side === "client" && (m as FrameMessage).typeName === "INVOKE" && invokes++);
    const onConnect = (m: unknown) => void ((m as ClientConnectMessage).error instanceof TimeoutError && connectTimeouts++);
    await using p = new Proxy<Fixture>(srv.ready, { timeout: 150, maxRetries: 2 });
    dc.subscribe(frameSend.name, onFrame);
    dc.subscribe(clientConnect.name, onConnect);
    try {
      await assert.rejects(p.wait_latch("retry"), TimeoutError);
    } finally {
      dc.unsubscribe(frameSend.name, onFrame);
      dc.unsubscribe(clientConnect.name, onConnect);
      await release("retry");
    }
    assert.equal(invokes + connectTimeouts, 3, `${invokes} calls and ${connectTimeouts} connection attempts timed out`);
    p.$maxRetries = 0;
    assert.equal(await p.$with({ timeout: LONG }).echo(2), 2);
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
      // killed while the call runs: the method waits for a latch nobody releases
      const callFailed = assert.rejects(p.wait_latch("killed"), ConnectionClosedError);
      {
        await using c = new Proxy<Fixture>(s.ready);
        while ((await c.latch_entered("killed")) === 0) await sleep(20);
      }
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
      await p.$reconnect(600, 100); // up to a minute for Python to start again on a loaded machine
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
