// The OpenTelemetry recipe of docs/observability.md, run as written (only `from "pyro4"` is pointed at src/) with
// the SDK's in-memory exporter: linked client and server spans for our client calling our daemon, client spans
// carrying the correlation id a Python daemon used, and server spans carrying a Python client's correlation id.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { runPythonAsync, startPython, type PythonServer } from "../helpers/python.js";
import { Thing } from "../helpers/observe-thing.js";
import { Proxy } from "../../src/client/proxy.js";
import { Daemon } from "../../src/server/daemon.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DOC = readFileSync(join(ROOT, "docs", "observability.md"), "utf8");

/** The ```ts block under the "## OpenTelemetry" heading, importing src/ instead of "pyro4". */
function exampleModule(dir: string): string {
  const at = DOC.indexOf("\n## OpenTelemetry");
  assert.ok(at >= 0, "docs/observability.md has an OpenTelemetry section");
  const start = DOC.indexOf("```ts\n", at);
  const end = DOC.indexOf("\n```", start + 6);
  assert.ok(start > at && end > start);
  let rel = relative(dir, join(ROOT, "src", "index.js")).split("\\").join("/");
  if (!rel.startsWith(".")) rel = "./" + rel;
  const file = join(dir, "otel-example.ts");
  writeFileSync(file, DOC.slice(start + 6, end).replace(/from\s+"pyro4"/g, `from "${rel}"`) + "\n");
  return file;
}

let py: PythonServer;
let daemon: Daemon;
let uri = "";
let dir = "";
let stop: () => void = () => {};
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

before(async () => {
  mkdirSync(join(ROOT, "test", ".readme-tmp"), { recursive: true });
  dir = mkdtempSync(join(ROOT, "test", ".readme-tmp", "otel-"));
  const mod = (await import(pathToFileURL(exampleModule(dir)).href)) as { instrumentPyro4(t: Tracer): () => void };
  stop = mod.instrumentPyro4(provider.getTracer("pyro4-test"));
  py = await startPython(["observe_peer.py", "server"], /^URI (\S+)/);
  daemon = await Daemon.create({ host: "127.0.0.1", port: 0, serializersAccepted: ["serpent", "json", "marshal", "msgpack"] });
  uri = daemon.register(new Thing(), "otel.thing").asString();
});
after(async () => {
  stop();
  await daemon?.close();
  await py?.stop();
  await provider.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const attr = (s: ReadableSpan, k: string) => s.attributes[k];
const parentOf = (s: ReadableSpan) => (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;

describe("OpenTelemetry example from docs/observability.md", () => {
  it("links the client span of our proxy to the server span of our daemon, both with the correlation id", async () => {
    exporter.reset();
    const p = new Proxy<Thing>(uri, { serializer: "msgpack" });
    assert.equal(await p.echo("otel"), "otel");
    const served = await p.correlation();
    await p.$release();
    const spans = exporter.getFinishedSpans();
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    assert.deepEqual(clients.map((s) => s.name), ["pyro4 echo", "pyro4 correlation"]);
    assert.deepEqual(servers.map((s) => s.name), ["pyro4 echo", "pyro4 correlation"]);
    for (let i = 0; i < 2; i++) {
      const c = clients[i]!;
      const s = servers[i]!;
      assert.equal(s.spanContext().traceId, c.spanContext().traceId, "one trace");
      assert.equal(parentOf(s), c.spanContext().spanId, "the server span is the client span's child");
      assert.match(String(attr(c, "pyro4.correlation_id")), /^[0-9a-f-]{36}$/);
      assert.equal(attr(s, "pyro4.correlation_id"), attr(c, "pyro4.correlation_id"));
      assert.equal(attr(s, "rpc.service"), "otel.thing");
    }
    assert.equal(attr(servers[1]!, "pyro4.correlation_id"), served, "the id the method saw in currentContext()");
  });

  it("gives a client span the correlation id a Python daemon used", async () => {
    exporter.reset();
    const p = new Proxy<Thing>(py.ready, { serializer: "serpent" });
    const pythonSaw = await p.correlation();
    await assert.rejects(p.$with({ correlationId: randomUUID() }).fail(), /observed failure/);
    await p.$release();
    const [call, fail] = exporter.getFinishedSpans();
    assert.equal(call!.kind, SpanKind.CLIENT);
    assert.equal(attr(call!, "pyro4.correlation_id"), pythonSaw);
    assert.equal(call!.status.code, SpanStatusCode.UNSET);
    assert.equal(fail!.status.code, SpanStatusCode.ERROR);
    assert.match(String(fail!.status.message), /observed failure/);
    assert.equal(fail!.events[0]?.name, "exception");
  });

  it("gives the server span of a Python client's request that client's correlation id", async () => {
    exporter.reset();
    const corr = randomUUID();
    const out = JSON.parse(await runPythonAsync(["observe_peer.py", "client", uri, "json", corr]));
    assert.equal(out.correlation, corr);
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(spans.map((s) => [s.kind, s.name]), [
      [SpanKind.SERVER, "pyro4 echo"],
      [SpanKind.SERVER, "pyro4 correlation"],
      [SpanKind.SERVER, "pyro4 fail"],
    ]);
    for (const s of spans) {
      assert.equal(attr(s, "pyro4.correlation_id"), corr);
      assert.equal(parentOf(s), undefined, "a Python client sends no span context: a new trace");
    }
    assert.equal(spans[2]!.status.code, SpanStatusCode.ERROR);
  });
});
