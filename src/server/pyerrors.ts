// Errors that travel to Python clients as a specific builtin exception (AttributeError, TypeError, ValueError,
// StopIteration...). Server code throws these where Pyro4 would raise the Python builtin, so Python clients
// catch the same exception types from our daemon as from a Python one.

/** An Error that a Python client rebuilds as `builtins.<type>` (e.g. `new PythonError("ValueError", "bad")`). */
export class PythonError extends Error {
  declare readonly pythonType: string;
  declare args: unknown[];
  constructor(type: string, ...args: unknown[]) {
    super(args.length === 1 ? String(args[0]) : args.length === 0 ? "" : `(${args.map(pyReprShort).join(", ")})`);
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

function pyReprShort(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : String(v);
}

export const attributeError = (msg: string) => new PythonError("AttributeError", msg);
export const typeError = (msg: string) => new PythonError("TypeError", msg);
export const stopIteration = () => new PythonError("StopIteration");
