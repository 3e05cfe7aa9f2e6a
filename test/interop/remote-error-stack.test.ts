// A remote error reads well where users see it: its stack starts at the caller's own line (captured when the
// call was made, not the socket handler that decoded the reply) and carries the Python traceback as one block,
// so console.error / util.inspect print both; the error is a PyroError with a code. Against a real Python daemon.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { startPython, type PythonServer } from "../helpers/python.js";
import { Proxy } from "../../src/client/proxy.js";
import { AttributeError, NamingError, PyroError, RemoteError, formatRemoteTraceback } from "../../src/errors.js";

interface Thing {
  fail(): never;
  fail_naming(): never;
  echo<T>(x: T): T;
}

let server: PythonServer;
let p: Proxy<Thing>;
before(async () => {
  server = await startPython(["client_server.py"], /^URI (\S+)/);
  p = new Proxy<Thing>(server.ready, { timeout: 10_000, captureCallSite: true });
});
after(async () => {
  await p?.$release();
  await server?.stop();
});

async function callerOwnFunction(): Promise<unknown> {
  try {
    await p.fail();
  } catch (e) {
    return e;
  }
  throw new Error("p.fail() did not reject");
}

test("a Python exception's stack shows the calling line, then the remote traceback as one block", async () => {
  const e = await callerOwnFunction();
  assert.ok(e instanceof RemoteError);
  assert.ok(e instanceof PyroError, "RemoteError is a PyroError");
  assert.equal(e.code, "ERR_PYRO4_REMOTE");
  const stack = e.stack!;
  const lines = stack.split("\n");
  assert.equal(lines[0], "ValueError: ('bad value', 42)");
  const own = lines.findIndex((l) => /at callerOwnFunction .*remote-error-stack\.test\.ts:\d+:\d+/.test(l));
  assert.ok(own > 0, `the caller's frame is in the stack:\n${stack}`);
  assert.ok(!lines.slice(0, own).some((l) => /client\/connection|protocol\/reader|node:net|emit/.test(l)), `no socket frames before the caller:\n${stack}`);
  const remoteAt = lines.indexOf("    Remote traceback (Pyro):");
  assert.ok(remoteAt > own, `remote traceback after the local frames:\n${stack}`);
  const remote = lines.slice(remoteAt + 1);
  assert.match(remote[0]!, /^ {4}\| Traceback \(most recent call last\):$/);
  assert.ok(remote.some((l) => /^ {4}\|\s+File ".*client_server\.py", line \d+, in fail$/.test(l)), stack);
  assert.match(remote.at(-1)!, /^ {4}\| ValueError: \('bad value', 42\)$/);
  // the lines stay available as Pyro4's list, but are not printed twice by inspect
  assert.ok(e.remoteTraceback!.join("").includes("ValueError"));
  const shown = inspect(e);
  assert.equal(shown.split("Traceback (most recent call last)").length, 2, shown);
  assert.match(shown, /code: 'ERR_PYRO4_REMOTE'/);
  assert.match(shown, /custom: 'hello'/);
  assert.doesNotMatch(shown, /_pyroTraceback/);
  // Pyro4-style framing still works and does not repeat the block either
  const framed = formatRemoteTraceback(e).join("");
  assert.equal(framed.split("Traceback (most recent call last)").length, 2, framed);
  assert.match(framed, /This exception occured remotely/);
});

test("a Pyro error raised by Python gets the caller's line too, and the proxy stays usable", async () => {
  let err: unknown;
  try {
    await p.fail_naming();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof NamingError);
  assert.equal(err.code, "ERR_PYRO4_NAMING");
  assert.match(err.stack!, /^NamingError: no such thing\n/);
  assert.match(err.stack!, /remote-error-stack\.test\.ts:\d+:\d+/);
  assert.match(err.stack!, /\| Pyro4\.errors\.NamingError: no such thing/);
  assert.equal(await p.echo(5), 5);
});

test("calling a method the Python object does not expose names the object and lists what it exposes", async () => {
  let err: unknown;
  try {
    await (p as unknown as { nothing(): Promise<unknown> }).nothing();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof AttributeError);
  assert.equal(err.code, "ERR_PYRO4_ATTRIBUTE");
  const m = /^remote object '(PYRO:[^']+)' has no exposed attribute or method 'nothing' \(exposed: (.*)\)$/.exec(err.message);
  assert.ok(m, err.message);
  assert.equal(m[1], server.ready);
  const names = m[2]!.split(", ");
  for (const n of ["echo()", "fail()", "fail_naming()", "value", "name"]) assert.ok(names.includes(n), `${n} in ${m[2]}`);
  assert.ok(!names.includes("nothing()") && !names.includes("_private()"));
});

test("by default (captureCallSite off: it doubled a call's client CPU time) the stack starts where the reply was decoded", async () => {
  const q = new Proxy<Thing>(server.ready, { timeout: 10_000 });
  try {
    const e = await callerOwnFunctionWith(q);
    assert.ok(e instanceof RemoteError);
    assert.doesNotMatch(e.stack!, /at callerOwnFunctionWith/);
    assert.match(e.stack!, /^ValueError: \('bad value', 42\)\n/);
    assert.match(e.stack!, /\n {4}Remote traceback \(Pyro\):\n {4}\| Traceback \(most recent call last\):/);
  } finally {
    await q.$release();
  }
});

async function callerOwnFunctionWith(q: Proxy<Thing>): Promise<unknown> {
  try {
    await q.fail();
  } catch (e) {
    return e;
  }
  throw new Error("q.fail() did not reject");
}
