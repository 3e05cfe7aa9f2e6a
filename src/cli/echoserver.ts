// `pyro4 echoserver`: the same test object as Python's `pyro4-test-echoserver` (Pyro4/test/echoserver.py):
// id `test.echoserver`, the same methods, attribute, results and errors, the same flags and printed lines,
// so Python clients and scripts written against the Python echo server work unchanged against this one.

import { config } from "../config.js";
import { Daemon } from "../server/daemon.js";
import { expose, oneway } from "../server/expose.js";
import { PythonError } from "../python/exceptions.js";
import { repr } from "../python/repr.js";
import { truthy } from "../python/types.js";
import { oneLine } from "./report.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The echo server object. Set `verbose` to print each call like the Python one does. */
@expose
export class EchoServer {
  _verbose = false;
  _must_shutdown = false;
  /** Where verbose lines go (stdout by default). */
  _print: (line: string) => void = (line) => console.log(line);

  /** return the message */
  echo(message: unknown): unknown {
    if (this._verbose) this._print(`${asctime()} - echo: ${repr(message)}`);
    return message;
  }

  /** generates a simple exception without text */
  error(): never {
    if (this._verbose) this._print(`${asctime()} - error: generating exception`);
    throw new PythonError("ValueError", "expected error from echoserver error() method");
  }

  /** generates a simple exception with message */
  error_with_text(): never {
    if (this._verbose) this._print(`${asctime()} - error: generating exception`);
    throw new PythonError("ValueError", "the message of the error");
  }

  /** just like echo, but oneway; the client won't wait for response */
  @oneway
  oneway_echo(message: unknown): string {
    if (this._verbose) this._print(`${asctime()} - oneway_echo: ${repr(message)}`);
    return "bogus return value";
  }

  /** returns (and prints) a message after a certain delay */
  async slow(): Promise<string> {
    if (this._verbose) this._print(`${asctime()} - slow: waiting a bit...`);
    await sleep(5000);
    if (this._verbose) this._print(`${asctime()} - slow: returning result`);
    return "Finally, an answer!";
  }

  /** a generator function that returns some elements on demand */
  *generator(): Generator<string> {
    yield "one";
    yield "two";
    yield "three";
  }

  nan(): number {
    return NaN;
  }

  inf(): number {
    return Infinity;
  }

  /** prints a message after a certain delay, and returns; but the client won't wait for it */
  @oneway
  async oneway_slow(): Promise<string> {
    if (this._verbose) this._print(`${asctime()} - oneway_slow: waiting a bit...`);
    await sleep(5000);
    if (this._verbose) this._print(`${asctime()} - oneway_slow: returning result`);
    return "bogus return value";
  }

  /** a 'private' method that should not be accessible */
  _private(): string {
    return "should not be allowed";
  }

  /** another 'private' method that should not be accessible */
  __private(): string {
    return "should not be allowed";
  }

  /** a double underscore method that should be accessible normally */
  __dunder__(): string {
    return "should be allowed (dunder)";
  }

  /** called to signal the echo server to shut down */
  shutdown(): null {
    if (this._verbose) this._print(`${asctime()} - shutting down`);
    this._must_shutdown = true;
    return null;
  }

  get verbose(): boolean {
    return this._verbose;
  }
  set verbose(onoff: unknown) {
    this._verbose = truthy(onoff);
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Python's time.asctime(): "Sun Jun  6 23:21:05 1993". */
export function asctime(d = new Date()): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

// ---------------------------------------------------------------------------------------------------------
// Command line (optparse-compatible: -p1, -p 1, --port=1, --port 1, combined short flags -vq)

const USAGE = "Usage: pyro4 echoserver [options]";
const HELP = `${USAGE}

Options:
  -h, --help            show this help message and exit
  -H HOST, --host=HOST  hostname to bind server on (default=localhost)
  -p PORT, --port=PORT  port to bind server on
  -u UNIXSOCKET, --unixsocket=UNIXSOCKET
                        Unix domain socket name to bind server on
  -n, --naming          register with nameserver
  -N, --nameserver      also start a nameserver
  -v, --verbose         verbose output
  -q, --quiet           don't output anything
  -k KEY, --key=KEY     the HMAC key to use (deprecated)`;

interface Opts {
  host: string;
  port: number;
  unixsocket: string | null;
  naming: boolean;
  nameserver: boolean;
  verbose: boolean;
  quiet: boolean;
  key: string | null;
  help: boolean;
}

class UsageError extends Error {}

const valued: Record<string, keyof Opts> = { H: "host", host: "host", p: "port", port: "port", u: "unixsocket", unixsocket: "unixsocket", k: "key", key: "key" };
const flags: Record<string, keyof Opts> = { h: "help", help: "help", n: "naming", naming: "naming", N: "nameserver", nameserver: "nameserver", v: "verbose", verbose: "verbose", q: "quiet", quiet: "quiet" };

export function parseEchoserverArgs(argv: string[]): Opts {
  const o: Opts = { host: "localhost", port: 0, unixsocket: null, naming: false, nameserver: false, verbose: false, quiet: false, key: null, help: false };
  const set = (name: keyof Opts, raw: string, shown: string) => {
    if (name === "port") {
      if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new UsageError(`option ${shown}: invalid integer value: '${raw}'`);
      o.port = parseInt(raw, 10);
    } else (o as unknown as Record<string, unknown>)[name] = raw;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const matches = [...Object.keys(valued), ...Object.keys(flags)].filter((k) => k.length > 1 && k.startsWith(name));
      const full = matches.includes(name) ? name : matches.length === 1 ? matches[0]! : null;
      if (!full) throw new UsageError(matches.length > 1 ? `ambiguous option: --${name} (${matches.map((m) => "--" + m).join(", ")}?)` : `no such option: --${name}`);
      if (valued[full]) {
        let val: string | undefined = eq < 0 ? argv[++i] : a.slice(eq + 1);
        if (val === undefined) throw new UsageError(`--${full} option requires 1 argument`);
        set(valued[full]!, val, "--" + full);
      } else {
        if (eq >= 0) throw new UsageError(`--${full} option does not take a value`);
        (o as unknown as Record<string, unknown>)[flags[full]!] = true;
      }
    } else if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (valued[c]) {
          let val: string | undefined = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (val === undefined) throw new UsageError(`-${c} option requires 1 argument`);
          set(valued[c]!, val, "-" + c);
          break;
        } else if (flags[c]) (o as unknown as Record<string, unknown>)[flags[c]!] = true;
        else throw new UsageError(`no such option: -${c}`);
      }
    }
    // positional arguments are ignored, like the Python tool does
  }
  return o;
}

async function tryImport(paths: string[], name: string): Promise<((...args: any[]) => any) | null> {
  for (const p of paths) {
    try {
      const mod = (await import(p)) as Record<string, unknown>;
      if (typeof mod[name] === "function") return mod[name] as (...args: any[]) => any;
    } catch {
      // not there (yet)
    }
  }
  return null;
}

export interface EchoserverIO {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Called once the daemon listens (tests use it to learn the URI and stop the server). */
  onReady?: (info: { daemon: Daemon; echo: EchoServer; uri: string }) => void;
  env?: NodeJS.ProcessEnv;
}

/** Run the echo server until its shutdown() method is called (or the daemon is closed). Returns the exit code. */
export async function echoserverMain(argv: string[], io: EchoserverIO = {}): Promise<number> {
  const out = io.out ?? ((l: string) => process.stdout.write(l + "\n"));
  const err = io.err ?? ((l: string) => process.stderr.write(l + "\n"));
  const env = io.env ?? process.env;
  let o: Opts;
  try {
    o = parseEchoserverArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${USAGE}\n\npyro4 echoserver: error: ${e.message}`);
    return 2;
  }
  if (o.help) {
    out(HELP);
    return 0;
  }
  if (o.key) err("UserWarning: using -k to supply HMAC key on the command line is a security problem and is deprecated since Pyro 4.72. See the documentation for an alternative.");
  if (env.PYRO_HMAC_KEY !== undefined) {
    if (o.key) {
      err("error: don't use -k and PYRO_HMAC_KEY at the same time");
      return 1;
    }
    o.key = env.PYRO_HMAC_KEY;
  }
  if (o.verbose) o.quiet = false;
  if (!o.quiet) out("Starting Pyro's built-in test echo server.");
  const hmac = o.key ?? "";
  if (!hmac && !o.quiet) out("Warning: HMAC key not set. Anyone can connect to this server!");

  let nameserver: { uri: { host: string | null; port: number | null }; broadcast?: { locationStr?: string } | null; close?: () => unknown } | null = null;
  if (o.nameserver) {
    o.naming = true;
    const start = await tryImport(["../naming/server.js", "../naming/index.js"], "startNameServer");
    if (!start) {
      err("error: -N (start a name server) is not available yet in this build");
      return 1;
    }
    try {
      nameserver = await start({ host: o.host, hmacKey: hmac || null });
    } catch (e) {
      err(`error: ${oneLine(e)}`);
      return 1;
    }
  }

  let daemon: Daemon;
  try {
    daemon = await Daemon.create({ host: o.host, port: o.port, unixsocket: o.unixsocket, hmacKey: hmac || null });
  } catch (e) {
    err(`error: ${oneLine(e)}`);
    await nameserver?.close?.();
    return 1;
  }
  const echo = new EchoServer();
  echo._verbose = o.verbose;
  echo._print = out;
  const objectName = "test.echoserver";
  const uri = daemon.register(echo, objectName);
  try {
    if (o.naming) {
      const locateNS = await tryImport(["../naming/locate.js", "../naming/index.js", "../index.js"], "locateNS");
      if (!locateNS) throw new Error("-n (register with a name server) is not available yet in this build");
      const host = nameserver ? nameserver.uri.host : null;
      const port = nameserver ? nameserver.uri.port : null;
      const ns = await locateNS(host, port, { hmacKey: hmac || null });
      try {
        await ns.register(objectName, uri);
        if (o.verbose) {
          out(`using name server at ${String(ns.uri ?? ns.$uri ?? "")}`);
          if (nameserver) {
            if (nameserver.broadcast) out(`broadcast server running at ${nameserver.broadcast.locationStr}`);
            else out("not using a broadcast server");
          }
        }
      } finally {
        await ns.$release?.();
      }
    } else if (o.verbose) out("not using a name server.");
  } catch (e) {
    err(`error: ${oneLine(e)}`);
    await daemon.close();
    await nameserver?.close?.();
    return 1;
  }
  if (!o.quiet) {
    out(`object name: ${objectName}`);
    out(`echo uri: ${uri}`);
    out("echoserver running.");
  }
  io.onReady?.({ daemon, echo, uri: uri.asString() });
  const stop = () => void daemon.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await daemon.requestLoop(() => !echo._must_shutdown);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await daemon.close();
    await nameserver?.close?.();
  }
  return 0;
}

void config;
