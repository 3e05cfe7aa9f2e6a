// A client for Pyro4 Flame (Pyro4.utils.flame, `pyro4-flameserver`): remote modules, builtins, eval/exec, module and
// file transfer, and the remote interactive console, as Pyrolite's Flame client offers. Flame speaks only pickle: the
// server returns FlameModule/FlameBuiltin/RemoteInteractiveConsole objects, which our pickle decoder gives as class
// dicts and this module turns into callables. Flame runs whatever the client asks on the server; that is its point.

import { PyroError, ProtocolError } from "../errors.js";
import type { Limits } from "../limits.js";
import { tuple } from "../serializers/values.js";
import { URI } from "../uri.js";
import { Proxy, type ProxyOptions } from "./proxy.js";
import { splitArgs } from "./support.js";

/** Pyro4's constants.FLAME_NAME: the object id a Flame server registers. */
export const FLAME_NAME = "Pyro.Flame";

/** A remote callable: call it, or reach deeper attributes (`os.path.join`). */
export type FlameMethod = ((...args: unknown[]) => Promise<any>) & { readonly [attr: string]: FlameMethod };
/** A remote module: every attribute is a FlameMethod calling `module.attribute` on the server. */
export type FlameModule = { readonly [attr: string]: FlameMethod };

/** Options of {@link connectFlame}: the HMAC key, call timeout and limits of the Flame server's proxy. */
export interface FlameOptions {
  hmacKey?: string | Buffer | null;
  /** Call timeout in milliseconds. */
  timeout?: number;
  /**
   * The limits replies are checked against, as a Proxy's `limits` option (nesting depth, pickle memo/stack/int
   * size, message size): they apply to the Flame proxy and to the remote console's. Default: DEFAULT_LIMITS.
   */
  limits?: Partial<Limits>;
}

/** `host:port` or `./u:socket` (as Pyro4's flame.connect takes) or a full PYRO URI. */
function flameUri(location: string | URI): URI {
  if (location instanceof URI) return location;
  return new URI(/^PYRO[A-Z]*:/.test(location) ? location : `PYRO:${FLAME_NAME}@${location}`);
}

interface ClassDict {
  __class__?: unknown;
  [k: string]: unknown;
}
function classDict(v: unknown, cls: string): ClassDict {
  if (!v || typeof v !== "object" || (v as ClassDict).__class__ !== `Pyro4.utils.flame.${cls}`)
    throw new ProtocolError(`flame: expected a ${cls} from the server, got ${describe(v)}`);
  return v as ClassDict;
}
function describe(v: unknown): string {
  if (v && typeof v === "object" && typeof (v as ClassDict).__class__ === "string") return String((v as ClassDict).__class__);
  return typeof v;
}

/** A connected Flame server. */
export class Flame {
  private constructor(
    /** The proxy to the Flame object (serializer pickle). */
    readonly proxy: Proxy<any>,
    private readonly options: ProxyOptions,
  ) {}

  /** Connect (and bind) to a Flame server, like Pyro4's `flame.connect(location, hmac_key)`. */
  static async connect(location: string | URI, options: FlameOptions = {}): Promise<Flame> {
    const popts: ProxyOptions = { serializer: "pickle" };
    if (options.hmacKey != null) popts.hmacKey = options.hmacKey;
    if (options.timeout !== undefined) popts.timeout = options.timeout;
    if (options.limits !== undefined) popts.limits = options.limits;
    const proxy = new Proxy<any>(flameUri(location), popts);
    try {
      await proxy.$bind();
    } catch (e) {
      await proxy.$release();
      throw e;
    }
    return new Flame(proxy, popts);
  }

  /** Import a module on the server; its functions become callable attributes: `(await flame.module("os")).getcwd()`. */
  async module(name: string): Promise<FlameModule> {
    const d = classDict(await this.proxy.$call("module", [name]), "FlameModule");
    const moduleName = typeof d.module === "string" ? d.module : name;
    return new globalThis.Proxy(Object.create(null) as FlameModule, {
      get: (_t, prop) => (typeof prop === "string" && prop !== "then" ? this.remoteMethod(`${moduleName}.${prop}`) : undefined),
      has: () => false,
    });
  }

  /** A builtin function on the server: `(await flame.builtin("len"))([1, 2])`. */
  async builtin(name: string): Promise<(...args: unknown[]) => Promise<any>> {
    const d = classDict(await this.proxy.$call("builtin", [name]), "FlameBuiltin");
    const builtinName = typeof d.builtin === "string" ? d.builtin : name;
    return (...args: unknown[]) => {
      const [vargs, kw] = splitArgs(args);
      return this.proxy.$call("invokeBuiltin", [builtinName, tuple(...vargs), { ...kw }]);
    };
  }

  /** Evaluate a Python expression on the server and return its value. */
  evaluate(expression: string): Promise<any> {
    return this.proxy.$call("evaluate", [expression]);
  }

  /** Execute Python statements on the server. */
  async execute(code: string): Promise<void> {
    await this.proxy.$call("execute", [code]);
  }

  /** Send a module's source; the server creates it (import it there to use it). */
  async sendmodule(moduleName: string, source: string): Promise<void> {
    await this.proxy.$call("sendmodule", [moduleName, source]);
  }

  /** The source code of a module on the server. */
  getmodule(moduleName: string): Promise<string> {
    return this.proxy.$call("getmodule", [moduleName]);
  }

  /** Store a file on the server (mode 0600). */
  async sendfile(filename: string, data: Uint8Array): Promise<void> {
    await this.proxy.$call("sendfile", [filename, data]);
  }

  /** Read a file from the server. */
  async getfile(filename: string): Promise<Buffer> {
    const v = await this.proxy.$call("getfile", [filename]);
    return Buffer.from(v as Uint8Array);
  }

  /** Start a remote interactive console session. */
  async console(): Promise<FlameConsole> {
    const d = classDict(await this.proxy.$call("console", []), "RemoteInteractiveConsole");
    const remote = d.remoteconsole as { $uri?: URI; $release?: () => Promise<void> } | undefined;
    if (!remote || !(remote.$uri instanceof URI)) throw new ProtocolError("flame: console without a proxy");
    await remote.$release?.();
    // the console object lives in the Flame daemon, which accepts pickle only
    return new FlameConsole(new Proxy<any>(remote.$uri, this.options));
  }

  /** Close the connection. */
  close(): Promise<void> {
    return this.proxy.$release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private remoteMethod(dotted: string): FlameMethod {
    const call = (...args: unknown[]) => {
      const [vargs, kw] = splitArgs(args);
      return this.proxy.$call("invokeModule", [dotted, tuple(...vargs), { ...kw }]);
    };
    return new globalThis.Proxy(call, {
      get: (target, prop) => {
        if (typeof prop !== "string" || prop === "then") return undefined;
        if (prop === "name") return dotted;
        if (prop === "call" || prop === "apply" || prop === "bind") return Reflect.get(target, prop);
        return this.remoteMethod(`${dotted}.${prop}`);
      },
    }) as unknown as FlameMethod;
  }
}

/** `connectFlame(uri)`: see Flame.connect. */
export function connectFlame(location: string | URI, options?: FlameOptions): Promise<Flame> {
  return Flame.connect(location, options);
}

/** What the remote console printed for one line, and whether it needs more lines (an open block). */
export interface ConsoleOutput {
  output: string;
  more: boolean;
}

/** A remote Python interactive console (Pyro4's RemoteInteractiveConsole). */
export class FlameConsole {
  private closed = false;

  constructor(readonly proxy: Proxy<any>) {}

  /** The banner the server wrote: Python version, platform, console location. */
  banner(): Promise<string> {
    return this.proxy.$call("get_banner", []);
  }

  /** Send one line; get what it printed and whether the console waits for more lines. */
  async push(line: string): Promise<ConsoleOutput> {
    const r = (await this.proxy.$call("push_and_get_output", [line])) as unknown[];
    if (!Array.isArray(r) || r.length !== 2) throw new ProtocolError("flame: unexpected console reply");
    return { output: String(r[0] ?? ""), more: Boolean(r[1]) };
  }

  /**
   * Attach a line stream (stdin) and an output stream (stdout), like Pyro4's interact(): banner, ">>> " / "... "
   * prompts, remote output; ends at end of input, then closes the session and prints "(Remote session ended)".
   */
  async interact(input: AsyncIterable<string | Buffer> & NodeJS.ReadableStream, output: NodeJS.WritableStream, options: { prompts?: boolean } = {}): Promise<void> {
    const { createInterface } = await import("node:readline");
    const prompts = options.prompts ?? true;
    output.write((await this.banner()) + "\n");
    const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
    let more = false;
    const prompt = () => {
      if (prompts) output.write(more ? "... " : ">>> ");
    };
    prompt();
    try {
      for await (const line of rl) {
        const r = await this.push(line);
        if (r.output) output.write(r.output);
        more = r.more;
        prompt();
      }
      if (prompts) output.write("\n");
    } finally {
      rl.close();
      await this.close();
      output.write("(Remote session ended)\n");
    }
  }

  /** End the remote session (the server unregisters the console) and release the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.proxy.$call("terminate", []);
    } catch (e) {
      if (!(e instanceof PyroError)) throw e;
    } finally {
      await this.proxy.$release();
    }
  }
}
