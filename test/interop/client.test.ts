// The TypeScript client against real Python Pyro4 daemons (test/fixtures/client_server.py and the built-in
// echo server): calls, values, kwargs, attributes, exceptions with remote tracebacks, oneway, batch, streams,
// async results, correlation ids/annotations and callbacks, for every serializer.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPython, type PythonServer } from "../helpers/python.js";
import { Proxy } from "../../src/client/proxy.js";
import { kwargs } from "../../src/client/support.js";
import { AsyncResult } from "../../src/client/async.js";
import { BatchSkippedError } from "../../src/client/batch.js";
import { RemoteIterator } from "../../src/client/stream.js";
import { AttributeError } from "../../src/client/support.js";
import { NamingError, PyroError, RemoteError, formatRemoteTraceback } from "../../src/errors.js";
import { tuple } from "../../src/serializers/values.js";
import { Daemon } from "../../src/server/daemon.js";

const SERIALIZERS = ["serpent", "json", "marshal", "msgpack", "pickle"] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Thing {
  value: number;
  readonly name: string;
  echo<T>(x: T): T;
  add(a: number, b?: number, c?: number): number;
  kw(...args: unknown[]): [unknown[], Record<string, unknown>];
  slow(seconds: number): string;
  fail(): never;
  fail_naming(): never;
  remember(x: unknown): void;
  remembered(): unknown[];
  /** Returns "released KEY" once release_latch(KEY) is called (client_server.py). */
  wait_latch(key: string): string;
  /** Oneway: remembers x once release_latch(KEY) is called. */
  remember_after_latch(key: string, x: unknown): void;
  release_latch(key: string): void;
  numbers(n: number): Generator<number>;
  forever(): Generator<number>;
  broken(n: number): Generator<number>;
  numbers_list(n: number): number[];
  annotations(): Record<string, string>;
  correlation(): string;
  call_back(proxy: unknown, value: unknown): unknown;
  stream_count(): number;
}

let server: PythonServer;
before(async () => {
  server = await startPython(["client_server.py", "--accept", "serpent,json,marshal,msgpack,pickle"], /^URI (\S+)/);
});
after(async () => {
  await server?.stop();
});

// a budget for what must happen eventually (not a speed): only a broken feature waits this long
async function until(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await sleep(30);
  }
}

for (const ser of SERIALIZERS) {
  describe(`client with ${ser}`, () => {
    let p: Proxy<Thing>;
    before(() => {
      p = new Proxy<Thing>(server.ready, { serializer: ser });
    });
    after(async () => {
      await p.$release();
    });

    it("connects lazily and fills metadata from the handshake", async () => {
      assert.equal(p.$connected, false);
      assert.equal(await p.echo("hi"), "hi");
      assert.equal(p.$connected, true);
      assert.ok(p.$methods.has("echo"));
      assert.ok(p.$oneways.has("remember"));
      assert.deepEqual([...p.$attrs].sort(), ["name", "value"]);
    });

    it("round-trips values", async () => {
      const cases: [string, unknown][] = [
        ["int", 42],
        ["negative", -7],
        ["float", 3.25],
        ["string", "héllo ☃"],
        ["null", null],
        ["bool", true],
        ["list", [1, "a", [2, 3]]],
        ["dict", { a: 1, b: [true, null] }],
        ["empty", []],
      ];
      if (ser !== "json") cases.push(["bigint", 12345678901234567890n]);
      for (const [what, v] of cases) assert.deepEqual(await p.echo(v), v, what);
      const bytes = await p.echo(Buffer.from([0, 1, 2, 255]));
      assert.deepEqual(Buffer.from(bytes as Uint8Array), Buffer.from([0, 1, 2, 255]));
      const t = await p.echo(tuple(1, 2));
      assert.deepEqual([...(t as number[])], [1, 2]);
      if (ser !== "json") {
        // big bytes go out by reference (marshal, msgpack) or as chunked base64 (serpent)
        const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256));
        const other = Buffer.alloc(70_000, 1);
        assert.ok(big.equals(Buffer.from((await p.echo(big)) as Uint8Array)));
        const nested = (await p.echo([big, { k: tuple(other, Buffer.from("small")) }, 7])) as [Uint8Array, { k: Uint8Array[] }, number];
        assert.ok(big.equals(Buffer.from(nested[0])));
        assert.ok(other.equals(Buffer.from(nested[1].k[0]!)));
        assert.equal(Buffer.from(nested[1].k[1]!).toString(), "small");
        assert.equal(nested[2], 7);
      }
    });

    it("passes keyword arguments (kwargs marker and $call)", async () => {
      assert.equal(await p.add(1), 11);
      assert.equal(await p.add(1, kwargs({ c: 5 })), 16);
      assert.equal(await p.$call("add", [1], { b: 2 }), 3);
      assert.deepEqual(await p.kw(1, 2, kwargs({ x: "y" })), [[1, 2], { x: "y" }]);
    });

    it("reads and writes remote attributes", async () => {
      assert.equal(await p.value, 42);
      await p.$set("value", 7);
      assert.equal(await p.value, 7);
      assert.equal(await p.$get("value"), 7);
      await p.$set("value", 42);
      assert.equal(await p.name, "thing");
      await assert.rejects(p.$set("name", "x"), (e: Error) => e instanceof RemoteError && e.pythonName === "AttributeError");
      assert.throws(() => {
        (p as any).value = 1;
      }, /\$set/);
      await assert.rejects(Promise.resolve(p.echo as unknown), (e: Error) => e instanceof AttributeError && /is a method/.test(e.message));
      await assert.rejects(async () => await (p as any).nothing, AttributeError);
      await assert.rejects((p as any).nothing(), /has no exposed attribute or method 'nothing'/);
    });

    it("rejects with remote exceptions carrying type, args, attributes and traceback", async () => {
      await assert.rejects(p.fail(), (e: unknown) => {
        assert.ok(e instanceof RemoteError);
        assert.equal(e.pythonType, "builtins.ValueError");
        assert.deepEqual([...e.args], ["bad value", 42]);
        assert.equal(e.attributes.custom, "hello");
        assert.ok(e.remoteTraceback!.join("").includes("ValueError"));
        assert.ok(formatRemoteTraceback(e).join("").includes("Remote traceback"));
        return true;
      });
      await assert.rejects(p.fail_naming(), (e: unknown) => e instanceof NamingError && e.message === "no such thing" && !!e.remoteTraceback);
      assert.equal(await p.echo(1), 1, "proxy stays usable");
    });

    it("does oneway calls (server-declared and forced) and never loses one on release", async () => {
      // a oneway call resolves without waiting for the method: this one cannot have run yet (it waits for a latch
      // released below), so a client that waited for it would resolve only after the release (or never)
      const key = `oneway-${ser}`;
      assert.equal(await p.remember_after_latch(key, `${ser}-0`), undefined);
      assert.equal(((await p.remembered()) as string[]).includes(`${ser}-0`), false, "resolved before the method ran");
      await p.release_latch(key);
      await until(async () => ((await p.remembered()) as string[]).includes(`${ser}-0`));
      assert.equal(await p.remember(`${ser}-1`), undefined);
      assert.equal(await p.$oneway.echo("ignored"), undefined);
      void p.remember(`${ser}-2`);
      await p.$release();
      await until(async () => {
        const r = (await p.remembered()) as string[];
        return r.includes(`${ser}-1`) && r.includes(`${ser}-2`);
      });
    });

    it("is safe under Promise.all (FIFO queue on one connection)", async () => {
      const n = Array.from({ length: 50 }, (_, i) => i);
      assert.deepEqual(await Promise.all(n.map((i) => p.echo(i))), n);
    });

    it("runs batches: results per call, first error rejects that call and skips the rest", async () => {
      const b = p.$batch();
      const c1 = b.echo(1);
      const c2 = b.add(2, kwargs({ b: 3 }));
      assert.equal(b.$size, 2);
      assert.deepEqual(await b.$send(), [1, 5]);
      assert.equal(await c1, 1);
      assert.equal(await c2, 5);

      const b2 = p.$batch();
      const ok = b2.echo("first");
      const bad = b2.fail();
      const skipped = b2.echo("never");
      if (ser === "marshal") {
        // Python's marshal serializer cannot send the nested _ExceptionWrapper: the whole batch fails remotely
        await assert.rejects(b2.$send(), /unmarshallable object/);
        await assert.rejects(ok, /unmarshallable/);
      } else {
        await assert.rejects(b2.$send(), /bad value/);
        assert.equal(await ok, "first");
        await assert.rejects(bad, (e: unknown) => e instanceof RemoteError && e.pythonName === "ValueError");
        await assert.rejects(skipped, BatchSkippedError);
      }

      // calls nobody awaits: a failing batch must not leave unhandled rejections behind
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on("unhandledRejection", onUnhandled);
      try {
        const b5 = p.$batch();
        void b5.echo(1);
        void b5.fail();
        void b5.echo(2);
        await assert.rejects(b5.$send());
        await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }

      const b3 = p.$batch();
      void b3.remember(`${ser}-batch`);
      assert.equal(await b3.$send({ oneway: true }), undefined);
      await until(async () => ((await p.remembered()) as string[]).includes(`${ser}-batch`));

      const b4 = p.$batch();
      void b4.echo("a");
      void b4.slow(0.1);
      const ar = b4.$send({ asynchronous: true });
      assert.ok(ar instanceof AsyncResult);
      assert.equal(ar.ready, false);
      assert.deepEqual(await ar.value, ["a", "done after 0.1"]);
      assert.equal(ar.ready, true);
    });

    it("streams remote generators and closes them on break", async () => {
      const got: number[] = [];
      for await (const x of p.numbers(5)) got.push(x as number);
      assert.deepEqual(got, [0, 1, 2, 3, 4]);

      const it0 = await p.forever();
      assert.ok(it0 instanceof RemoteIterator);
      const first: number[] = [];
      for await (const x of it0) {
        first.push(x as number);
        if (first.length === 3) break;
      }
      assert.deepEqual(first, [0, 1, 2]);
      assert.equal(it0.done, true);
      await until(async () => (await p.stream_count()) === 0);

      const broken: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const x of p.broken(2)) broken.push(x as number);
        })(),
        /generator broke after 2 items/,
      );
      assert.deepEqual(broken, [0, 1]);

      // a plain list iterates the same way (non-streaming results)
      const list: number[] = [];
      for await (const x of p.numbers_list(3)) list.push(x as number);
      assert.deepEqual(list, [0, 1, 2]);

      {
        await using s = await p.forever();
        assert.deepEqual(await s.next(), { done: false, value: 0 });
      }
      await until(async () => (await p.stream_count()) === 0);
    });

    it("makes asynchronous calls (AsyncResult: ready, wait, value, chain, iferror)", async () => {
      // the remote method waits for a latch this test releases: it is still running until then
      const key = `async-${ser}`;
      const r = p.$async.wait_latch(key);
      assert.ok(r instanceof AsyncResult);
      assert.equal(r.ready, false);
      assert.equal(await r.wait(20), false);
      // the async call runs on its own connection: this call is answered while that one still runs
      assert.equal(await p.echo("meanwhile"), "meanwhile");
      assert.equal(r.ready, false, "the async call is still waiting for its latch");
      await p.release_latch(key);
      assert.equal(await r.wait(), true);
      assert.equal(r.ready, true);
      assert.equal(await r.value, `released ${key}`);

      const chained = p.$async.add(1).chain((v: number, extra: number) => v * extra, 2).chain((v: number) => v + 1);
      assert.equal(await chained, 23);

      let seen: unknown = null;
      const failed = p.$async.fail().iferror((e) => (seen = e));
      await failed.wait();
      assert.ok(seen instanceof RemoteError);
      await assert.rejects(failed.value, /bad value/);
    });

    it("sends correlation ids and annotations", async () => {
      const q = p.$clone();
      const id = "11111111-2222-3333-4444-555555555555";
      q.$correlationId = id;
      q.$annotations = { XTRA: Buffer.from("extra!") };
      assert.equal(await q.correlation(), id);
      const ann = await q.annotations();
      assert.equal(ann.XTRA, "extra!");
      assert.ok(q.$responseAnnotations?.get("CORR"));
      await q.$release();
    });
  });
}

describe("client callbacks through a TypeScript daemon", () => {
  for (const ser of ["serpent", "json", "msgpack", "pickle"] as const) {
    it(`passes a proxy of a TS-registered object to Python, which calls back (${ser})`, async () => {
      const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
      class Callback {
        calls: unknown[] = [];
        callback(v: unknown) {
          this.calls.push(v);
          return ["called back", v];
        }
      }
      const cb = new Callback();
      const uri = daemon.register(cb, "cb", { expose: ["callback"] });
      void daemon.requestLoop();
      try {
        const callbackProxy = new Proxy(uri);
        const p = new Proxy<Thing>(server.ready, { serializer: ser });
        assert.deepEqual(await p.call_back(callbackProxy, 5), ["called back", 5]);
        // the registered object itself travels as a proxy (autoproxy: the daemon hooks every proxy's arguments)
        const q = new Proxy<Thing>(server.ready, { serializer: ser });
        assert.deepEqual(await q.call_back(cb, 6), ["called back", 6]);
        assert.deepEqual(cb.calls, [5, 6]);
        await p.$release();
        await q.$release();
        await callbackProxy.$release();
      } finally {
        await daemon.close();
      }
    });
  }

  it("receives Pyro4 proxies as Proxy objects", async () => {
    const p = new Proxy<Thing>(server.ready);
    const other = new Proxy(server.ready);
    const back = (await p.echo(other)) as Proxy<Thing>;
    assert.ok(back instanceof Proxy);
    assert.notEqual(back, other);
    assert.equal(back.$uri.asString(), server.ready);
    assert.equal(await back.add(2), 12);
    await back.$release();
    await p.$release();
  });
});

describe("echo server (pyro4-test-echoserver)", () => {
  let echo: PythonServer;
  before(async () => {
    echo = await startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1"], /echo uri: (\S+)/);
  });
  after(async () => {
    await echo?.stop();
  });
  it("echoes, raises, streams, handles nan/inf and refuses private names", async () => {
    await using p = new Proxy(echo.ready);
    assert.deepEqual(await p.echo({ x: [1, 2] }), { x: [1, 2] });
    await assert.rejects(p.error(), /expected error from echoserver/);
    const items: string[] = [];
    for await (const s of p.generator()) items.push(s as string);
    assert.deepEqual(items, ["one", "two", "three"]);
    assert.ok(Number.isNaN(await p.nan()));
    assert.equal(await p.inf(), Infinity);
    await assert.rejects(p._private(), /no exposed attribute or method/);
    assert.equal(await p.__dunder__(), "should be allowed (dunder)");
    assert.equal(await p.verbose, false);
    await assert.rejects(p.$call("_private"), AttributeError);
    assert.ok(PyroError);
  });

  it("connects over IPv6 and unix domain sockets, with compression", async () => {
    const sock = `/tmp/pyro4-ts-client-${process.pid}.sock`;
    const v6 = await startPython(["-m", "Pyro4.test.echoserver", "-H", "::1"], /echo uri: (\S+)/);
    const unix = await startPython(["-m", "Pyro4.test.echoserver", "-u", sock], /echo uri: (\S+)/);
    try {
      assert.match(v6.ready, /@\[::1\]:\d+$/);
      await using a = new Proxy(v6.ready);
      assert.equal(await a.echo("over ipv6"), "over ipv6");
      await using b = new Proxy(unix.ready, { compression: true });
      const big = "x".repeat(100_000);
      assert.equal(await b.echo(big), big);
    } finally {
      await v6.stop();
      await unix.stop();
    }
  });
});
