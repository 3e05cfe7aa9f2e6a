// Starting `pyro4 echoserver` / `pyro5 echoserver` from source for tests that compare them with Python's echo
// servers, in an environment without PYRO_* variables (Pyro5 refuses ones it does not know).
import { join } from "node:path";
import { before, after } from "node:test";
import { REPO } from "./ns-process.js";
import { spawnReady, type ReadyProcess } from "./ready-process.js";
import { startPython } from "./python.js";
import { PYRO5_ENV } from "./pyro5.js";

/** This process's environment without PYRO_* variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PYRO_") && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

/** Our echo server (`main` = the pyro4 bin, `pyro5` = the pyro5 bin) on 127.0.0.1, ready once it prints its URI. */
export function startOurEchoserver(bin: "main" | "pyro5"): Promise<ReadyProcess> {
  return spawnReady(process.execPath, ["--import", "tsx", join(REPO, `src/cli/${bin}.ts`), "echoserver", "-H", "127.0.0.1", "-p", "0"], {
    ready: /^echo uri: (PYRO:\S+)$/,
    env: cleanEnv(),
    cwd: REPO,
    label: `${bin} echoserver`,
    group: true,
    timeoutMs: 30_000,
    graceMs: 5000,
  });
}

/** The URIs of Python's Pyro5 and Pyro4 echo servers and of ours (`pyro5` and `pyro4` bins), and how to stop them. */
export interface EchoserverSet {
  py5: string;
  py4: string;
  ours5: string;
  ours4: string;
  stop(): Promise<void>;
}

/** Python's two echo servers and ours, all on 127.0.0.1 (random ports), started together. */
export async function startEchoserverSet(): Promise<EchoserverSet> {
  const started = await Promise.allSettled([
    startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"], /^echo uri: (PYRO:\S+)$/, { env: cleanEnv(PYRO5_ENV) }),
    startPython(["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-p", "0"], /^echo uri: (PYRO:\S+)$/, { env: cleanEnv() }),
    startOurEchoserver("pyro5"),
    startOurEchoserver("main"),
  ]);
  const stop = () => Promise.all(started.map((r) => Promise.resolve(r.status === "fulfilled" ? r.value.stop() : undefined))).then(() => {});
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const [py5, py4, ours5, ours4] = started.map((r) => (r as PromiseFulfilledResult<{ ready?: string; match?: RegExpMatchArray }>).value);
  return { py5: py5!.ready!, py4: py4!.ready!, ours5: ours5!.match![1]!, ours4: ours4!.match![1]!, stop };
}

/** Registers hooks that start an EchoserverSet before the file's tests and stop it after; its URIs, once started. */
export function echoserverSetForTests(): Readonly<Omit<EchoserverSet, "stop">> {
  const uris = { py5: "", py4: "", ours5: "", ours4: "" };
  let set: EchoserverSet | undefined;
  before(async () => {
    set = await startEchoserverSet();
    Object.assign(uris, { py5: set.py5, py4: set.py4, ours5: set.ours5, ours4: set.ours4 });
  });
  after(async () => {
    await set?.stop();
  });
  return uris;
}
