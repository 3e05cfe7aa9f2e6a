// `pyro4 echoserver`: the same test object as Python's `pyro4-test-echoserver` (Pyro4/test/echoserver.py):
// id `test.echoserver`, the same methods, attribute, results and errors, the same flags and printed lines,
// so Python clients and scripts written against the Python echo server work unchanged against this one.

import { Daemon } from "../server/daemon.js";
import { expose, oneway } from "../server/expose.js";
import { PythonError } from "../python/exceptions.js";
import { repr } from "../python/repr.js";
import { truthy } from "../python/types.js";
import type { RunningNameServer } from "../naming/server.js";
import type { ParserSpec } from "../python/optparse.js";
import { oneLine } from "./report.js";
import type { PyroProfile } from "../profiles/index.js";
import { defineCommand, type CommandIo } from "./command.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The echo server object. Set `verbose` to print each call like the Python one does. */
@expose
export class EchoServer {
  _verbose = false;
  _must_shutdown = false;
  /** error()'s ValueError text: Pyro4's and Pyro5's echo servers word it differently. */
  _errorText = "expected error from echoserver error() method";
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
    throw new PythonError("ValueError", this._errorText);
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

// Command line: pyro4-test-echoserver's OptionParser (Pyro4/test/echoserver.py main()), option for option

export const echoserverParser: ParserSpec = {
  prog: "pyro4 echoserver",
  options: [
    { short: "H", long: "host", default: "localhost", help: "hostname to bind server on (default=%default)" },
    { short: "p", long: "port", type: "int", default: 0, help: "port to bind server on" },
    { short: "u", long: "unixsocket", help: "Unix domain socket name to bind server on" },
    { short: "n", long: "naming", action: "store_true", default: false, help: "register with nameserver" },
    { short: "N", long: "nameserver", action: "store_true", default: false, help: "also start a nameserver" },
    { short: "v", long: "verbose", action: "store_true", default: false, help: "verbose output" },
    { short: "q", long: "quiet", action: "store_true", default: false, help: "don't output anything" },
    { short: "k", long: "key", help: "the HMAC key to use (deprecated)" },
  ],
};

// `pyro5 echoserver`: Pyro5/utils/echoserver.py main() (argparse): the same options minus -k (Pyro5 has no HMAC)
export const echoserver5Parser: ParserSpec = {
  prog: "pyro5 echoserver",
  style: "argparse",
  description: "Pyro test echo/nameserver command line launcher.",
  options: echoserverParser.options.filter((o) => o.long !== "key"),
};

/** What differs between pyro4-test-echoserver and Pyro5.utils.echoserver (HMAC aside: the profile says). */
const VARIANTS: Record<PyroProfile["name"], { parser: ParserSpec; errorText: string | null }> = {
  Pyro4: { parser: echoserverParser, errorText: null },
  Pyro5: { parser: echoserver5Parser, errorText: "this is the generated error from echoserver echo() method" },
};

interface Opts {
  host: string;
  port: number;
  unixsocket: string | null;
  naming: boolean;
  nameserver: boolean;
  verbose: boolean;
  quiet: boolean;
  key: string | null;
}

export interface EchoserverIO extends CommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Called once the daemon listens (tests use it to learn the URI and stop the server). */
  onReady?: (info: { daemon: Daemon; echo: EchoServer; uri: string }) => void;
  env?: NodeJS.ProcessEnv;
}

/** Run the echo server until its shutdown() method is called (or the daemon is closed). Returns the exit code. */
export const echoserverMain = defineCommand<EchoserverIO>({
  // positional arguments: ignored by pyro4 (as pyro4-test-echoserver's optparse), refused by pyro5 (argparse)
  parser: (profile) => VARIANTS[profile.name].parser,
  output: "line",
  async run({ io, profile, options, out, err, fail, stopped }) {
    const env = io.env ?? process.env;
    const variant = VARIANTS[profile.name];
    const protocol = profile.protocol;
    const o = options as unknown as Opts;
    if (o.key) err("UserWarning: using -k to supply HMAC key on the command line is a security problem and is deprecated since Pyro 4.72. See the documentation for an alternative.");
    if (!profile.wire.hmac) o.key = null; // Pyro5 has no HMAC: no -k, and PYRO_HMAC_KEY is not read
    else if (env.PYRO_HMAC_KEY !== undefined) {
      if (o.key) fail("error: don't use -k and PYRO_HMAC_KEY at the same time");
      o.key = env.PYRO_HMAC_KEY;
    }
    if (o.verbose) o.quiet = false;
    if (!o.quiet) out("Starting Pyro's built-in test echo server.");
    const hmac = o.key ?? "";
    if (!hmac && !o.quiet && profile.wire.hmac) out("Warning: HMAC key not set. Anyone can connect to this server!");

    let nameserver: RunningNameServer | null = null;
    if (o.nameserver) {
      o.naming = true;
      const { startNameServer } = await import("../naming/server.js");
      try {
        nameserver = await startNameServer({ host: o.host, hmacKey: hmac || null, protocol });
      } catch (e) {
        fail(`error: ${oneLine(e)}`);
      }
    }

    let daemon: Daemon;
    try {
      daemon = await Daemon.create({ host: o.host, port: o.port, unixsocket: o.unixsocket, hmacKey: hmac || null, protocol });
    } catch (e) {
      await nameserver?.close();
      return fail(`error: ${oneLine(e)}`);
    }
    const echo = new EchoServer();
    echo._verbose = o.verbose;
    if (variant.errorText !== null) echo._errorText = variant.errorText;
    echo._print = out;
    const objectName = "test.echoserver";
    const uri = daemon.register(echo, objectName);
    try {
      if (o.naming) {
        const { locateNS } = await import("../naming/locate.js");
        const host = nameserver ? nameserver.uri.host : null;
        const port = nameserver ? nameserver.uri.port : null;
        const ns = await locateNS(host, port, { protocol, hmacKey: hmac || null });
        try {
          await ns.register(objectName, uri);
          if (o.verbose) {
            out(`using name server at ${ns.uri}`);
            if (nameserver) {
              if (nameserver.broadcast) out(`broadcast server running at ${nameserver.broadcast.locationStr}`);
              else out("not using a broadcast server");
            }
          }
        } finally {
          await ns.$release();
        }
      } else if (o.verbose) out("not using a name server.");
    } catch (e) {
      await daemon.close();
      await nameserver?.close();
      return fail(`error: ${oneLine(e)}`);
    }
    if (!o.quiet) {
      out(`object name: ${objectName}`);
      out(`echo uri: ${uri}`);
      out("echoserver running.");
    }
    io.onReady?.({ daemon, echo, uri: uri.asString() });
    void stopped().then(() => daemon.close());
    try {
      await daemon.requestLoop(() => !echo._must_shutdown);
    } finally {
      await daemon.close();
      await nameserver?.close();
    }
    return 0;
  },
});
