// Client behaviour against a scripted fake daemon (no Python): malformed replies, sequence errors, marshal
// CONNECTFAILs, connections dropped mid-call, the proxy's local surface (not thenable, assignment errors,
// inspect/JSON), proxy state encoding, Future/AsyncResult, and that an idle proxy does not keep Node alive.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { spawn } from "node:child_process";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import { Proxy } from "../../src/client/proxy.js";
import { AsyncResult, CancelledError, Future } from "../../src/client/async.js";
import { InvalidArgumentError, PyroError } from "../../src/errors.js";
import { CallPromise, Kwargs, kwargs, splitArgs } from "../../src/client/support.js";
import { ConnectionClosedError, CommunicationError, ProtocolError, SerializeError } from "../../src/errors.js";
import type { SerializerName } from "../../src/serializers/types.js";
import {
  FLAGS_META_ON_CONNECT,
  MSG_CONNECT,
  MSG_CONNECTFAIL,
  MSG_CONNECTOK,
  MSG_RESULT,
  encodeMessageBuffer,
  type Message,
} from "../../src/protocol/message.js";
import { MessageReader } from "../../src/protocol/reader.js";
import { ReadRelay } from "../../src/transport/relay.js";
import { getSerializer } from "../../src/serializers/index.js";

const serpent = getSerializer("serpent");
const META = { methods: ["echo", "slow"], oneway: [], attrs: ["value"] };

type Behaviour = (msg: Message, sock: Socket, connIndex: number) => void;

async function fakeDaemon(onInvoke: Behaviour): Promise<{ server: Server; uri: string; connections: number }> {
  const state = { server: null as unknown as Server, uri: "", connections: 0 };
  state.server = createServer((sock) => {
    const index = state.connections++;
    const reader = new MessageReader();
    sock.on("error", () => {});
    sock.on("data", (chunk) => {
      for (const msg of reader.push(chunk)) {
        if (msg.type === MSG_CONNECT) {
          const data = serpent.serializeData({ handshake: "hello", meta: META });
          sock.write(encodeMessageBuffer(MSG_CONNECTOK, serpent.id, msg.seq, data, { flags: FLAGS_META_ON_CONNECT }));
        } else onInvoke(msg, sock, index);
      }
    });
  });
  await new Promise<void>((r) => state.server.listen(0, "127.0.0.1", r));
  state.uri = `PYRO:thing@127.0.0.1:${(state.server.address() as { port: number }).port}`;
  return state;
}

function reply(sock: Socket, msg: Message, value: unknown, seq = msg.seq): void {
  const call = serpent.deserializeCall(msg.data);
  void call;
  sock.write(encodeMessageBuffer(MSG_RESULT, serpent.id, seq, serpent.serializeData(value)));
}
function echoValue(msg: Message): unknown {
  return serpent.deserializeCall(msg.data).vargs[0];
}

describe("client against a fake daemon", () => {
  // connections: a reply read whole whose payload does not parse leaves the connection in step, and Python keeps it
  // (test/interop/client-reply-decode.test.ts); every other failure here drops it
  const cases: [string, Behaviour, (e: unknown) => boolean, number?][] = [
    ["garbage instead of a message", (_m, s) => s.write(Buffer.alloc(30, 0x41)), (e) => e instanceof ProtocolError && /not a Pyro message/.test((e as Error).message)],
    ["reply with the wrong sequence number", (m, s) => reply(s, m, 1, m.seq + 5), (e) => e instanceof ProtocolError && /sequence out of sync/.test((e as Error).message)],
    ["reply payload that does not parse", (m, s) => s.write(encodeMessageBuffer(MSG_RESULT, serpent.id, m.seq, Buffer.from("# serpent utf-8 python3.2\n{{{"))), (e) => e instanceof SerializeError, 1],
    ["reply in another serializer", (m, s) => s.write(encodeMessageBuffer(MSG_RESULT, 2, m.seq, Buffer.from("1"))), (e) => e instanceof SerializeError && /invalid serializer in response: 2/.test((e as Error).message)],
    ["connection closed mid-call", (_m, s) => s.destroy(), (e) => e instanceof ConnectionClosedError],
  ];
  for (const [what, bad, check, connections = 2] of cases) {
    it(`${what}: typed error, then the proxy works again`, async () => {
      let misbehaved = false; // once: a kept connection gets a good reply to the next call
      const d = await fakeDaemon((m, s, i) => (i === 0 && !misbehaved ? ((misbehaved = true), bad(m, s, i)) : reply(s, m, echoValue(m))));
      try {
        await using p = new Proxy(d.uri);
        await assert.rejects(p.echo(1), check);
        assert.equal(await p.echo("again"), "again");
        assert.equal(d.connections, connections);
      } finally {
        d.server.close();
      }
    });
  }

  it("decodes a marshal CONNECTFAIL whatever serializer the proxy uses", async () => {
    const server = createServer((sock) => {
      sock.once("data", () => {
        // marshal short ASCII string with the ref flag, as Python's daemon sends "serializer not accepted"
        const text = Buffer.from("message used serializer that is not accepted: 2");
        const data = Buffer.concat([Buffer.from([0xfa, text.length]), text]);
        sock.end(encodeMessageBuffer(MSG_CONNECTFAIL, 3, 0, data));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      await using p = new Proxy(`PYRO:x@127.0.0.1:${port}`, { serializer: "json" });
      await assert.rejects(p.echo(1), (e: unknown) => {
        assert.ok(e instanceof CommunicationError);
        assert.equal(
          (e as Error).message,
          `connection to ('127.0.0.1', ${port}) rejected: message used serializer that is not accepted: 2 (this proxy uses serializer 'json' (id 2); the daemon's SERIALIZERS_ACCEPTED does not include it)`,
        );
        return true;
      });
    } finally {
      server.close();
    }
  });

  it("keeps calls in FIFO order and sends oneway calls without waiting", async () => {
    const seen: unknown[] = [];
    const d = await fakeDaemon((m, s) => {
      const v = echoValue(m);
      seen.push(v);
      if (!(m.flags & 4)) reply(s, m, v);
    });
    try {
      await using p = new Proxy(d.uri);
      const results = await Promise.all([p.echo(1), p.$oneway.echo(2), p.echo(3), p.echo(4)]);
      assert.deepEqual(results, [1, undefined, 3, 4]);
      assert.deepEqual(seen, [1, 2, 3, 4]);
    } finally {
      d.server.close();
    }
  });

  it("keeps each socket's partial replies intact while other sockets reuse the shared read buffer", async () => {
    // every reply goes out in 3 pieces, a tick apart, so two proxies' reads interleave in the one read buffer
    const d = await fakeDaemon((m, s) => {
      const bytes = encodeMessageBuffer(MSG_RESULT, serpent.id, m.seq, serpent.serializeData(echoValue(m)));
      const cut = [0, 7, Math.floor(bytes.length / 2), bytes.length];
      const send = (i: number) => {
        if (i < 3 && !s.destroyed) {
          s.write(bytes.subarray(cut[i], cut[i + 1]));
          setTimeout(() => send(i + 1), 2);
        }
      };
      send(0);
    });
    try {
      await using a = new Proxy(d.uri);
      await using b = new Proxy(d.uri);
      const va = (i: number) => `a${i}-`.repeat(500 + i);
      const vb = (i: number) => ({ b: i, text: `b${i}`.repeat(700) });
      const got = await Promise.all(Array.from({ length: 10 }, (_, i) => Promise.all([a.echo(va(i)), b.echo(vb(i))])));
      got.forEach(([x, y], i) => {
        assert.equal(x, va(i));
        assert.deepEqual(y, vb(i));
      });
    } finally {
      d.server.close();
    }
  });

  it("a call's promise is awaited like a native promise and is still async-iterable", async () => {
    const d = await fakeDaemon((m, s) => reply(s, m, echoValue(m)));
    try {
      await using p = new Proxy(d.uri);
      const call = p.echo([1, 2, 3]);
      assert.ok(call instanceof CallPromise);
      // what lets `await` skip the thenable job: Promise.resolve hands back the very same object
      assert.equal(call.constructor, Promise);
      assert.equal(Promise.resolve(call), call);
      const derived = call.then((v: unknown) => v);
      assert.ok(!(derived instanceof CallPromise));
      assert.deepEqual(await derived, [1, 2, 3]);
      const seen: unknown[] = [];
      for await (const v of p.echo([4, 5])) seen.push(v);
      assert.deepEqual(seen, [4, 5]);
    } finally {
      d.server.close();
    }
  });

  it("does not keep the process alive when idle", async () => {
    const d = await fakeDaemon((m, s) => reply(s, m, echoValue(m)));
    try {
      const proxyModule = fileURLToPath(new URL("../../src/client/proxy.ts", import.meta.url));
      const script = `import { Proxy } from ${JSON.stringify(proxyModule)};
        const p = new Proxy(${JSON.stringify(d.uri)});
        console.log(await p.echo("idle"));`;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (b) => (out += b));
      let err = "";
      child.stderr.on("data", (b) => (err += b));
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
      clearTimeout(timer);
      assert.equal(code, 0, err);
      assert.equal(out.trim(), "idle");
    } finally {
      d.server.close();
    }
  });
});

describe("read relay", () => {
  it("hands reads to the sink in order, copying those that came before it was attached", () => {
    const relay = new ReadRelay();
    const buf = relay.onread.buffer();
    const feed = (text: string) => relay.onread.callback(buf.write(text), buf);
    feed("one");
    feed("two");
    buf.fill(0);
    const seen: string[] = [];
    relay.attach({ onRead: (chunk, n) => seen.push(chunk.toString("latin1", 0, n)), readTarget: () => null, onReadInPlace: () => assert.fail("no target") });
    feed("three");
    assert.deepEqual(seen, ["one", "two", "three"]);
  });

  it("lets the next read go straight into the sink's own buffer when it offers one", () => {
    const relay = new ReadRelay();
    const shared = relay.onread.buffer();
    const body = Buffer.alloc(100);
    let target: Buffer | null = null;
    const seen: string[] = [];
    relay.attach({ onRead: (_c, n) => seen.push(`shared ${n}`), readTarget: () => target, onReadInPlace: (n) => seen.push(`in place ${n}`) });
    target = body.subarray(40);
    const next = relay.onread.buffer();
    assert.equal(next, target);
    relay.onread.callback(60, next);
    target = null;
    assert.equal(relay.onread.buffer(), shared);
    relay.onread.callback(5, shared);
    assert.deepEqual(seen, ["in place 60", "shared 5"]);
  });
});

describe("proxy surface", () => {
  const p = new Proxy("PYRO:obj@127.0.0.1:1");
  it("is neither thenable nor callable, and refuses assignment", async () => {
    assert.equal((p as any).then, undefined);
    assert.equal(await Promise.resolve(p), p);
    assert.equal(typeof p, "object");
    assert.ok(p instanceof Proxy);
    assert.throws(() => {
      (p as any).x = 1;
    }, /use await proxy\.\$set\('x', value\)/);
    assert.equal(JSON.stringify({ p }), '{"p":"PYRO:obj@127.0.0.1:1"}');
    // Python's repr: <Pyro4.core.Proxy at 0x7f...; not connected; for PYRO:...>
    assert.match(inspect(p), /^<Pyro4\.core\.Proxy at 0x[0-9a-f]+; not connected; for PYRO:obj@127\.0\.0\.1:1>$/);
    assert.equal(`${p}`, inspect(p));
    assert.equal(typeof p.anything, "function");
    assert.equal(typeof p.anything.then, "function");
    assert.equal(p.anything, p.anything, "members are cached");
  });

  it("batches record any method, count calls, are not thenable and refuse assignment", async () => {
    const b = p.$batch();
    const other = p.$batch();
    assert.equal(b.$size, 0);
    assert.equal((b as any).then, undefined);
    assert.equal(await Promise.resolve(b), b);
    const first = b.echo(1);
    assert.ok(first instanceof Promise);
    void b.echo(2);
    void b.add(1, kwargs({ b: 2 }));
    assert.equal(b.echo, b.echo, "the recording function is kept");
    assert.equal(b.$size, 3);
    assert.equal(other.$size, 0, "batches do not share calls");
    assert.equal(typeof other.echo, "function");
    assert.equal(other.$size, 0, "reading a member records nothing");
    assert.match(inspect(b), /<Pyro4 batch of 3 calls>/);
    assert.throws(() => ((b as any).x = 1), (e: unknown) => e instanceof InvalidArgumentError && /cannot assign attributes on a batch/.test(e.message));
    // a recorded method and $send are read-only properties: the engine refuses those writes itself (TypeError)
    assert.throws(() => ((b as any).echo = 1), TypeError);
    assert.throws(() => ((b as any).$send = 1), TypeError);
    assert.deepEqual(Object.keys(b), []);
    // no daemon at port 1: the batch and every recorded call fail, and nothing goes unhandled
    await assert.rejects(b.$send(), CommunicationError);
    await assert.rejects(first, CommunicationError);
    assert.equal(b.$size, 0, "a sent batch starts empty again");
  });

  it("has settable control members with Pyro-style aliases", () => {
    const q = new Proxy("PYRO:obj@127.0.0.1:1", { timeout: 1500 });
    assert.equal(q.$timeout, 1500);
    assert.equal(q._pyroTimeout, 1.5);
    q._pyroTimeout = 2;
    assert.equal(q.$timeout, 2000);
    q.$maxRetries = 3;
    assert.equal(q._pyroMaxRetries, 3);
    q.$serializer = "json";
    assert.equal(q.$serializer, "json");
    assert.throws(() => (q.$serializer = "bogus" as SerializerName), SerializeError);
    const c = q.$clone();
    assert.notEqual(c, q);
    assert.equal(c.$timeout, 2000);
    assert.equal(c.$serializer, "json");
  });

  it("travels as a Pyro4.core.Proxy dict and comes back as a Proxy", () => {
    const q = new Proxy("PYRO:obj@127.0.0.1:1", { hmacKey: "k", handshake: { a: 1 } });
    for (const name of ["serpent", "json", "msgpack"]) {
      const s = getSerializer(name);
      const back = s.deserializeData(s.serializeData([q])) as unknown[];
      const r = back[0] as typeof q;
      assert.ok(r instanceof Proxy, name);
      assert.equal(r.$uri.asString(), "PYRO:obj@127.0.0.1:1");
      assert.deepEqual(r.$handshake, { a: 1 });
      assert.deepEqual(Buffer.from(r.$hmacKey as Uint8Array), Buffer.from("k"));
    }
    const text = serpent.serializeData(q).toString();
    assert.match(text, /'__class__':'Pyro4\.core\.Proxy','state':\('PYRO:obj@127\.0\.0\.1:1',\(\),\(\),\(\),0\.0,'b64:aw==',\{'a':1\},0,None\)/);
  });

  it("splits a trailing kwargs marker", () => {
    assert.deepEqual(splitArgs([1, kwargs({ a: 2 })]), [[1], { a: 2 }]);
    assert.deepEqual(splitArgs([1, 2]), [[1, 2], {}]);
    assert.ok(kwargs({}) instanceof Kwargs);
  });
});

describe("Future and AsyncResult", () => {
  it("runs a local function later, with a chain, and reports errors to iferror", async () => {
    const f = new Future((a: number, b: number) => a + b).chain((v: number, m: number) => v * m, 10);
    const r = f.call(1, 2);
    assert.equal(r.ready, false);
    assert.equal(await r, 30);
    assert.equal(r.ready, true);
    assert.equal(r.result, 30);
    let seen: unknown;
    const bad = new Future(() => {
      throw new RangeError("boom");
    }).iferror((e) => (seen = e));
    await assert.rejects(bad.call().value, RangeError);
    assert.ok(seen instanceof RangeError);
  });

  it("delays and cancels", async () => {
    const f = new Future(() => "late");
    assert.equal(f.delay(150), true);
    const t0 = Date.now();
    const r = f.call();
    assert.equal(await r.wait(30), false);
    assert.equal(await r, "late");
    assert.ok(Date.now() - t0 >= 140);
    assert.equal(f.delay(1), false);
    assert.equal(f.cancel(), false);

    const g = new Future(() => "never");
    g.delay(5000);
    const rg = g.call();
    assert.equal(g.cancel(), true);
    await assert.rejects(rg.value, CancelledError);
    // misuse gets a coded error, as docs/client.md promises: a cancelled future cannot be called, an evaluated one not chained
    const h = new Future(() => 1);
    h.cancel();
    assert.throws(() => h.call(), (e: unknown) => e instanceof CancelledError && e.code === "ERR_PYRO4_CANCELLED");
    assert.throws(() => f.chain(() => 0), (e: unknown) => e instanceof PyroError && e.code === "ERR_PYRO4" && /already been evaluated/.test(e.message));
  });

  it("wraps any promise, ignores unobserved failures, and reads synchronously when ready", async () => {
    const ok = new AsyncResult(Promise.resolve(5));
    assert.throws(() => ok.result, (e: unknown) => e instanceof PyroError && /not ready/.test(e.message));
    assert.equal(await ok.wait(), true);
    assert.equal(ok.result, 5);
    const failed = new AsyncResult(Promise.reject(new Error("ignored unless asked")));
    assert.equal(await failed.wait(100), true);
    assert.throws(() => failed.result, /ignored unless asked/);
  });
});
