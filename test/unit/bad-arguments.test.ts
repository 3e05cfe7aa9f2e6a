// Bad local arguments and bad PYRO_* environment values: typed errors at the call (never an unhandled rejection
// that kills the process), `import` that never throws, and `pyro4` commands that report one line and exit
// non-zero instead of printing a Node stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Daemon } from "../../src/server/daemon.js";
import { startNameServer } from "../../src/naming/server.js";
import { locateNS } from "../../src/naming/locate.js";
import { Proxy } from "../../src/client/proxy.js";
import { CommunicationError, NamingError } from "../../src/errors.js";
import { Config } from "../../src/config.js";
import { ConfigValueError, InvalidArgumentError, PyroError } from "../../src/errors.js";
import { expose } from "../../src/server/expose.js";
import { URI } from "../../src/uri.js";
import { PyDate, TimeDelta } from "../../src/python/temporal.js";
import { Range, UUID, frozenset } from "../../src/python/types.js";
import { wrap } from "../../src/python/textwrap.js";
import { startPruner } from "../../src/naming/prune.js";
import { httpProxy, PyroHttpError } from "../../src/http/client.js";
import { runPythonAsync } from "../helpers/python.js";

interface Run {
  code: number | null;
  out: string;
  err: string;
}
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      env: { ...process.env, PYRO_NS_PORT: "1", PYRO_NS_BCPORT: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function assertOneLine(text: string, pattern: RegExp): void {
  const lines = text.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, text);
  assert.doesNotMatch(text, /^\s+at /m, text);
  assert.match(lines[0]!, pattern);
}

test("Daemon.create / startNameServer with impossible ports or hosts reject with CommunicationError", { timeout: 60_000 }, async () => {
  let unhandled: unknown = null;
  const onUnhandled = (e: unknown) => (unhandled = e);
  process.on("unhandledRejection", onUnhandled);
  try {
    for (const port of [99999, -1, 1.5, Number.NaN]) {
      await assert.rejects(Daemon.create({ host: "127.0.0.1", port }), (e: Error) => {
        assert.ok(e instanceof CommunicationError, String(e));
        assert.equal((e as CommunicationError).code, "ERR_PYRO4_COMMUNICATION");
        assert.match(e.message, /^cannot listen on \('127\.0\.0\.1', .+\): port must be an integer from 0 to 65535$/);
        return true;
      });
    }
    await assert.rejects(Daemon.create({ host: "no.such.host.invalid" }), CommunicationError);
    await assert.rejects(Daemon.create({ unixsocket: "/nonexistent-dir/x/sock" }), CommunicationError);
    await assert.rejects(startNameServer({ host: "127.0.0.1", port: 99999, enableBroadcast: false }), CommunicationError);
    await assert.rejects(locateNS("127.0.0.1", 99999), NamingError);
    const p = new Proxy("PYRO:x@127.0.0.1:99999");
    await assert.rejects(p.$call("x"), CommunicationError);
    await p.$release();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(unhandled, null);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("CLI: ns / echoserver with -p 99999 print one error line on stderr and exit 1", { timeout: 60_000 }, async () => {
  const [ns, echo, entry] = await Promise.all([
    run(["src/cli/main.ts", "ns", "-n", "127.0.0.1", "-p", "99999"]),
    run(["src/cli/main.ts", "echoserver", "-H", "127.0.0.1", "-p", "99999"]),
    run(["test/helpers/echoserver-entry.ts", "-H", "127.0.0.1", "-p", "99999"]),
  ]);
  assert.equal(ns.code, 1);
  assertOneLine(ns.err, /^pyro4 ns: error: cannot listen on \('127\.0\.0\.1', 99999\): port must be an integer from 0 to 65535$/);
  assert.equal(echo.code, 1);
  assertOneLine(echo.err, /^error: cannot listen on .*port must be an integer/);
  assert.equal(entry.code, 1);
  assertOneLine(entry.err, /^error: cannot listen on/);
});

test("CLI: nsc that cannot reach a name server prints one Error line and exits 1", { timeout: 60_000 }, async () => {
  const r = await run(["src/cli/main.ts", "nsc", "-n", "127.0.0.1", "-p", "99999", "list"]);
  assert.equal(r.code, 1);
  assertOneLine(r.out, /^Error: Failed to locate the nameserver; tried: .*99999/);
  assert.equal(r.err, "");
});

test("CLI: a bad PYRO_* value is one line naming the variable, from check-config and from ns", { timeout: 60_000 }, async () => {
  const [cc, two, ns] = await Promise.all([
    run(["src/cli/main.ts", "check-config"], { PYRO_NS_PORT: "abc" }),
    run(["src/cli/main.ts", "check-config"], { PYRO_COMMTIMEOUT: "xyz", PYRO_SSL: "maybe" }),
    run(["src/cli/main.ts", "ns", "-n", "127.0.0.1"], { PYRO_NS_PORT: "abc" }),
  ]);
  assert.equal(cc.code, 1);
  assertOneLine(cc.err, /^error: invalid literal for int\(\) with base 10: 'abc' \(PYRO_NS_PORT\)$/);
  assert.equal(two.code, 1);
  assert.deepEqual(two.err.trim().split("\n").sort(), [
    "error: could not convert string to float: 'xyz' (PYRO_COMMTIMEOUT)",
    "error: invalid boolean value: PYRO_SSL=maybe",
  ]);
  assert.equal(ns.code, 1);
  assertOneLine(ns.err, /^pyro4 ns: error: invalid literal for int\(\) with base 10: 'abc' \(PYRO_NS_PORT\)$/);
});

test("importing the package with bad PYRO_* values does not throw; using the setting does, typed", { timeout: 60_000 }, async () => {
  const script = `
    const m = await import("./src/index.ts");
    const out = { imported: true, problems: m.config.problems().map((p) => p.variable).sort() };
    for (const name of ["NS_PORT", "COMMTIMEOUT", "SSL"]) {
      try { m.config[name]; out[name] = "no error"; } catch (e) { out[name] = [e.name, e.code, e instanceof m.errors.ConfigValueError]; }
    }
    out.HOST = m.config.HOST;
    m.config.NS_PORT = 9999; // assigning repairs the setting
    out.repaired = [m.config.NS_PORT, m.config.problems().length];
    console.log(JSON.stringify(out));
  `;
  const r = await run(["--input-type=module", "-e", script], { PYRO_NS_PORT: "abc", PYRO_COMMTIMEOUT: "xyz", PYRO_SSL: "maybe", PYRO_HOST: "h1" });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), {
    imported: true,
    problems: ["PYRO_COMMTIMEOUT", "PYRO_NS_PORT", "PYRO_SSL"],
    NS_PORT: ["ConfigValueError", "ERR_PYRO4_CONFIG_VALUE", true],
    COMMTIMEOUT: ["ConfigValueError", "ERR_PYRO4_CONFIG_VALUE", true],
    SSL: ["ConfigValueError", "ERR_PYRO4_CONFIG_VALUE", true],
    HOST: "h1",
    repaired: [9999, 2],
  });
});

test("Config: names are looked up as own settings only", { timeout: 60_000 }, () => {
  const c = new Config({ PYRO_NS_PORT: "12", constructor: "x", PYRO_constructor: "y" } as NodeJS.ProcessEnv);
  assert.equal(c.get("NS_PORT"), 12);
  for (const n of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "reset"]) assert.equal(c.get(n), undefined, n);
  assert.throws(() => new Config({ PYRO_NS_PORT: "abc" }).NS_PORT, ConfigValueError);
});

/** Assert `fn` throws InvalidArgumentError with its code and a message matching `message`. */
function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `${String(e)} is an InvalidArgumentError`);
    assert.ok(e instanceof PyroError);
    assert.equal(e.code, "ERR_PYRO4_INVALID_ARG");
    assert.match(e.message, message);
    return true;
  });
}

test("bad arguments throw InvalidArgumentError (ERR_PYRO4_INVALID_ARG), not a bare TypeError/RangeError", () => {
  assertInvalid(() => new URI(5 as unknown as string), /^uri parameter object is of wrong type$/);
  assertInvalid(() => new PyDate(2020, 13, 1), /^month must be an integer in 1\.\.12, got 13$/);
  assertInvalid(() => new TimeDelta(1e10), /^timedelta days out of range/);
  assertInvalid(() => new Range(0, 10, 0), /^range\(\) arg 3 must not be zero$/);
  assertInvalid(() => new UUID("xyz"), /^badly formed hexadecimal UUID string/);
  assertInvalid(() => (frozenset(1) as unknown as Set<number>).add(2), /^a frozenset cannot be changed \(add\)$/);
  assertInvalid(() => wrap("text", 0), /^invalid width 0/);
  assertInvalid(() => expose("_private" as never), /^@expose was called with arguments no decorator implementation passes \(string\)/);
  assertInvalid(() => startPruner({} as never, { interval: 0 } as never), /prune interval must be a positive number/);
  const p = new Proxy("PYRO:x@127.0.0.1:1");
  assertInvalid(() => ((p as unknown as Record<string, unknown>).value = 1), /^cannot assign remote attribute 'value'/);
  assertInvalid(() => delete (p as unknown as Record<string, unknown>).value, /^cannot delete properties/);
});

test("pyro4/http: a bad argument is a PyroHttpError of kind ARGUMENT, code ERR_PYRO4_HTTP_INVALID_ARG", async () => {
  assert.throws(() => httpProxy("x", {} as never), (e: unknown) => {
    assert.ok(e instanceof PyroHttpError);
    assert.ok(e instanceof PyroError, "branded: instanceof PyroError");
    assert.equal(e.code, "ERR_PYRO4_HTTP_INVALID_ARG");
    assert.equal(e.kind, "ARGUMENT");
    return true;
  });
  const proxy = httpProxy<{ echo(x: string): string }>("x", { gateway: "http://127.0.0.1:1/pyro/", body: "form" });
  await assert.rejects(async () => proxy.echo("positional"), (e: unknown) => e instanceof PyroHttpError && e.code === "ERR_PYRO4_HTTP_INVALID_ARG");
});

class Strict {
  @expose date(month: number): PyDate {
    return new PyDate(2020, month, 1);
  }
  @expose uri(value: unknown): string {
    return new URI(value as string).asString();
  }
}

test("InvalidArgumentError in a daemon's method: a Python Pyro4 client gets the builtin Python raises there", { timeout: 60_000 }, async () => {
  const daemon = await Daemon.create({ host: "127.0.0.1" });
  try {
    const uri = daemon.register(new Strict(), "strict").asString();
    const script = `
import Pyro4, datetime, sys
p = Pyro4.Proxy(sys.argv[1])
for call in (lambda: p.date(13), lambda: p.uri(5)):
    try:
        call()
        print("no error")
    except Exception as e:
        print(type(e).__module__, type(e).__name__, str(e))
# what Python itself raises for the same arguments
for call in (lambda: datetime.date(2020, 13, 1), lambda: Pyro4.URI(5)):
    try:
        call()
    except Exception as e:
        print("python", type(e).__name__)
`;
    const out = (await runPythonAsync(["-c", script, uri])).trim().split("\n");
    assert.deepEqual(out, [
      "builtins ValueError month must be an integer in 1..12, got 13",
      "builtins TypeError uri parameter object is of wrong type",
      "python ValueError",
      "python TypeError",
    ]);
  } finally {
    await daemon.close();
  }
});

test("PYRO_* numbers are read with Python's int()/float() rules (one parser in src/python/numbers.ts), as Python Pyro4 reads them", { timeout: 60_000 }, async () => {
  const floats = ["1._5", " 2.5 ", "1_0.5", "0x10", "\u00a03", "-inf", "1e1_0", "\ufeff1", ".5", "5.", "1__0"];
  const ints = [" 7 ", "1_000", "0x10", "\u20037", "+3", "1_", "07"];
  const script = `
import json, os, sys
from Pyro4.configuration import Configuration
out = []
for name, values in (("COMMTIMEOUT", json.loads(sys.argv[1])), ("NS_PORT", json.loads(sys.argv[2]))):
    for v in values:
        os.environ["PYRO_" + name] = v
        try:
            out.append(repr(getattr(Configuration(), name)))
        except ValueError:
            out.append("ValueError")
        del os.environ["PYRO_" + name]
print(json.dumps(out))
`;
  const py = JSON.parse(await runPythonAsync(["-c", script, JSON.stringify(floats), JSON.stringify(ints)]));
  const ours = [
    ...floats.map((v) => ["COMMTIMEOUT", v] as const),
    ...ints.map((v) => ["NS_PORT", v] as const),
  ].map(([name, v]) => {
    try {
      const n = new Config({ ["PYRO_" + name]: v } as NodeJS.ProcessEnv)[name];
      return name === "COMMTIMEOUT" ? (Number.isFinite(n) ? (Number.isInteger(n) ? n.toFixed(1) : String(n)) : n > 0 ? "inf" : "-inf") : String(n);
    } catch (e) {
      assert.ok(e instanceof ConfigValueError);
      return "ValueError";
    }
  });
  assert.deepEqual(ours, py);
});
