// The log sinks' narrators (call, connection and wire events as log records) listen only while a sink is
// configured: configureLogging subscribes them to every event channel, stopLogging takes each one off again.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientCall, clientConnect, clientDisconnect, frameReceive, frameSend, serverRequest } from "../../src/observe/channels.js";
import { configureLogging, stopLogging } from "../../src/observe/sinks.js";

const narrated = { clientConnect, clientDisconnect, clientCallEnd: clientCall.asyncEnd, serverRequestEnd: serverRequest.asyncEnd, frameSend, frameReceive };

function listening(): Record<string, boolean> {
  return Object.fromEntries(Object.entries(narrated).map(([name, ch]) => [name, ch.hasSubscribers]));
}

test("configureLogging subscribes the narrators to every event channel; stopLogging unsubscribes each", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pyro4-sinks-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const none = Object.fromEntries(Object.keys(narrated).map((k) => [k, false]));
  const all = Object.fromEntries(Object.keys(narrated).map((k) => [k, true]));
  assert.deepEqual(listening(), none, "nothing listens before a sink is configured");
  assert.ok(configureLogging("DEBUG", join(dir, "pyro.log")));
  assert.deepEqual(listening(), all);
  stopLogging();
  assert.deepEqual(listening(), none);
  // a second round works the same (the narrators' user count went back to 0)
  assert.ok(configureLogging("DEBUG", join(dir, "pyro.log")));
  assert.deepEqual(listening(), all);
  stopLogging();
  assert.deepEqual(listening(), none);
});
