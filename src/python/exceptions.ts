// Exception mapping between Python and JavaScript, in one place: which Python class a JavaScript error travels
// as (TypeError -> builtins.TypeError, RangeError -> builtins.ValueError, PyroError subclasses -> Pyro4.errors.*),
// the error class server code throws to raise a specific Python builtin (PythonError), the plain traceback text
// sent with it, and type(e).__name__ of an error as Python tools print it.

import { InvalidArgumentError, PyroError, RemoteError, type PyroErrorCode } from "../errors.js";
import { exceptionMessage } from "./repr.js";

/**
 * An error that a Python client rebuilds as `builtins.<type>` (e.g. `new PythonError("ValueError", "bad")`): what a
 * daemon's method throws to raise a Python builtin, and what the name server raises where Python's raises one.
 */
export class PythonError extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_PYTHON";
  declare readonly pythonType: string;
  declare args: unknown[];
  constructor(type: string, ...args: unknown[]) {
    super(exceptionMessage(args));
    // Non-enumerable so errorToDict does not copy them into the exception's attributes.
    Object.defineProperty(this, "name", { value: type, enumerable: false, configurable: true, writable: true });
    Object.defineProperty(this, "pythonType", {
      value: type.includes(".") ? type : "builtins." + type,
      enumerable: false,
      configurable: true,
    });
    Object.defineProperty(this, "args", { value: args, enumerable: false, configurable: true, writable: true });
  }
}

export const attributeError = (msg: string) => new PythonError("AttributeError", msg);
export const typeError = (msg: string) => new PythonError("TypeError", msg);
export const stopIteration = () => new PythonError("StopIteration");

/** JavaScript error names that have a same-meaning Python builtin. */
const jsToPython: Record<string, string> = {
  Error: "builtins.Exception",
  TypeError: "builtins.TypeError",
  RangeError: "builtins.ValueError",
  SyntaxError: "builtins.SyntaxError",
  ReferenceError: "builtins.NameError",
  EvalError: "builtins.RuntimeError",
  URIError: "builtins.ValueError",
  AggregateError: "builtins.Exception",
};
/** Python builtin exception names a Python client can rebuild (the subset worth mapping to). */
export const pythonBuiltinExceptions = new Set([
  "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "BlockingIOError", "BrokenPipeError",
  "BufferError", "ChildProcessError", "ConnectionAbortedError", "ConnectionError", "ConnectionRefusedError",
  "ConnectionResetError", "EOFError", "EnvironmentError", "Exception", "FileExistsError", "FileNotFoundError",
  "FloatingPointError", "GeneratorExit", "IOError", "ImportError", "IndexError", "InterruptedError",
  "IsADirectoryError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError",
  "NameError", "NotADirectoryError", "NotImplementedError", "OSError", "OverflowError", "PermissionError",
  "ProcessLookupError", "RecursionError", "ReferenceError", "RuntimeError", "StopAsyncIteration", "StopIteration",
  "SyntaxError", "SystemError", "SystemExit", "TimeoutError", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
  "UnicodeEncodeError", "UnicodeError", "ValueError", "ZeroDivisionError",
]);

/** Traceback lines for a JavaScript error, in the shape Python's traceback module prints. */
export function errorTraceback(err: Error, pythonName: string): string[] {
  const lines = ["Traceback (most recent call last):\n"];
  const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).reverse();
  for (const f of frames) lines.push(`  ${f.trim()}\n`);
  const short = pythonName.replace(/^builtins\./, "");
  lines.push(err.message ? `${short}: ${err.message}\n` : `${short}\n`);
  return lines;
}

/** The Python class name an error travels as: one a Python client can rebuild. */
export function pythonNameOf(err: Error): string {
  if (err instanceof RemoteError) return err.pythonType;
  // an explicit builtin first: PythonError, and InvalidArgumentError (TypeError or ValueError per instance)
  const explicit = (err as { pythonType?: unknown }).pythonType;
  if (typeof explicit === "string") return explicit;
  if (err instanceof PyroError) return (err.constructor as typeof PyroError).pythonName;
  // own properties only: a name like "constructor" must not find Object.prototype members
  if (Object.hasOwn(jsToPython, err.name)) return jsToPython[err.name]!;
  if (pythonBuiltinExceptions.has(err.name)) return "builtins." + err.name;
  return "builtins.Exception";
}

/** Python's type(e).__name__ of an error: `ValueError` for a RemoteError of builtins.ValueError, else its name. */
export function pythonShortName(err: unknown): string {
  if (err instanceof RemoteError) return err.pythonName;
  const e = err as { pythonType?: unknown; name?: unknown } | null;
  if (typeof e?.pythonType === "string") return e.pythonType.slice(e.pythonType.lastIndexOf(".") + 1);
  return typeof e?.name === "string" ? e.name : "Exception";
}

/**
 * Python's `bytes.decode("utf-8")` failure for `data` (not valid UTF-8): the UnicodeDecodeError's args
 * ("utf-8", data, start, end, reason) and its str(), found by CPython's rules (the first bad sequence; a truncated
 * one at the end is "unexpected end of data").
 */
export function utf8DecodeFailure(data: Uint8Array): { args: unknown[]; message: string } {
  const n = data.length;
  let i = 0;
  let end = -1;
  let reason = "";
  while (i < n) {
    const b = data[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0) {
      end = i + 1;
      reason = "invalid start byte";
      break;
    }
    // the allowed range of the second byte excludes overlong forms and surrogates (as CPython checks)
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    let k = 1;
    for (; k <= need && i + k < n; k++) {
      const c = data[i + k]!;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) break;
    }
    if (k > need) {
      i += need + 1;
      continue;
    }
    end = i + k;
    reason = i + k >= n ? "unexpected end of data" : "invalid continuation byte";
    break;
  }
  if (end < 0) throw new InvalidArgumentError("utf8DecodeFailure: the data is valid UTF-8", { python: "ValueError" });
  const where = end - i === 1 ? `byte 0x${data[i]!.toString(16).padStart(2, "0")} in position ${i}` : `bytes in position ${i}-${end - 1}`;
  return { args: ["utf-8", data, i, end, reason], message: `'utf-8' codec can't decode ${where}: ${reason}` };
}
