// Where the vendored Python Pyro5 (the protocol 502 oracle) is: env PYRO5_PATH, else the copy in this repository
// (test/vendor/pyro5: Pyro5 5.17-dev0, unmodified, MIT; test-only, never shipped), else ../shared/vendor/pyro5.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { config5 } from "../../src/config5.js";
import { startPython, type PythonServer } from "./python.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const candidates = [process.env.PYRO5_PATH, join(root, "test", "vendor", "pyro5"), join(root, "..", "shared", "vendor", "pyro5"), join(root, "..", "..", "shared", "vendor", "pyro5")];

/** The directory holding the `Pyro5` package. Throws with instructions when it cannot be found. */
export const PYRO5_PATH: string = (() => {
  for (const c of candidates) if (c && existsSync(join(c, "Pyro5", "protocol.py"))) return c;
  throw new Error(`vendored Python Pyro5 not found (looked in ${candidates.filter(Boolean).join(", ")}); set PYRO5_PATH`);
})();

/** Environment for running Python with Pyro5 importable. */
export const PYRO5_ENV: Record<string, string> = { PYTHONPATH: PYRO5_PATH };

/**
 * `python3 -m Pyro5.nameserver` with a broadcast responder on loopback. Pyro5 starts none when bound to a loopback
 * address, so it binds 0.0.0.0 (answering with 127.0.0.1) and its responder 127.0.0.1 on a free port.
 */
export async function startPyro5NsWithBroadcast(): Promise<{ server: PythonServer; port: number; bcport: number }> {
  const server = await startPython(
    ["-m", "Pyro5.nameserver", "-n", "0.0.0.0", "-p", "0", "--bchost", "127.0.0.1", "--bcport", "0"],
    /NS running on 0\.0\.0\.0:(\d+)/,
    { env: PYRO5_ENV },
  );
  const bcport = Number(/Broadcast server running on 127\.0\.0\.1:(\d+)/.exec(server.output.join("\n"))?.[1]);
  if (!(bcport > 0)) {
    await server.stop();
    throw new Error(`Pyro5 name server started no broadcast responder:\n${server.output.join("\n")}`);
  }
  return { server, port: Number(server.ready), bcport };
}

/**
 * Run `fn` with our Pyro5 config set to find a name server only by broadcast to 127.0.0.1:`bcport` (NS_PORT 1:
 * nothing listens there, so the direct attempt fails), then put the settings back.
 */
export async function withBroadcastOnly<T>(bcport: number, fn: () => Promise<T>): Promise<T> {
  const saved = { addrs: config5.BROADCAST_ADDRS, port: config5.NS_PORT, bcport: config5.NS_BCPORT };
  config5.BROADCAST_ADDRS = ["127.0.0.1"];
  config5.NS_PORT = 1;
  config5.NS_BCPORT = bcport;
  try {
    return await fn();
  } finally {
    config5.BROADCAST_ADDRS = saved.addrs;
    config5.NS_PORT = saved.port;
    config5.NS_BCPORT = saved.bcport;
  }
}
