// Objects the TypeScript daemon serves to the Python client scripts in test/fixtures/daemon_*.py, and a
// helper that starts a daemon with them. Shared by the daemon interop tests.

import { DaemonError, NamingError } from "../../src/errors.js";
import { Daemon, type DaemonOptions } from "../../src/server/daemon.js";
import { behavior, callback, expose, oneway } from "../../src/server/expose.js";
import { currentContext } from "../../src/server/context.js";
import { PythonError } from "../../src/python/exceptions.js";
import { EchoServer } from "../../src/cli/echoserver.js";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

@expose
export class Child {
  constructor(readonly n: number) {}
  hello(): string {
    return `child ${this.n}`;
  }
}

export class Thing {
  daemon: Daemon | null = null;
  last: unknown = null;
  #value: unknown = 42;
  hidden_field = "never remote";

  @expose echo(x: unknown) {
    return x;
  }
  @expose add(a: number, b = 10) {
    return a + b;
  }
  @expose kw(a: unknown, b: unknown = 2, c: unknown = 3) {
    return [a, b, c];
  }
  @expose opts(a: unknown, { x = 1, y = 2 }: { x?: unknown; y?: unknown } = {}) {
    return [a, x, y];
  }
  @expose
  async slow(seconds: number) {
    await sleep(seconds * 1000);
    return `slept ${seconds}`;
  }
  @expose fail(kind: string): never {
    switch (kind) {
      case "value":
        throw new PythonError("ValueError", "bad value", 42);
      case "key":
        throw new PythonError("KeyError", "missing");
      case "type":
        throw new TypeError("js type error");
      case "range":
        throw new RangeError("js range error");
      case "naming":
        throw new NamingError("no such name");
      case "custom": {
        class InventoryError extends Error {
          sku = "A-1";
        }
        throw new InventoryError("out of stock");
      }
      case "string":
        throw "a thrown string";
      default:
        throw new Error("plain error");
    }
  }
  @expose async fail_async(): Promise<never> {
    await sleep(10);
    throw new PythonError("ZeroDivisionError", "division by zero");
  }
  @expose @oneway oneway_set(v: unknown) {
    this.last = v;
  }
  @expose @oneway async oneway_sleep(seconds: number) {
    await sleep(seconds * 1000);
    this.last = "woke";
  }
  @expose get_last() {
    return this.last;
  }
  @expose set_last(v: unknown) {
    this.last = v;
    return v;
  }
  @expose *gen(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }
  @expose async *agen(n: number) {
    for (let i = 0; i < n; i++) {
      await sleep(1);
      yield `item${i}`;
    }
  }
  @expose *numbers() {
    for (let i = 0; ; i++) yield i;
  }
  @expose stream_count() {
    return this.daemon!.streams.size;
  }
  @expose get value() {
    return this.#value;
  }
  set value(v: unknown) {
    this.#value = v;
  }
  @expose get readonly() {
    return "ro";
  }
  hidden() {
    return "not exposed";
  }
  _private() {
    return "private";
  }
  @expose __dunder__() {
    return "dunder ok";
  }
  @expose make_child(n: number) {
    const c = new Child(n);
    this.daemon!.register(c);
    return c;
  }
  @expose context_info() {
    const ctx = currentContext()!;
    ctx.responseAnnotations.set("XTRA", Buffer.from("extra!"));
    return { corr: ctx.correlationId, seq: ctx.seq, client: ctx.clientSockAddr?.address ?? ctx.clientSockAddr?.path ?? null, ann: [...ctx.annotations.keys()] };
  }
  @expose close_daemon() {
    setTimeout(() => void this.daemon!.close(), 50);
    return "closing";
  }
  @expose unknown_error() {
    throw new DaemonError("daemon trouble");
  }
  @expose @callback callback_fail() {
    throw new PythonError("RuntimeError", "callback failed");
  }
}

let counter = 0;
@expose
@behavior("single")
export class SingleThing {
  readonly n = ++counter;
  which() {
    return this.n;
  }
}
@expose
@behavior("session")
export class SessionThing {
  readonly n = ++counter;
  which() {
    return this.n;
  }
}
@expose
@behavior({ instanceMode: "percall" })
export class PercallThing {
  readonly n = ++counter;
  which() {
    return this.n;
  }
}
@expose
@behavior("single", (cls) => {
  const inst = new cls();
  (inst as CreatedThing).label = "made by creator";
  return inst;
})
export class CreatedThing {
  label = "default";
  which() {
    return this.label;
  }
}

/** A daemon on 127.0.0.1 with every test object registered. */
export async function startTestDaemon(options: DaemonOptions = {}): Promise<{ daemon: Daemon; thing: Thing; uri: (id: string) => string }> {
  const daemon = await Daemon.create({
    host: "127.0.0.1",
    serializersAccepted: ["serpent", "json", "marshal", "msgpack"],
    iterStreamLifetime: 3000,
    ...options,
  });
  const thing = new Thing();
  thing.daemon = daemon;
  daemon.register(thing, "thing");
  daemon.register(new EchoServer(), "test.echoserver");
  daemon.register(SingleThing, "single");
  daemon.register(SessionThing, "session");
  daemon.register(PercallThing, "percall");
  daemon.register(CreatedThing, "created");
  return { daemon, thing, uri: (id: string) => daemon.uriFor(id).asString() };
}
