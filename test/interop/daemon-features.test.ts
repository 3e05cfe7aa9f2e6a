// Daemon options with real Python clients: unix sockets, IPv6, shutdown, 300 connections, MAX_MESSAGE_SIZE,
// COMMTIMEOUT, DETAILED_TRACEBACK, custom handshakes, compression, streaming off, stream linger.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { runPythonAsync } from "../helpers/python.js";
import { startTestDaemon } from "./daemon-fixture.js";
import type { DaemonOptions } from "../../src/server/daemon.js";

async function withDaemon(options: DaemonOptions, fn: (uri: string) => Promise<void>): Promise<void> {
  const { daemon, uri } = await startTestDaemon(options);
  daemon.callbackError = () => {};
  try {
    await fn(uri("thing"));
  } finally {
    await daemon.close();
  }
}
const py = (scenario: string, uri: string, ...extra: string[]) =>
  runPythonAsync(["daemon_features.py", scenario, uri, ...extra], { timeoutMs: 60_000 });

test("unix domain socket", async () => {
  const path = join(tmpdir(), `pyro4-ts-daemon-${process.pid}.sock`);
  await withDaemon({ unixsocket: path }, async (uri) => {
    assert.equal(uri, `PYRO:thing@./u:${path}`);
    assert.equal((await py("plain", uri)).trim(), "ok");
  });
  assert.equal(existsSync(path), false, "socket file removed on close");
});

test("IPv6 loopback", async () => {
  await withDaemon({ host: "::1" }, async (uri) => {
    assert.match(uri, /^PYRO:thing@\[::1\]:\d+$/);
    assert.equal((await py("plain", uri)).trim(), "ok");
  });
});

test("300 concurrent connections", async () => {
  await withDaemon({}, async (uri) => assert.equal((await py("many_connections", uri, "300")).trim(), "ok"));
});

test("daemon shutdown: clients get a CommunicationError", async () => {
  const { daemon, uri } = await startTestDaemon();
  await py("shutdown", uri("thing"));
  assert.equal(daemon.closed, true);
  assert.equal(daemon.connections.size, 0);
});

test("MAX_MESSAGE_SIZE: oversized request drops that connection only", async () => {
  await withDaemon({ maxMessageSize: 2000 }, async (uri) => assert.equal((await py("max_size", uri)).trim(), "ok"));
});

test("COMMTIMEOUT closes idle connections but not slow calls", async () => {
  await withDaemon({ commTimeout: 600 }, async (uri) => assert.equal((await py("commtimeout", uri)).trim(), "ok"));
});

test("DETAILED_TRACEBACK", async () => {
  await withDaemon({ detailedTraceback: true }, async (uri) => assert.equal((await py("detailed_traceback", uri)).trim(), "ok"));
});

test("custom handshake validation and response", async () => {
  const seen: string[] = [];
  await withDaemon(
    {
      validateHandshake(conn, data) {
        const d = data as { user: string; secret: string };
        if (d.secret !== "s3") throw new Error(`access denied for ${d.user}`);
        conn.data.set("user", d.user);
        seen.push(d.user);
        return `welcome ${d.user}`;
      },
    },
    async (uri) => assert.equal((await py("handshake", uri)).trim(), "ok"),
  );
  assert.deepEqual(seen, ["alice", "bob"]);
});

test("compression both ways", async () => {
  await withDaemon({ compression: true }, async (uri) => assert.equal((await py("compression", uri)).trim(), "ok"));
});

test("ITER_STREAMING off: list fallback (default) or Pyro4's error", async () => {
  await withDaemon({ iterStreaming: false }, async (uri) => assert.equal((await py("streaming_off", uri)).trim(), "ok"));
  await withDaemon({ iterStreaming: false, streamFallback: "error" }, async (uri) =>
    assert.equal((await py("streaming_off_error", uri)).trim(), "ok"),
  );
});

test("ITER_STREAM_LINGER: a stream survives a reconnect", async () => {
  await withDaemon({ iterStreamLinger: 5000 }, async (uri) => assert.equal((await py("stream_linger", uri)).trim(), "ok"));
});
