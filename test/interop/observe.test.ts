// Observability against real Python Pyro4 (test/fixtures/observe_peer.py): the documented diagnostics_channel
// events for our client calling a Python daemon and for a Python client calling our daemon, correlation ids on
// both sides, the wire trace directory read back by `pyro4 trace`, NODE_DEBUG=pyro4, and PYRO_LOGLEVEL /
// PYRO_LOGFILE / PYRO_LOGWIRE writing Pyro4-format log files (next to the log Python writes with the same settings).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { Thing } from "../helpers/observe-thing.js";
import { Proxy } from "../../src/client/proxy.js";
import { Daemon } from "../../src/server/daemon.js";
import { currentContext } from "../../src/server/context.js";
import { expose } from "../../src/server/expose.js";
import { getSerializer } from "../../src/serializers/index.js";
import { traceWire } from "../../src/observe/trace-dir.js";
import { traceMain } from "../../src/cli/trace.js";
import { bytesRepr, WIRE_LOG_MAX } from "../../src/observe/sinks.js";
import type { ClientCallMessage, FrameMessage, ServerRequestMessage } from "../../src/observe/channels.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERIALIZERS = ["serpent", "json", "marshal", "msgpack"] as const;
const PLAIN = ["pyro4:client:connect", "pyro4:client:disconnect", "pyro4:server:connection", "pyro4:server:disconnect", "pyro4:frame:send", "pyro4:frame:receive"];
const TRACING = ["pyro4:client:call", "pyro4:server:request"];
const PHASES = ["start", "end", "asyncStart", "asyncEnd", "error"] as const;

interface Event {
  channel: string;
  phase: string;
  msg: any;
  /** For tracing channels: a copy of the fields as they were at that moment. */
  snap: Record<string, unknown>;
}

/** Subscribes to every documented channel and records events in order. */
function record() {
  const events: Event[] = [];
  const plain = PLAIN.map((name) => {
    const fn = (msg: unknown) => events.push({ channel: name, phase: "publish", msg, snap: {} });
    dc.subscribe(name, fn);
    return () => dc.unsubscribe(name, fn);
  });
  const traced = TRACING.map((name) => {
    const handlers = Object.fromEntries(
      PHASES.map((phase) => [phase, (msg: any) => events.push({ channel: name, phase, msg, snap: { correlationId: msg.correlationId, seq: msg.seq } })]),
    );
    const tc = dc.tracingChannel(name);
    tc.subscribe(handlers as never);
    return () => tc.unsubscribe(handlers as never);
  });
  return {
    events,
    stop: () => [...plain, ...traced].forEach((u) => u()),
    of: (channel: string, phase?: string) => events.filter((e) => e.channel === channel && (!phase || e.phase === phase)),
    phasesOf: (channel: string, msg: object) => events.filter((e) => e.channel === channel && e.msg === msg).map((e) => e.phase),
  };
}

// a budget only a broken behaviour exhausts (not a speed): generous, for a loaded machine
async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const TSX = import.meta.resolve("tsx");

/** Run a .ts file with node; `env` entries that are undefined are removed from the child's environment. */
function runNode(args: string[], env: Record<string, string | undefined>, cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, ...args], { cwd, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const CHILD_ENV_CLEAR = { NODE_DEBUG: undefined, PYRO_LOGLEVEL: undefined, PYRO_LOGFILE: undefined, PYRO_LOGWIRE: undefined, PYRO4_TRACE_DIR: undefined };

let py: PythonServer;
let pyUri = "";
let tmp = "";
before(async () => {
  py = await startPython(["observe_peer.py", "server"], /^URI (\S+)/);
  pyUri = py.ready;
  tmp = mkdtempSync(join(tmpdir(), "pyro4-observe-"));
});
after(async () => {
  await py?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("diagnostics channels: our client against a Python daemon", () => {
  for (const ser of SERIALIZERS) {
    it(`publishes connect, call and frame events (${ser})`, async () => {
      const rec = record();
      const p = new Proxy<Thing>(pyUri, { serializer: ser });
      let echoCorr: string | null;
      const asked = randomUUID();
      const own = randomUUID();
      try {
        assert.equal(await p.echo("hi"), "hi");
        echoCorr = p.$lastCorrelationId;
        // a per-call id reaches Python's current_context
        assert.equal(await p.$with({ correlationId: asked }).correlation(), asked);
        p.$correlationId = own;
        await assert.rejects(p.fail(), (e: any) => /observed failure/.test(e.message) && e.correlationId === own);
        await p.$release();
      } finally {
        rec.stop();
      }
      assert.match(echoCorr ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/, "Python made up a uuid4 for the call without one");

      const connects = rec.of("pyro4:client:connect");
      assert.equal(connects.length, 1);
      const c = connects[0]!.msg;
      assert.equal(c.error, null);
      assert.equal(c.connectedUri, pyUri);
      assert.equal(c.serializer, ser);
      assert.match(c.location, /127\.0\.0\.1/);
      assert.ok(c.connectionId > 0 && c.durationMs >= 0);

      const calls = [...new Set(rec.of("pyro4:client:call").map((e) => e.msg as ClientCallMessage))];
      assert.deepEqual(calls.map((m) => m.method), ["echo", "correlation", "fail"]);
      const [echo, corr, fail] = calls as [ClientCallMessage, ClientCallMessage, ClientCallMessage];
      assert.deepEqual(rec.phasesOf("pyro4:client:call", echo), ["start", "end", "asyncStart", "asyncEnd"]);
      assert.deepEqual(rec.phasesOf("pyro4:client:call", fail), ["start", "end", "error", "asyncStart", "asyncEnd"]);
      assert.deepEqual(echo.args, ["hi"]);
      assert.equal(echo.result, "hi");
      assert.equal(echo.objectId, "observe.thing");
      assert.equal(echo.serializer, ser);
      assert.equal(echo.connectionId, c.connectionId);
      assert.equal(echo.correlationId, echoCorr, "the call's id is the one Python answered with");
      assert.equal(rec.of("pyro4:client:call", "start").find((e) => e.msg === corr)!.snap.correlationId, asked);
      assert.equal(corr.correlationId, asked);
      assert.equal(corr.result, asked);
      assert.match(String((fail.error as Error).message), /observed failure/);
      assert.equal(fail.correlationId, own);

      const sent = rec.of("pyro4:frame:send").map((e) => e.msg as FrameMessage);
      const received = rec.of("pyro4:frame:receive").map((e) => e.msg as FrameMessage);
      assert.deepEqual(sent.map((f) => f.typeName), ["CONNECT", "INVOKE", "INVOKE", "INVOKE"]);
      assert.deepEqual(received.map((f) => f.typeName), ["CONNECTOK", "RESULT", "RESULT", "RESULT"]);
      const id = getSerializer(ser).id;
      for (const f of [...sent, ...received]) {
        assert.equal(f.side, "client");
        assert.equal(f.serializerId, id);
        assert.equal(f.connectionId, c.connectionId);
        assert.equal(f.size, 24 + f.annotationSizes.reduce((a, n) => a + 6 + n, 0) + f.dataSize);
        assert.equal(f.bytes().length, f.size);
      }
      assert.deepEqual(sent.map((f) => f.seq), [0, echo.seq, corr.seq, fail.seq]);
      assert.deepEqual(sent[1]!.annotationKeys, [], "no id on the first call: nothing sent");
      assert.deepEqual(sent[2]!.annotationKeys, ["CORR"]);
      const echoReply = received[1]!;
      assert.deepEqual(echoReply.annotationKeys, ["CORR"]);
      assert.deepEqual(echoReply.annotationSizes, [16]);
      assert.equal(received[3]!.flags & 1, 1, "the fail reply is an exception frame");
      assert.equal(rec.of("pyro4:client:disconnect").length, 1);
      assert.equal(rec.of("pyro4:client:disconnect")[0]!.msg.reason, null);
    });
  }

  it("reports a connection that fails", async () => {
    const rec = record();
    const p = new Proxy<Thing>("PYRO:nothing@127.0.0.1:1", { maxRetries: 0 });
    try {
      await assert.rejects(p.echo(1));
    } finally {
      rec.stop();
    }
    const connects = rec.of("pyro4:client:connect");
    assert.equal(connects.length, 1);
    assert.match(connects[0]!.msg.error.message, /cannot connect/);
    assert.equal(connects[0]!.msg.connectionId, 0);
    const call = rec.of("pyro4:client:call", "error");
    assert.equal(call.length, 1);
  });
});

describe("diagnostics channels: a Python client against our daemon", () => {
  let daemon: Daemon;
  let uri = "";
  before(async () => {
    daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: SERIALIZERS });
    uri = daemon.register(new Thing(), "observe.thing").asString();
  });
  after(async () => {
    await daemon?.close();
  });

  for (const ser of SERIALIZERS) {
    it(`publishes connection, request and frame events (${ser})`, async () => {
      const rec = record();
      const corr = randomUUID();
      let out: any;
      try {
        out = JSON.parse(await runPythonAsync(["observe_peer.py", "client", uri, ser, corr]));
        await until(() => rec.of("pyro4:server:disconnect").length > 0);
      } finally {
        rec.stop();
      }
      assert.equal(out.echo, "from python");
      assert.equal(out.correlation, corr, "currentContext().correlationId is the Python client's id");
      assert.match(out.fail, /observed failure/);
      assert.ok(out.response_corrs.length >= 3);
      for (const c of out.response_corrs) assert.equal(c, corr, "our replies carry the client's CORR back");

      const conns = rec.of("pyro4:server:connection");
      assert.equal(conns.length, 1);
      const conn = conns[0]!.msg;
      assert.equal(conn.peer.address, "127.0.0.1");
      assert.equal(conn.denied, null);
      assert.equal(conn.daemon, daemon.locationStr);
      assert.equal(rec.of("pyro4:server:disconnect")[0]!.msg.connectionId, conn.connectionId);

      const reqs = [...new Set(rec.of("pyro4:server:request").map((e) => e.msg as ServerRequestMessage))];
      assert.deepEqual(reqs.map((r) => r.method), ["echo", "correlation", "fail"]);
      const [echo, , fail] = reqs as [ServerRequestMessage, ServerRequestMessage, ServerRequestMessage];
      assert.deepEqual(rec.phasesOf("pyro4:server:request", echo), ["start", "end", "asyncStart", "asyncEnd"]);
      // the method throws synchronously: error before end, as TracingChannel#traceSync publishes them
      assert.deepEqual(rec.phasesOf("pyro4:server:request", fail), ["start", "error", "end", "asyncStart", "asyncEnd"]);
      for (const r of reqs) {
        assert.equal(r.correlationId, corr);
        assert.equal(r.objectId, "observe.thing");
        assert.equal(r.connectionId, conn.connectionId);
        assert.equal(r.serializerId, getSerializer(ser).id);
        assert.equal(r.annotations?.get("CORR")?.length, 16);
      }
      assert.deepEqual([...echo.args], ["from python"]);
      assert.equal(echo.result, "from python");
      assert.ok(fail.error instanceof RangeError);

      const received = rec.of("pyro4:frame:receive").map((e) => e.msg as FrameMessage);
      const sent = rec.of("pyro4:frame:send").map((e) => e.msg as FrameMessage);
      assert.deepEqual(received.map((f) => f.typeName), ["CONNECT", "INVOKE", "INVOKE", "INVOKE"]);
      assert.deepEqual(sent.map((f) => f.typeName), ["CONNECTOK", "RESULT", "RESULT", "RESULT"]);
      for (const f of [...received, ...sent]) {
        assert.equal(f.side, "server");
        assert.equal(f.connectionId, conn.connectionId);
      }
      assert.deepEqual(received.slice(1).map((f) => f.seq), reqs.map((r) => r.seq));
      assert.ok(received.every((f) => f.annotationKeys.includes("CORR")));
      assert.deepEqual(sent[1]!.annotationKeys, ["CORR"]);
      assert.deepEqual(sent[3]!.annotationKeys, [], "exception replies carry no CORR, as in Pyro4");
    });
  }
});

describe("correlation ids on the client, nobody subscribed", () => {
  it("per-call and proxy ids reach Python; errors and $lastCorrelationId carry them", async () => {
    const p = new Proxy<Thing>(pyUri);
    try {
      assert.equal(await p.echo(1), 1);
      const made = p.$lastCorrelationId;
      assert.match(String(made), /^[0-9a-f-]{36}$/);
      const one = randomUUID();
      assert.equal(await p.$with({ correlationId: one }).correlation(), one);
      assert.equal(p.$lastCorrelationId, one);
      await assert.rejects(p.$with({ correlationId: one }).fail(), (e: any) => e.correlationId === one);
      await assert.rejects(p.fail(), (e: any) => e.correlationId === undefined, "no id sent, none in Pyro4's exception reply");
      const own = randomUUID();
      p.$correlationId = own;
      assert.equal(await p.correlation(), own);
      await assert.rejects(p.fail(), (e: any) => e.correlationId === own);
      await assert.rejects(p.$with({ correlationId: "not-a-uuid" }).echo(1), (e: any) => e.code === "ERR_PYRO4" && /invalid correlation id/.test(e.message));
      assert.equal(await p.echo(2), 2, "the proxy still works");
    } finally {
      await p.$release();
    }
  });
});

describe("correlation ids across a chain of calls", () => {
  it("a proxy used inside a served call sends that call's id to the Python daemon (Pyro4's current_context)", async () => {
    class Relay {
      async relay(): Promise<[string | null, unknown]> {
        const p = new Proxy<Thing>(pyUri);
        try {
          return [currentContext()!.correlationId, await p.correlation()];
        } finally {
          await p.$release();
        }
      }
    }
    expose(Relay);
    const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
    try {
      const relayUri = daemon.register(new Relay(), "observe.relay");
      const p = new Proxy<Relay>(relayUri);
      const corr = randomUUID();
      const [here, there] = await p.$with({ correlationId: corr }).relay();
      assert.equal(here, corr);
      assert.equal(there, corr, "Python's current_context saw the same id");
      // without an id from the caller, the daemon's made-up id travels on
      const [made, passed] = await p.relay();
      assert.match(String(made), /^[0-9a-f-]{36}$/);
      assert.notEqual(made, corr);
      assert.equal(passed, made);
      await p.$release();
    } finally {
      await daemon.close();
    }
  });
});

describe("library warnings go to pyro4:log, not the console", () => {
  it("an error in the clientDisconnect hook is a WARNING record", async () => {
    const records: any[] = [];
    const onLog = (m: unknown) => records.push(m);
    const writes: string[] = [];
    const origWarn = console.warn;
    console.warn = (...a: unknown[]) => void writes.push(a.join(" "));
    dc.subscribe("pyro4:log", onLog);
    const daemon = await Daemon.create({
      host: "127.0.0.1",
      port: 0,
      clientDisconnect: () => {
        throw new Error("hook broke");
      },
    });
    try {
      const p = new Proxy<Thing>(daemon.register(new Thing(), "t"));
      assert.equal(await p.echo(1), 1);
      await p.$release();
      await until(() => records.some((r) => r.level === "WARNING"));
    } finally {
      dc.unsubscribe("pyro4:log", onLog);
      console.warn = origWarn;
      await daemon.close();
    }
    assert.deepEqual(writes, []);
    const w = records.find((r) => r.level === "WARNING");
    assert.equal(w.logger, "Pyro4.core");
    assert.equal(w.message, "Error in clientDisconnect: hook broke");
  });
});

describe("wire trace directory", () => {
  it("writes every frame of an interop exchange, and pyro4 trace decodes them with each serializer", async () => {
    const dir = join(tmp, "trace");
    const daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: SERIALIZERS });
    const uri = daemon.register(new Thing(), "observe.thing").asString();
    traceWire(dir);
    try {
      for (const ser of SERIALIZERS) {
        const p = new Proxy<Thing>(pyUri, { serializer: ser, correlationId: "11111111-2222-4333-8444-555555555555" });
        assert.deepEqual(await p.echo([`node ${ser}`, 7]), [`node ${ser}`, 7]);
        await p.$release();
      }
      await runPythonAsync(["observe_peer.py", "client", uri, "serpent", "66666666-7777-4888-8999-aaaaaaaaaaaa"]);
    } finally {
      traceWire(null);
      await daemon.close();
    }
    const files = readdirSync(dir).sort();
    const client = files.filter((f) => f.includes("-client-"));
    const server = files.filter((f) => f.includes("-server-"));
    assert.equal(client.length, 4 * 4, "CONNECT, CONNECTOK, INVOKE, RESULT per serializer");
    assert.equal(server.length, 8, "CONNECT, CONNECTOK, then three calls");
    for (const f of files) assert.match(f, /^\d{8}T\d{6}\.\d{3}Z-\d{6}-p\d+-(client|server)-c\d+-seq\d{5}-(send|recv)-[A-Z]+\.pyro4$/);
    assert.ok(client.some((f) => /-send-INVOKE/.test(f)) && server.some((f) => /-recv-INVOKE/.test(f)));

    // in-process decoding of every file
    const lines: string[] = [];
    const errors: string[] = [];
    assert.equal(await traceMain([dir], (l) => lines.push(l), (l) => errors.push(l)), 0);
    assert.deepEqual(errors, []);
    const text = lines.join("\n");
    for (const ser of SERIALIZERS) {
      assert.match(text, new RegExp(`INVOKE seq=\\d+ flags=0x0 \\(0\\) serializer=${ser} `));
      assert.ok(text.includes(`'node ${ser}'`), `the ${ser} call's argument is decoded`);
    }
    assert.match(text, /method: echo/);
    assert.match(text, /annotation CORR \(16 bytes\): 11111111-2222-4333-8444-555555555555/);
    assert.match(text, /annotation CORR \(16 bytes\): 66666666-7777-4888-8999-aaaaaaaaaaaa/);
    assert.match(text, /'from python'/);
    assert.match(text, /RESULT seq=\d+ flags=0x1 \(EXCEPTION\)/);
    assert.match(text, /observed failure/);
    assert.match(text, /handshake: .*hello/);

    // the command line: registered in `pyro4`, and a bad file is reported without hiding the others
    const bad = join(tmp, "not-a-frame.bin");
    writeFileSync(bad, "hello, this file is no Pyro4 frame at all");
    const oneFile = join(dir, client.find((f) => /-send-INVOKE/.test(f))!);
    const r = await runNode(["src/cli/main.ts", "trace", bad, oneFile, join(tmp, "missing")], CHILD_ENV_CLEAR);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not-a-frame\.bin: not a Pyro4 frame/);
    assert.match(r.stderr, /missing: no such file/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.match(r.stdout, /INVOKE seq=1 .*\n.*annotation CORR[^\n]*\n\s+object: observe\.thing\n\s+method: echo\n\s+vargs: \(\['node serpent', 7\],\)\n\s+kwargs: \{\}/);
  });
});

describe("logging sinks", () => {
  it("PYRO_LOGWIRE shows payloads as Python's repr() of bytes (capped)", async () => {
    const samples = [
      Buffer.from("plain text"),
      Buffer.from("it's"),
      Buffer.from(`both ' and "`),
      Buffer.from([0, 1, 9, 10, 13, 0x5c, 0x7f, 0x80, 0xff]),
      randomBytes(64),
      Buffer.from('only "double"'),
    ];
    const script = "import sys, base64\nfor line in sys.stdin.read().split():\n    print(repr(base64.b64decode(line)))";
    const expected = (await runPythonAsync(["-c", script], { input: samples.map((b) => b.toString("base64")).join("\n") })).trimEnd().split("\n");
    assert.deepEqual(samples.map((b) => bytesRepr(b)), expected);
    const big = Buffer.alloc(5000, 0x61);
    assert.equal(bytesRepr(big, WIRE_LOG_MAX), `b'${"a".repeat(1024)}'... (5000 bytes, 3976 more not shown)`);
  });

  it("NODE_DEBUG=pyro4 shows client and daemon activity on stderr", async () => {
    const r = await runNode(["test/helpers/observe-child.ts", pyUri], { ...CHILD_ENV_CLEAR, NODE_DEBUG: "pyro4" });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /done/);
    const pid = "\\d+";
    assert.match(r.stderr, new RegExp(`PYRO4 ${pid}: DEBUG Pyro4\\.core: connected to ${pyUri.replace(/[.]/g, "\\.")} - \\('127\\.0\\.0\\.1', \\d+\\) - unencrypted`));
    assert.match(r.stderr, /DEBUG Pyro4\.core: call observe\.thing\.echo seq=1 corr=[0-9a-f-]{36} on connection \d+: ok/);
    assert.match(r.stderr, /DEBUG Pyro4\.core: daemon listening on 127\.0\.0\.1:\d+/);
    assert.match(r.stderr, /DEBUG Pyro4\.core: connection 1 from 127\.0\.0\.1/);
    assert.match(r.stderr, /DEBUG Pyro4\.core: request child\.echo\.echo seq=1 corr=[0-9a-f-]{36} from connection 1: ok/);
  });

  it("prints nothing and writes no log without those settings", async () => {
    const cwd = mkdtempSync(join(tmp, "quiet-"));
    const r = await runNode([join(ROOT, "test/helpers/observe-child.ts"), pyUri], CHILD_ENV_CLEAR, cwd);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(readdirSync(cwd), []);
  });

  it("PYRO_LOGLEVEL / PYRO_LOGFILE / PYRO_LOGWIRE write a log file in Pyro4's format, like Python's", async () => {
    const nodeLog = join(tmp, "node.log");
    const pyLog = join(tmp, "python.log");
    const env = { ...CHILD_ENV_CLEAR, PYRO_LOGLEVEL: "DEBUG", PYRO_LOGWIRE: "true" };
    const r = await runNode(["test/helpers/observe-child.ts", pyUri], { ...env, PYRO_LOGFILE: nodeLog });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, "", "the records go to the file only");
    await runPythonAsync(["observe_peer.py", "client", pyUri, "serpent", randomUUID()], { env: { PYRO_LOGLEVEL: "DEBUG", PYRO_LOGWIRE: "true", PYRO_LOGFILE: pyLog } });

    const record = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3},Pyro4(\.[a-z]+)?,(DEBUG|INFO|WARNING|ERROR)\] /;
    const ours = readFileSync(nodeLog, "utf8");
    const theirs = readFileSync(pyLog, "utf8");
    for (const text of [ours, theirs]) {
      const first = text.split("\n")[0]!;
      assert.match(first, record);
      assert.ok(first.endsWith("Pyro log configured using built-in defaults, level=DEBUG"), first);
      // Python's wire record, then ours, in the same words
      assert.match(text, /proxy wiredata sending: msgtype=4 flags=0x0 ser=1 seq=1 corr=\S+\nannotations=\{.*\}\ndata=b["']/);
      assert.match(text, /proxy connect response received: msgtype=2 /);
    }
    assert.match(ours, /\[[^\]]+,Pyro4\.core,INFO\] Pyro log configured/);
    assert.match(ours, /daemon wiredata received: msgtype=4 flags=0x0 ser=2 seq=1 corr=\?/);
    assert.match(ours, /\[[^\]]+,Pyro4\.core,DEBUG\] connected to PYRO:observe\.thing@/);
    for (const line of ours.split("\n").filter((l) => l.startsWith("["))) assert.match(line, record);
  });

  it("PYRO_LOGLEVEL=INFO keeps debug records out; PYRO_LOGFILE defaults to pyro.log in the working directory", async () => {
    const cwd = mkdtempSync(join(tmp, "info-"));
    const r = await runNode([join(ROOT, "test/helpers/observe-child.ts"), pyUri], { ...CHILD_ENV_CLEAR, PYRO_LOGLEVEL: "INFO", PYRO_LOGWIRE: "true" }, cwd);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const text = readFileSync(join(cwd, "pyro.log"), "utf8");
    assert.match(text, /,Pyro4\.core,INFO\] Pyro log configured using built-in defaults, level=INFO\n/);
    assert.doesNotMatch(text, /DEBUG/);
    assert.doesNotMatch(text, /wiredata/);
  });

  it("PYRO_LOGFILE={stderr} logs to standard error; an unwritable file falls back to it with Pyro4's warning", async () => {
    const r = await runNode(["test/helpers/observe-child.ts", pyUri], { ...CHILD_ENV_CLEAR, PYRO_LOGLEVEL: "INFO", PYRO_LOGFILE: "{stderr}" });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^\[[^\]]+,Pyro4\.core,INFO\] Pyro log configured using built-in defaults, level=INFO$/m);
    const bad = join(tmp, "no", "such", "dir", "x.log");
    const r2 = await runNode(["test/helpers/observe-child.ts", pyUri], { ...CHILD_ENV_CLEAR, PYRO_LOGLEVEL: "WARNING", PYRO_LOGFILE: bad });
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    assert.match(r2.stderr, /,Pyro4\.core,WARNING\] unable to write to the desired logfile \(access rights\?\), falling back to console logger/);
    assert.equal(existsSync(bad), false);
  });
});
