// Browser client for the Pyro HTTP gateway (`pyro4/http`): an ES module with no Node built-ins and no imports
// (fetch, AbortSignal, TextDecoder, ReadableStream only), so a web page can load it as one file — our gateway
// serves it at /pyro4-http.js — and Node can use it through its global fetch.
//
//   const echo = httpProxy<Echo>("test.echoserver", { gateway: "http://host:8080/pyro/", key });
//   await echo.echo("hi");                         // positional args: our gateway (JSON body extension)
//   await echo.$call("echo", { message: "hi" });   // keyword args: any gateway, Python's too (body: "form")
//   await echo.$oneway.echo("x"); await echo.$meta(); for await (const n of echo.$stream.count(5)) ...
//
// Remote exceptions reject with PyroHttpError carrying the Python type, args and remote traceback.

/** How the HTTP client sends arguments: a JSON body, a form body, or the query string. */
export type BodyMode = "json" | "form" | "query";

/** Options of httpProxy(): where the gateway is and how calls reach it. */
export interface HttpProxyOptions {
  /** The gateway's /pyro/ URL, e.g. "http://localhost:8080/pyro/". */
  gateway: string;
  /** Gateway API key (sent as X-Pyro-Gateway-Key). */
  key?: string | null;
  /**
   * How arguments travel: "json" (default; our gateway's extension, typed values and positional args),
   * "form" (POST form, what Python's gateway understands: strings and lists of strings, latin-1 range only),
   * "query" (GET query string, same rules as form).
   */
  body?: BodyMode;
  /** Client-side limit in ms for each call (rejects with PyroHttpError code ERR_PYRO4_HTTP_TIMEOUT); 0/undefined = none. */
  timeout?: number;
  /** Also ask our gateway to apply the timeout to the Pyro call itself (X-Pyro-Timeout header). */
  serverTimeout?: boolean;
  signal?: AbortSignal | null;
  /** Fixed correlation id (X-Pyro-Correlation-Id); default: the gateway makes one per call. */
  correlationId?: string | null;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** What failed, in the short words this module used as `code` before 0.2 (still readable as `kind`). */
export type PyroHttpErrorKind = "REMOTE" | "HTTP" | "TIMEOUT" | "PROTOCOL" | "ARGUMENT";
/** PyroHttpError's `code`, one per kind, in the package's ERR_PYRO4_* namespace. */
export type PyroHttpErrorCode =
  | "ERR_PYRO4_HTTP_REMOTE"
  | "ERR_PYRO4_HTTP"
  | "ERR_PYRO4_HTTP_TIMEOUT"
  | "ERR_PYRO4_HTTP_PROTOCOL"
  | "ERR_PYRO4_HTTP_INVALID_ARG";
const CODES: Readonly<Record<PyroHttpErrorKind, PyroHttpErrorCode>> = {
  REMOTE: "ERR_PYRO4_HTTP_REMOTE",
  HTTP: "ERR_PYRO4_HTTP",
  TIMEOUT: "ERR_PYRO4_HTTP_TIMEOUT",
  PROTOCOL: "ERR_PYRO4_HTTP_PROTOCOL",
  ARGUMENT: "ERR_PYRO4_HTTP_INVALID_ARG",
};

/**
 * A failed call: a Python exception (kind REMOTE, with pythonType/traceback), an HTTP-level failure, a timeout, a
 * gateway answer that is not the protocol, or a bad argument (kind ARGUMENT, thrown before anything is sent).
 * This module imports nothing (it is served to browsers as one file), so the class cannot extend PyroError; it
 * carries the package's error brand instead, and `err instanceof PyroError` (from `pyro4`) holds for it.
 */
export class PyroHttpError extends Error {
  /** Stable code (ERR_PYRO4_HTTP_*), see docs/errors.md. */
  readonly code: PyroHttpErrorCode;
  /** The short form of `code` ("REMOTE", "HTTP", "TIMEOUT", "PROTOCOL", "ARGUMENT"); `code` held it before 0.2. */
  readonly kind: PyroHttpErrorKind;
  readonly status: number;
  /** Python's qualified class name, e.g. "builtins.ValueError"; null when the gateway answered with text. */
  readonly pythonType: string | null;
  readonly args: unknown[];
  readonly attributes: Record<string, unknown>;
  /** The remote traceback lines (attributes._pyroTraceback), when the backend sent them. */
  readonly traceback: string[] | null;
  readonly body: string;
  readonly correlationId: string | null;

  constructor(o: {
    kind: PyroHttpErrorKind; status: number; message: string; pythonType?: string | null; args?: unknown[];
    attributes?: Record<string, unknown>; body?: string; correlationId?: string | null; cause?: unknown;
  }) {
    super(o.message, o.cause !== undefined ? { cause: o.cause } : undefined);
    this.name = "PyroHttpError";
    this.kind = o.kind;
    this.code = CODES[o.kind];
    this.status = o.status;
    this.pythonType = o.pythonType ?? null;
    this.args = o.args ?? [];
    this.attributes = o.attributes ?? {};
    const tb = this.attributes["_pyroTraceback"];
    this.traceback = Array.isArray(tb) ? tb.map(String) : null;
    this.body = o.body ?? "";
    this.correlationId = o.correlationId ?? null;
  }

  /** The short Python class name ("ValueError"). */
  get pythonName(): string | null {
    return this.pythonType === null ? null : this.pythonType.slice(this.pythonType.lastIndexOf(".") + 1);
  }
}
// The package's error brand (PYRO_ERROR_BRAND in src/errors.ts): `instanceof PyroError` recognises it.
Object.defineProperty(PyroHttpError.prototype, Symbol.for("pyro4.error"), { value: true });

/** A bad argument to this module's functions: a PyroHttpError of kind ARGUMENT (code ERR_PYRO4_HTTP_INVALID_ARG). */
const invalidArgument = (message: string) => new PyroHttpError({ kind: "ARGUMENT", status: 0, message });

const KWARGS = Symbol("pyro4.http.kwargs");
/** Marks the last argument of a call as Python keyword arguments: `echo.echo(kwargs({ message: "hi" }))`. */
export function kwargs(values: Record<string, unknown>): Record<string, unknown> {
  return Object.defineProperty({ ...values }, KWARGS, { value: true });
}

/** An object's metadata as the gateway's `$meta` gives it: its method and attribute names. */
export interface ObjectMeta {
  methods: string[];
  attributes: string[];
}

type AnyFn = (...a: any[]) => any;
type Promised<T> = T extends AnyFn ? (...a: Parameters<T>) => Promise<Awaited<ReturnType<T>>> : () => Promise<Awaited<T>>;
type Streamed<T> = T extends (...a: infer A) => Iterable<infer I> | AsyncIterable<infer I> ? (...a: A) => AsyncIterable<I> : (...a: any[]) => AsyncIterable<unknown>;

/** A proxy through the HTTP gateway: the methods of T as promise-returning calls, plus `$call` and `$meta`. */
export type HttpProxy<T> = { [K in keyof T]: Promised<T[K]> } & {
  /** Call with keyword arguments (works with Python's gateway too). */
  $call(method: string, kw?: Record<string, unknown>, options?: CallOverrides): Promise<unknown>;
  /** Positional and keyword arguments (positional needs our gateway). */
  $invoke(method: string, args: unknown[], kw?: Record<string, unknown>, options?: CallOverrides): Promise<unknown>;
  /** Remote attribute read. */
  $get(attribute: string, options?: CallOverrides): Promise<unknown>;
  $meta(options?: CallOverrides): Promise<ObjectMeta>;
  /** The same calls as oneway (resolve with undefined once the gateway has sent them). */
  $oneway: { [K in keyof T]: (...a: T[K] extends AnyFn ? Parameters<T[K]> : unknown[]) => Promise<void> };
  /** Remote generators streamed by our gateway (NDJSON), for `for await`. */
  $stream: { [K in keyof T]: Streamed<T[K]> };
  /** A view with other options (timeout, signal, key...). */
  $with(options: CallOverrides): HttpProxy<T>;
  readonly $name: string;
};

/** Per-call changes to the proxy's options (all but the gateway URL). */
export type CallOverrides = Partial<Omit<HttpProxyOptions, "gateway">>;

/** A proxy for the object registered under `name`, reached through the gateway. */
export function httpProxy<T = Record<string, AnyFn>>(name: string, options: HttpProxyOptions): HttpProxy<T> {
  if (!options || typeof options.gateway !== "string") throw invalidArgument("httpProxy: options.gateway (the /pyro/ URL) is required");
  const base = options.gateway.endsWith("/") ? options.gateway : options.gateway + "/";
  const call = (method: string, args: unknown[], kw: Record<string, unknown>, o: CallOverrides, mode: "call" | "oneway" | "attr") =>
    request({ ...options, ...o }, base, name, method, args, kw, mode);
  const split = (a: unknown[]): [unknown[], Record<string, unknown>] => {
    const last = a[a.length - 1] as Record<PropertyKey, unknown> | undefined;
    return last && typeof last === "object" && last[KWARGS] ? [a.slice(0, -1), last as Record<string, unknown>] : [a, {}];
  };
  const view = (mode: "call" | "oneway"): object =>
    new Proxy({}, { get: (_t, p) => (typeof p === "string" ? (...a: unknown[]) => call(p, ...split(a), {}, mode) : undefined) });
  const streams = new Proxy({}, {
    get: (_t, p) => (typeof p === "string" ? (...a: unknown[]) => stream({ ...options }, base, name, p, ...split(a)) : undefined),
  });
  const controls: Record<string, unknown> = {
    $call: (m: string, kw: Record<string, unknown> = {}, o: CallOverrides = {}) => call(m, [], kw, o, "call"),
    $invoke: (m: string, args: unknown[], kw: Record<string, unknown> = {}, o: CallOverrides = {}) => call(m, args, kw, o, "call"),
    $get: (a: string, o: CallOverrides = {}) => call(a, [], {}, o, "attr"),
    $meta: (o: CallOverrides = {}) => call("$meta", [], {}, o, "attr"),
    $oneway: view("oneway"),
    $stream: streams,
    $with: (o: CallOverrides) => httpProxy<T>(name, { ...options, ...o }),
    $name: name,
  };
  return new Proxy(controls, {
    get(target, p) {
      if (typeof p !== "string") return undefined;
      if (p in target) return target[p];
      if (p === "then" || p === "toJSON") return undefined; // not a thenable, JSON-safe
      return (...a: unknown[]) => call(p, ...split(a), {}, "call");
    },
    set(_t, p) {
      throw invalidArgument(`cannot set '${String(p)}' on an HTTP proxy (the gateway has no attribute writes)`);
    },
  }) as unknown as HttpProxy<T>;
}

// ------------------------------------------------------------------ requests

/** Percent-encode for Python's gateway, which decodes escapes as latin-1: one %XX per char code <= 0xFF. */
function latin1Escape(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw invalidArgument(`'${s}' has characters outside latin-1, which Python's gateway cannot receive in a form; use body: "json" with our gateway`);
    out += /[A-Za-z0-9_.~-]/.test(s[i]!) ? s[i] : "%" + (c < 16 ? "0" : "") + c.toString(16).toUpperCase();
  }
  return out;
}

function formEncode(kw: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(kw)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item !== null && typeof item === "object") throw invalidArgument(`argument '${k}': a form carries strings only; use body: "json"`);
      parts.push(latin1Escape(k) + "=" + latin1Escape(String(item)));
    }
  }
  return parts.join("&");
}

interface Prepared {
  url: string;
  init: RequestInit;
  cleanup: () => void;
  timedOut: () => boolean;
}

function prepare(o: HttpProxyOptions, base: string, name: string, method: string, args: unknown[], kw: Record<string, unknown>, flags: string[]): Prepared {
  const mode: BodyMode = o.body ?? "json";
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.key) headers["X-Pyro-Gateway-Key"] = o.key;
  if (o.correlationId) headers["X-Pyro-Correlation-Id"] = o.correlationId;
  if (o.timeout && o.serverTimeout) headers["X-Pyro-Timeout"] = String(o.timeout / 1000);
  let url = base + encodeURIComponent(name) + "/" + encodeURIComponent(method);
  const init: RequestInit = { method: "GET", headers };
  if (args.length && mode !== "json") throw invalidArgument(`positional arguments need body: "json" (our gateway); pass keyword arguments with $call or kwargs()`);
  if (mode === "json") {
    if (args.length || Object.keys(kw).length) {
      init.method = "POST";
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(args.length ? { ...kw, $args: args } : kw);
      flags = [...flags, "json"];
    }
  } else if (mode === "form") {
    if (Object.keys(kw).length) {
      init.method = "POST";
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = formEncode(kw);
    }
  } else {
    const q = formEncode(kw);
    if (q) url += "?" + q;
  }
  if (flags.length) headers["X-Pyro-Options"] = flags.join(",");
  // one signal from the caller's signal and the timeout
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort(o.signal!.reason);
  if (o.signal) {
    if (o.signal.aborted) ctl.abort(o.signal.reason);
    else o.signal.addEventListener("abort", onAbort, { once: true });
  }
  const timer = o.timeout ? setTimeout(() => ((timedOut = true), ctl.abort()), o.timeout) : null;
  init.signal = ctl.signal;
  return {
    url,
    init,
    cleanup: () => {
      if (timer !== null) clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    },
    timedOut: () => timedOut,
  };
}

async function send(o: HttpProxyOptions, p: Prepared): Promise<Response> {
  const f = o.fetch ?? globalThis.fetch;
  try {
    return await f(p.url, p.init);
  } catch (e) {
    throw failure(o, p, e);
  }
}

function failure(o: HttpProxyOptions, p: Prepared, e: unknown): unknown {
  if (p.timedOut()) return new PyroHttpError({ kind: "TIMEOUT", status: 0, message: `call timed out after ${o.timeout} ms`, cause: e });
  if (o.signal?.aborted) return o.signal.reason;
  return new PyroHttpError({ kind: "HTTP", status: 0, message: `gateway unreachable: ${(e as Error)?.message ?? e}`, cause: e });
}

/**
 * Deepest nesting of arrays and objects accepted in a gateway's answer: the package's default maxDepth (Limits) and
 * Python's recursion limit, so no Python gateway or backend writes deeper. Deeper input is a PROTOCOL error, never a
 * RangeError from a recursion somewhere later.
 */
export const MAX_JSON_DEPTH = 1000;

/** A gateway answer this module cannot read: a PyroHttpError of kind PROTOCOL. */
const badJson = (message: string, cause?: unknown) => new PyroHttpError({ kind: "PROTOCOL", status: 0, message, cause });

/** Index just past the string literal opening at `i` (its closing quote), or text.length when unterminated. */
function stringEnd(text: string, i: number): number {
  for (let j = text.indexOf('"', i + 1); j >= 0; j = text.indexOf('"', j + 1)) {
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--; // an odd number of backslashes escapes this quote
    if ((j - k) % 2 === 1) return j + 1;
  }
  return text.length;
}

/** Throws when arrays/objects nest deeper than MAX_JSON_DEPTH outside string literals. */
function checkDepth(text: string): void {
  if (text.length <= 2 * MAX_JSON_DEPTH) return; // too short to nest that deep
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = stringEnd(text, i) - 1;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw badJson(`gateway answered with JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

const SPECIAL = { NaN: "\u0000NaN", Infinity: "\u0000Inf", "-Infinity": "\u0000-Inf" } as const;
const SPECIAL_VALUES: ReadonlyMap<string, number> = new Map([["\u0000NaN", NaN], ["\u0000Inf", Infinity], ["\u0000-Inf", -Infinity]]);

/** Puts NaN/Infinity back where markers stand, with an explicit stack (JSON.parse's reviver recurses). */
function restoreSpecials(root: unknown): unknown {
  if (typeof root === "string") return SPECIAL_VALUES.get(root) ?? root;
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    const obj = node as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (typeof v === "string") {
        const special = SPECIAL_VALUES.get(v);
        if (special !== undefined) obj[k] = special;
      } else if (v !== null && typeof v === "object") stack.push(v);
    }
  }
  return root;
}

/**
 * JSON.parse plus Python's NaN/Infinity/-Infinity tokens (Pyro4's json serializer writes them). Invalid JSON and
 * nesting deeper than MAX_JSON_DEPTH throw a PyroHttpError of kind PROTOCOL.
 */
export function parsePythonJson(text: string): unknown {
  checkDepth(text);
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw badJson(`invalid JSON: ${(e as Error).message}`, e);
  }
  // replace the bare tokens outside strings by marker strings, then map them back
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const j = stringEnd(text, i);
      out += text.slice(i, j);
      i = j;
      continue;
    }
    const m = /^(-Infinity|Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (m) {
      out += JSON.stringify(SPECIAL[m[1] as keyof typeof SPECIAL]);
      i += m[1]!.length;
      continue;
    }
    out += c;
    i++;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch (e) {
    throw badJson(`invalid JSON: ${(e as Error).message}`, e);
  }
  return restoreSpecials(parsed);
}

/** parsePythonJson for an answer: its failure carries the HTTP status and the body. */
function parseAnswer(res: Response, text: string, what: string): unknown {
  try {
    return parsePythonJson(text);
  } catch (e) {
    const message = e instanceof PyroHttpError ? e.message : String(e);
    throw new PyroHttpError({ kind: "PROTOCOL", status: res.status, message: `${what}: ${message}`, body: text, cause: e });
  }
}

async function errorFrom(res: Response, text: string): Promise<PyroHttpError> {
  const corr = res.headers.get("X-Pyro-Correlation-Id");
  if ((res.headers.get("Content-Type") ?? "").startsWith("application/json")) {
    try {
      const d = parsePythonJson(text) as Record<string, unknown>;
      if (d && d["__exception__"]) {
        const args = Array.isArray(d["args"]) ? (d["args"] as unknown[]) : [];
        const type = String(d["__class__"]);
        return new PyroHttpError({
          kind: "REMOTE", status: res.status, pythonType: type, args,
          attributes: (d["attributes"] as Record<string, unknown>) ?? {},
          message: `${type.slice(type.lastIndexOf(".") + 1)}: ${args.map(String).join(", ")}`, body: text, correlationId: corr,
        });
      }
    } catch {
      /* not JSON after all: report as text */
    }
  }
  return new PyroHttpError({ kind: "HTTP", status: res.status, message: `HTTP ${res.status}: ${text.slice(0, 200)}`, body: text, correlationId: corr });
}

async function request(o: HttpProxyOptions, base: string, name: string, method: string, args: unknown[], kw: Record<string, unknown>, mode: "call" | "oneway" | "attr"): Promise<unknown> {
  const p = prepare(o, base, name, method, args, kw, mode === "oneway" ? ["oneway"] : []);
  try {
    const res = await send(o, p);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw failure(o, p, e);
    }
    if (!res.ok) throw await errorFrom(res, text);
    if (mode === "oneway" || text === "") return undefined;
    return parseAnswer(res, text, "gateway answered with invalid JSON");
  } finally {
    p.cleanup();
  }
}

async function* stream(o: HttpProxyOptions, base: string, name: string, method: string, args: unknown[], kw: Record<string, unknown>): AsyncGenerator<unknown> {
  const p = prepare({ ...o, body: "json" }, base, name, method, args, kw, ["stream"]);
  try {
    const res = await send(o, p);
    if (!res.ok) throw await errorFrom(res, await res.text());
    if (!(res.headers.get("Content-Type") ?? "").startsWith("application/x-ndjson") || !res.body) {
      const text = await res.text();
      throw new PyroHttpError({ kind: "PROTOCOL", status: res.status, message: "the gateway does not stream (Python's gateway cannot)", body: text });
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw failure(o, p, e);
        }
        if (chunk.done) break;
        buf += decoder.decode(chunk.value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const item = parseAnswer(res, line, "gateway streamed an invalid line");
          if (!Array.isArray(item) || item.length !== 2 || (item[0] !== 0 && item[0] !== 1)) {
            throw new PyroHttpError({ kind: "PROTOCOL", status: res.status, message: "gateway streamed a line that is not [0, item] or [1, exception]", body: line });
          }
          const [kind, value] = item as [number, unknown];
          if (kind === 1) {
            const d = value as Record<string, unknown>;
            const type = String(d["__class__"]);
            const a = Array.isArray(d["args"]) ? (d["args"] as unknown[]) : [];
            throw new PyroHttpError({ kind: "REMOTE", status: 200, pythonType: type, args: a, attributes: (d["attributes"] as Record<string, unknown>) ?? {}, message: `${type.slice(type.lastIndexOf(".") + 1)}: ${a.map(String).join(", ")}`, body: line });
          }
          yield value;
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  } finally {
    p.cleanup();
  }
}
