// Our client with `protocol: 5` against real Python Pyro5 (vendored): its echo server (every serializer: values,
// errors, oneway, metadata, batch, streams, timeouts, correlation id, URIs/proxies/errors as values) and its name
// server (PYRONAME lookup, PYROMETA through yplookup). Plus the cross-version refusals: a Pyro4 proxy reaching a
// Pyro5 daemon, and a Pyro5 proxy reaching a Pyro4 daemon, get a ProtocolError naming both versions, quickly.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPython, type PythonServer } from "../helpers/python.js";
import { Proxy, isProxy } from "../../src/client/proxy.js";
import { AttributeError } from "../../src/client/support.js";
import { NamingError, ProtocolError, RemoteError, SecurityError, TimeoutError } from "../../src/errors.js";
import { tuple, isTuple } from "../../src/serializers/values.js";
import { uuidToBytes } from "../../src/protocol/message.js";
import { URI } from "../../src/uri.js";
import dc from "node:diagnostics_channel";
import { frameReceive, type FrameMessage } from "../../src/observe/channels.js";
import { PYRO5_PATH } from "../helpers/pyro5.js";

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;
const VENDOR = PYRO5_PATH;

interface Echo {
  echo<T>(x: T): T;
  error(): never;
  oneway_echo(x: unknown): void;
  oneway_slow(): void;
  slow(): string;
  generator(): AsyncIterable<string>;
  _private(): string;
}

let echo: PythonServer;
let ns: PythonServer;
let nsPort = 0;
before(async () => {
  ns = await startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0"], /NS running on 127\.0\.0\.1:(\d+)/, {
    env: { PYTHONPATH: VENDOR },
  });
  nsPort = Number(ns.ready);
  echo = await startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0", "-n"], /echo uri: (PYRO:\S+)/, {
    env: { PYTHONPATH: VENDOR, PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: String(nsPort) },
  });
});
after(async () => {
  await echo?.stop();
  await ns?.stop();
});

for (const ser of SERIALIZERS) {
  describe(`Pyro5 echo server with ${ser}`, () => {
    let p: Proxy<Echo>;
    before(() => {
      p = new Proxy<Echo>(echo.ready, { serializer: ser, protocol: 5, timeout: 5000 });
    });
    after(async () => {
      await p.$release();
    });

    it("handshakes, takes metadata from CONNECTOK and echoes values", async () => {
      assert.equal(await p.echo("hi ✓"), "hi ✓");
      assert.ok(p.$methods.has("echo"));
      assert.ok(p.$oneways.has("oneway_echo"));
      assert.ok(!p.$methods.has("_private"));
      assert.equal(p.$handshakeResponse, "hello");
      const value = { n: 42, neg: -7, big: 2 ** 40, f: 1.5, s: "text", nested: [1, [2, { k: "v" }]], t: true, none: null };
      assert.deepEqual(await p.echo(value), value);
      const t = await p.echo(tuple(1, "a"));
      if (ser === "serpent" || ser === "marshal") assert.ok(isTuple(t));
      assert.deepEqual([...(t as unknown[])], [1, "a"]);
    });

    it("refuses an unexposed method locally and raises remote errors as RemoteError", async () => {
      await assert.rejects(p._private(), AttributeError);
      await assert.rejects(p.error(), (e: unknown) =>
        e instanceof RemoteError && e.pythonType === "builtins.ValueError" && /generated error/.test(e.message));
      assert.equal(await p.echo("still connected"), "still connected");
    });

    it("sends URIs, Pyro errors and proxies as Pyro5 classes and gets them back", async () => {
      const u = new URI("PYRO:obj@somehost:1234");
      const back = await p.echo(u);
      assert.ok(back instanceof URI, `got ${String(back)}`);
      assert.equal((back as URI).asString(), "PYRO:obj@somehost:1234");
      const err = await p.echo(new NamingError("no such name"));
      assert.ok(err instanceof NamingError, `got ${String(err)}`);
      const inner = new Proxy("PYRO:inner@otherhost:5678", { protocol: 5 });
      const prox = await p.echo(inner);
      assert.ok(isProxy(prox));
      assert.equal((prox as Proxy).$uri.asString(), "PYRO:inner@otherhost:5678");
    });

    it("oneway calls return without waiting (oneway_slow sleeps 5 s on the server)", async () => {
      // ordered, not timed: each oneway call resolves before any frame comes back from the server (a client that
      // waited would first receive the reply), and the connection serves the next call meanwhile
      assert.equal(await p.echo("connected"), "connected"); // the handshake's frames come before the count
      let received = 0;
      const onFrame = (m: unknown) => void ((m as FrameMessage).side === "client" && received++);
      dc.subscribe(frameReceive.name, onFrame);
      try {
        assert.equal(await p.oneway_slow(), undefined);
        assert.equal(received, 0, "oneway_slow resolved without a reply");
        assert.equal(await p.oneway_echo("x"), undefined);
        assert.equal(received, 0, "oneway_echo resolved without a reply");
        assert.equal(await p.echo("after oneway"), "after oneway");
        assert.equal(received, 1, "only the normal call was answered");
      } finally {
        dc.unsubscribe(frameReceive.name, onFrame);
      }
    });

    it("runs a batch", async () => {
      const b = p.$batch();
      const a = b.echo(1);
      void b.echo("two");
      assert.deepEqual(await b.$send(), [1, "two"]);
      assert.equal(await a, 1);
    });

    it("iterates a remote generator (item stream)", async () => {
      const items: string[] = [];
      for await (const s of p.generator()) items.push(s);
      assert.deepEqual(items, ["one", "two", "three"]);
    });

    it("carries the correlation id in the header, and Pyro5 sends it back", async () => {
      const id = "0badc0de-1234-4567-89ab-cdef01234567";
      p.$correlationId = id;
      try {
        assert.equal(await p.echo("corr"), "corr");
        assert.deepEqual(p.$responseAnnotations?.get("CORR"), uuidToBytes(id));
      } finally {
        p.$correlationId = null;
      }
    });
  });
}

describe("Pyro5 timeouts and settings", () => {
  it("times out a slow call with a TimeoutError", async () => {
    // slow() answers after 5 s: a TimeoutError can only come from the 300 ms timeout
    const p = new Proxy<Echo>(echo.ready, { protocol: 5, timeout: 300 });
    try {
      await assert.rejects(p.slow(), TimeoutError);
    } finally {
      await p.$release();
    }
  });

  it("refuses an HMAC key: Pyro5 has no HMAC", () => {
    assert.throws(() => new Proxy(echo.ready, { protocol: 5, hmacKey: "secret" }), (e: unknown) =>
      e instanceof SecurityError && /no HMAC/.test(e.message));
  });
});

describe("Pyro5 name server", () => {
  it("resolves PYRONAME through Pyro5's name server", async () => {
    const p = new Proxy<Echo>(`PYRONAME:test.echoserver@127.0.0.1:${nsPort}`, { protocol: 5 });
    try {
      assert.equal(await p.echo("via ns"), "via ns");
    } finally {
      await p.$release();
    }
  });

  it("lookup returns a URI; register with metadata, then PYROMETA resolves through yplookup", async () => {
    const nsp = new Proxy<any>(`PYRO:Pyro.NameServer@127.0.0.1:${nsPort}`, { protocol: 5 });
    try {
      const uri = await nsp.lookup("test.echoserver");
      assert.ok(uri instanceof URI);
      assert.equal((uri as URI).asString(), echo.ready.replace("localhost", "127.0.0.1"));
      await nsp.register("meta.echo", uri, false, new Set(["tag-from-node"]));
      const yp = (await nsp.yplookup(new Set(["tag-from-node"]), null, false)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(yp), ["meta.echo"]);
      const p = new Proxy<Echo>(`PYROMETA:tag-from-node@127.0.0.1:${nsPort}`, { protocol: 5 });
      try {
        assert.equal(await p.echo("via meta"), "via meta");
      } finally {
        await p.$release();
      }
      await assert.rejects(nsp.lookup("no.such.name"), (e: unknown) => e instanceof NamingError && /unknown name/.test(e.message));
    } finally {
      await nsp.$release();
    }
  });
});

describe("Pyro4 and Pyro5 refuse each other clearly", () => {
  it("a Pyro4 proxy reaching the Pyro5 echo server gets a ProtocolError naming both versions", async () => {
    // a ProtocolError (not a TimeoutError after the generous timeout) is the prompt refusal
    const p = new Proxy<Echo>(echo.ready, { timeout: 60_000 });
    try {
      await assert.rejects(p.echo("x"), (e: unknown) =>
        e instanceof ProtocolError && /protocol 502, that is Pyro5; we speak 48/.test(e.message));
    } finally {
      await p.$release();
    }
  });

  it("a Pyro5 proxy reaching a Pyro4 echo server gets a ProtocolError naming both versions", async () => {
    const p4 = await startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-p", "0"], /echo uri: (PYRO:\S+)/);
    try {
      const p = new Proxy<Echo>(p4.ready, { protocol: 5, timeout: 60_000 });
      try {
        await assert.rejects(p.echo("x"), (e: unknown) =>
          e instanceof ProtocolError && /protocol 48, that is Pyro4; we speak 502, that is Pyro5/.test(e.message));
      } finally {
        await p.$release();
      }
    } finally {
      await p4.stop();
    }
  });
});
