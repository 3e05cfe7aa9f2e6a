// A small optparse look-alike for `pyro4 ns` and `pyro4 nsc`: the same short/long flags, `--opt=value`,
// `-pVALUE`, usage text and "error: ..." exit status 2 as Python's optparse, so scripts written for
// pyro4-ns/pyro4-nsc work unchanged.

export interface OptSpec {
  short?: string;
  long: string;
  dest: string;
  /** "string" (default), "int", or a flag storing true/false. */
  type?: "string" | "int" | "true" | "false";
  metavar?: string;
  help: string;
  default?: unknown;
}

export class OptParseExit extends Error {
  constructor(
    readonly status: number,
    readonly output: string,
    readonly toStderr: boolean,
  ) {
    super(output);
  }
}

export function formatHelp(usage: string, specs: OptSpec[]): string {
  const rows: [string, string][] = [["-h, --help", "show this help message and exit"]];
  for (const s of specs) {
    const takes = s.type !== "true" && s.type !== "false";
    const mv = s.metavar ?? s.dest.toUpperCase();
    const forms: string[] = [];
    if (s.short) forms.push(takes ? `-${s.short} ${mv}` : `-${s.short}`);
    forms.push(takes ? `--${s.long}=${mv}` : `--${s.long}`);
    rows.push([forms.join(", "), s.help]);
  }
  const lines = [usage, "", "Options:"];
  for (const [left, help] of rows) {
    const l = "  " + left;
    if (l.length <= 22) lines.push(l.padEnd(24) + help);
    else lines.push(l, " ".repeat(24) + help);
  }
  return lines.join("\n") + "\n";
}

/** Parse argv; returns option values by dest and the positional arguments. Throws OptParseExit for -h/errors. */
export function parseOptions(
  argv: readonly string[],
  specs: OptSpec[],
  usage: string,
  prog: string,
): { options: Record<string, unknown>; args: string[] } {
  const options: Record<string, unknown> = {};
  for (const s of specs) options[s.dest] = s.default ?? (s.type === "false" ? true : null);
  const args: string[] = [];
  const fail = (msg: string): never => {
    throw new OptParseExit(2, `${usage}\n\n${prog}: error: ${msg}\n`, true);
  };
  const store = (s: OptSpec, value: string | undefined, shown: string) => {
    if (s.type === "true") options[s.dest] = true;
    else if (s.type === "false") options[s.dest] = false;
    else if (s.type === "int") {
      if (!/^\s*[+-]?\d+\s*$/.test(value!)) fail(`option ${shown}: invalid integer value: '${value}'`);
      options[s.dest] = parseInt(value!, 10);
    } else options[s.dest] = value;
  };
  const takesValue = (s: OptSpec) => s.type !== "true" && s.type !== "false";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h" || a === "--help") throw new OptParseExit(0, formatHelp(usage, specs), false);
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const matches = specs.filter((s) => s.long.startsWith(name));
      const s = specs.find((x) => x.long === name) ?? (matches.length === 1 ? matches[0] : undefined);
      if (!s) {
        if (matches.length > 1)
          fail(`ambiguous option: --${name} (${matches.map((m) => "--" + m.long).join(", ")}?)`);
        fail(`no such option: --${name}`);
      }
      const spec = s!;
      if (takesValue(spec)) {
        let v: string | undefined = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) fail(`--${spec.long} option requires 1 argument`);
        store(spec, v, `--${spec.long}`);
      } else {
        if (eq >= 0) fail(`--${spec.long} option does not take a value`);
        store(spec, undefined, `--${spec.long}`);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        if (ch === "h") throw new OptParseExit(0, formatHelp(usage, specs), false);
        const s = specs.find((x) => x.short === ch);
        if (!s) fail(`no such option: -${ch}`);
        const spec = s!;
        if (takesValue(spec)) {
          let v: string | undefined = a.slice(j + 1);
          if (v === "") v = argv[++i];
          if (v === undefined) fail(`-${ch} option requires 1 argument`);
          store(spec, v, `-${ch}`);
          break;
        }
        store(spec, undefined, `-${ch}`);
      }
      continue;
    }
    args.push(a);
  }
  return { options, args };
}
