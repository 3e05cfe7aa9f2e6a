// Parameter names of a JavaScript function, read once from Function.prototype.toString, so the daemon can bind
// Python keyword arguments (`f(a, b=2)` arrives as vargs (a,) and kwargs {b: 2}) to positions.

export interface ParamInfo {
  /** Positional parameter names; null for a destructuring pattern (cannot be bound by keyword). */
  names: (string | null)[];
  /** Number of leading parameters without a default value (Python's "required positional"). */
  required: number;
  /** Name of a `...rest` parameter, if any. */
  rest: string | null;
  /** The last parameter is an object pattern (`{a, b} = {}`): unknown keyword arguments are collected into it. */
  kwargsObject: boolean;
}

const cache = new WeakMap<Function, ParamInfo | null>();

/** The parameter list of `fn`, or null when its source is unavailable (native or bound functions). */
export function paramInfo(fn: Function): ParamInfo | null {
  let info = cache.get(fn);
  if (info === undefined) {
    try {
      info = parseParams(Function.prototype.toString.call(fn));
    } catch {
      info = null;
    }
    cache.set(fn, info);
  }
  return info;
}

/** Explicit names given at registration (expose options) win over parsing. */
export function explicitParams(names: readonly string[]): ParamInfo {
  const rest = names.length && names[names.length - 1]!.startsWith("...") ? names[names.length - 1]!.slice(3) : null;
  const list = rest !== null ? names.slice(0, -1) : names.slice();
  return { names: list, required: 0, rest, kwargsObject: false };
}

/** Skip a string, template literal or comment starting at i; returns the index after it (or i if none). */
function skipLiteral(src: string, i: number): number {
  const c = src[i];
  if (c === '"' || c === "'") {
    for (let j = i + 1; j < src.length; j++) {
      if (src[j] === "\\") j++;
      else if (src[j] === c) return j + 1;
    }
    return src.length;
  }
  if (c === "`") {
    let depth = 0;
    for (let j = i + 1; j < src.length; j++) {
      const d = src[j];
      if (d === "\\") j++;
      else if (d === "$" && src[j + 1] === "{") {
        depth++;
        j++;
      } else if (d === "}" && depth > 0) depth--;
      else if (d === "`" && depth === 0) return j + 1;
    }
    return src.length;
  }
  if (c === "/" && src[i + 1] === "/") {
    const e = src.indexOf("\n", i);
    return e < 0 ? src.length : e + 1;
  }
  if (c === "/" && src[i + 1] === "*") {
    const e = src.indexOf("*/", i + 2);
    return e < 0 ? src.length : e + 2;
  }
  return i;
}

const IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

export function parseParams(src: string): ParamInfo | null {
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return null;
  // Find the opening parenthesis of the parameter list (skipping a computed method key `[...]`).
  let i = 0;
  let open = -1;
  while (i < src.length) {
    const j = skipLiteral(src, i);
    if (j !== i) {
      i = j;
      continue;
    }
    const c = src[i];
    if (c === "(") {
      open = i;
      break;
    }
    if (c === "[") {
      let depth = 1;
      i++;
      while (i < src.length && depth) {
        const k = skipLiteral(src, i);
        if (k !== i) {
          i = k;
          continue;
        }
        if (src[i] === "[") depth++;
        else if (src[i] === "]") depth--;
        i++;
      }
      continue;
    }
    if (c === "=" && src[i + 1] === ">") {
      // `x => ...`: a single unparenthesised arrow parameter
      const name = src.slice(0, i).trim().replace(/^async\s+/, "");
      return IDENT.test(name) ? { names: [name], required: 1, rest: null, kwargsObject: false } : null;
    }
    if (c === "{") return null;
    i++;
  }
  if (open < 0) return null;
  // Split the list at top-level commas.
  const parts: string[] = [];
  let depth = 0;
  let start = open + 1;
  i = open + 1;
  for (; i < src.length; i++) {
    const j = skipLiteral(src, i);
    if (j !== i) {
      i = j - 1;
      continue;
    }
    const c = src[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) break;
      depth--;
    } else if (c === "," && depth === 0) {
      parts.push(src.slice(start, i));
      start = i + 1;
    }
  }
  if (i >= src.length) return null;
  const last = src.slice(start, i);
  if (last.trim() !== "" || parts.length) parts.push(last);
  const names: (string | null)[] = [];
  let required = 0;
  let seenDefault = false;
  let rest: string | null = null;
  let kwargsObject = false;
  for (let n = 0; n < parts.length; n++) {
    const p = stripComments(parts[n]!).trim();
    if (p === "") continue;
    if (p.startsWith("...")) {
      const r = p.slice(3).trim();
      rest = IDENT.test(r) ? r : "args";
      break;
    }
    const eq = topLevelEquals(p);
    const target = (eq < 0 ? p : p.slice(0, eq)).trim();
    const hasDefault = eq >= 0;
    if (target.startsWith("{")) {
      names.push(null);
      if (n === parts.length - 1) kwargsObject = true;
    } else if (target.startsWith("[")) names.push(null);
    else names.push(IDENT.test(target) ? target : null);
    if (hasDefault) seenDefault = true;
    else if (!seenDefault) required = names.length;
  }
  return { names, required, rest, kwargsObject };
}

function stripComments(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    if (s[i] === "/" && (s[i + 1] === "/" || s[i + 1] === "*")) {
      i = skipLiteral(s, i);
      out += " ";
      continue;
    }
    const j = skipLiteral(s, i);
    if (j !== i) {
      out += s.slice(i, j);
      i = j;
    } else out += s[i++];
  }
  return out;
}

/** Index of the `=` that starts a default value (not `==`, `=>`, nor inside a pattern). */
function topLevelEquals(p: string): number {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const j = skipLiteral(p, i);
    if (j !== i) {
      i = j - 1;
      continue;
    }
    const c = p[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "=" && depth === 0 && p[i + 1] !== "=" && p[i + 1] !== ">" && p[i - 1] !== "=" && p[i - 1] !== "!")
      return i;
  }
  return -1;
}
