// Runs every example in examples/client against its Python server fixture, so the examples keep working.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startPython, type PythonServer } from "../helpers/python.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function runExample(name: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `examples/client/${name}.ts`, ...args], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`example ${name} exited with ${code}:\n${out}`));
    });
  });
}

describe("client examples", () => {
  let thing: PythonServer;
  let hs: PythonServer;
  let wh: PythonServer;
  before(async () => {
    [thing, hs, wh] = await Promise.all([
      startPython(["client_server.py"], /^URI (\S+)/),
      startPython(["client_server.py", "--handshake"], /^URI (\S+)/),
      startPython(["client_warehouse.py"], /^URI (\S+)/),
    ]);
  });
  after(async () => {
    await Promise.all([thing?.stop(), hs?.stop(), wh?.stop()]);
  });

  const table: [string, () => string[], RegExp[]][] = [
    ["attributes", () => [thing.ready], [/name {2}= thing/, /value after \$set = 99/, /AttributeError: remote object/, /ERR_PYRO4_INVALID_ARG: .*\$set/]],
    ["batchedcalls", () => [thing.ready], [/one batch of 200: total 20100/, /failing call: ValueError/, /later call: batch call 'echo' was not executed/, /async batch results: \[ 'done after 0.2', 'async batch done' \]/]],
    ["async", () => [thing.ready], [/result ready\? false/, /not blocked/, /value: done after 1/, /chain ended with 30/, /iferror handler got: .*bad value/, /future result: 70/, /cancelled future: future has been cancelled/]],
    ["streaming", () => [thing.ready], [/finite: 4/, /infinite: 3/, /stream failed: generator broke after 2 items/]],
    ["timeout", () => [thing.ready], [/timed out as expected/, /still here/, /done after 0.6/, /aborted: AbortError/]],
    ["handshake", () => [hs.ready], [/without the secret: .*handshake refused/, /daemon answered the handshake with: \{ welcome: \{ token: 'secret' \} \}/, /with the secret: welcome/]],
    ["autoreconnect", () => [thing.ready, "2"], [/call 1 -> 1/]],
    ["callback", () => [thing.ready], [/callback received from server: \{ n: 1 \}/, /server returned: thanks for \{"n":1\}/]],
    ["warehouse", () => [wh.ready], [/This is Janet/, /Final contents: \[ 'chair', 'bike', 'flashlight', 'couch', 'sweater' \]/]],
  ];
  for (const [name, args, expected] of table) {
    it(name, async () => {
      const out = await runExample(name, args());
      for (const re of expected) assert.match(out, re);
    });
  }
});
