// Resolving a remote call to a served member and calling it: Pyro4's getAttribute rules and messages, remote
// attribute get/set through exposed accessors, and binding Python positional + keyword arguments to a
// JavaScript parameter list (with Python's TypeError messages when they do not fit).

import { isPlainObject, setKey } from "../serializers/values.js";
import { isPrivateName, type Exposure, type MethodInfo } from "./expose.js";
import type { ParamInfo } from "./params.js";
import { attributeError, typeError } from "../python/exceptions.js";

/**
 * Python's hasattr(obj, name) for a served JavaScript object: own and class members only. What every JavaScript
 * object inherits (toString, hasOwnProperty, constructor, __proto__...) does not exist on the Python side, so a
 * peer naming one gets the AttributeError a Python daemon gives ("object has no attribute").
 */
export function hasMember(obj: object, name: string): boolean {
  if (name === "constructor" || name === "__proto__") return false;
  for (let o: object | null = obj; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    if (Object.hasOwn(o, name)) return true;
  }
  return false;
}

/** Pyro4's util.getAttribute: the exposed method `name` of `obj`, or the AttributeError Python would raise. */
export function resolveMethod(obj: object, exposure: Exposure, name: string): MethodInfo {
  // exposed methods never have private names (computeExposure refuses them), so a hit needs no name check
  const m = exposure.methods.get(name);
  if (m) return m;
  if (isPrivateName(name)) throw attributeError(`attempt to access private attribute '${name}'`);
  if (!hasMember(obj, name)) throw attributeError(`'${exposure.typeName}' object has no attribute '${name}'`);
  throw attributeError(`attempt to access unexposed attribute '${name}'`);
}

/** `__getattr__` from a client: the value of an exposed accessor. */
export function getRemoteAttribute(obj: object, exposure: Exposure, name: unknown): unknown {
  const n = String(name);
  const a = exposure.attrs.get(n);
  if (a?.get) return a.get.call(obj);
  if (!hasMember(obj, n)) throw attributeError(`type object '${exposure.typeName}' has no attribute '${n}'`);
  throw attributeError(`attempt to access unexposed or unknown remote attribute '${n}'`);
}

/** `__setattr__` from a client: assign through an exposed accessor's setter. */
export function setRemoteAttribute(obj: object, exposure: Exposure, name: unknown, value: unknown): unknown {
  const n = String(name);
  const a = exposure.attrs.get(n);
  if (a?.set) {
    a.set.call(obj, value);
    return null;
  }
  if (!hasMember(obj, n)) throw attributeError(`type object '${exposure.typeName}' has no attribute '${n}'`);
  throw attributeError(`attempt to access unexposed or unknown remote attribute '${n}'`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Build the JavaScript argument list for `vargs` + `kwargs` the way Python binds a call to `def f(a, b=1)`.
 * Unknown parameter names (native functions) accept positional arguments only.
 */
export function bindArguments(
  name: string,
  params: ParamInfo | null,
  vargs: readonly unknown[],
  kwargs: Record<string, unknown> | null | undefined,
): unknown[] {
  const kwKeys = kwargs ? Object.keys(kwargs) : [];
  if (!params) {
    if (kwKeys.length) throw typeError(`${name}() cannot take keyword arguments: its parameter names are unknown`);
    return vargs.slice();
  }
  const n = params.names.length;
  if (vargs.length > n && params.rest === null) {
    // Python counts `self` in these numbers; so do we, so messages read the same as from a Python daemon.
    const given = vargs.length + 1;
    const max = n + 1;
    const min = params.required + 1;
    const takes = min === max ? `${max} positional argument${max === 1 ? "" : "s"}` : `from ${min} to ${max} positional arguments`;
    throw typeError(`${name}() takes ${takes} but ${given} ${given === 1 ? "was" : "were"} given`);
  }
  const args: unknown[] = vargs.slice();
  if (kwKeys.length) {
    let extra: Record<string, unknown> | null = null;
    for (const k of kwKeys) {
      const idx = params.names.indexOf(k);
      if (idx >= 0) {
        if (idx < vargs.length) throw typeError(`${name}() got multiple values for argument '${k}'`);
        while (args.length < idx) args.push(undefined);
        args[idx] = kwargs![k];
      } else if (params.kwargsObject) {
        extra ??= {};
        setKey(extra, k, kwargs![k]);
      } else {
        throw typeError(`${name}() got an unexpected keyword argument '${k}'`);
      }
    }
    if (extra) {
      const last = n - 1;
      const cur = args[last];
      if (cur !== undefined && !(cur && typeof cur === "object" && isPlainObject(cur)))
        throw typeError(`${name}() got keyword arguments but its last parameter was given positionally`);
      while (args.length < last) args.push(undefined);
      args[last] = cur ? { ...(cur as object), ...extra } : extra;
    }
  }
  // Python: a required parameter must get a value, positionally or by keyword.
  const missing: string[] = [];
  for (let i = 0; i < params.required; i++) {
    if (i >= args.length || (args[i] === undefined && i >= vargs.length)) {
      const nm = params.names[i];
      if (nm === null && params.kwargsObject && i === n - 1) continue;
      missing.push(`'${nm ?? `arg${i}`}'`);
    }
  }
  if (missing.length) {
    const list = missing.length === 1 ? missing[0] : missing.slice(0, -1).join(", ") + " and " + missing[missing.length - 1];
    throw typeError(`${name}() missing ${plural(missing.length, "required positional argument")}: ${list}`);
  }
  return args;
}

/** Call an exposed method with Python-style arguments. The result may be a promise (async methods). */
export function callMethod(obj: object, typeName: string, m: MethodInfo, vargs: readonly unknown[], kwargs: Record<string, unknown> | null): unknown {
  // The common case, positional arguments only and a count the method accepts, needs no binding (and no name
  // string for error messages): apply copies the arguments anyway.
  const p = m.params;
  if ((kwargs === null || isEmptyRecord(kwargs)) && (p === null || (vargs.length >= p.required && (vargs.length <= p.names.length || p.rest !== null))))
    return m.fn.apply(obj, vargs as unknown[]);
  return m.fn.apply(obj, bindArguments(`${typeName}.${m.name}`, p, vargs, kwargs));
}

function isEmptyRecord(r: Record<string, unknown>): boolean {
  for (const _ in r) return false;
  return true;
}
