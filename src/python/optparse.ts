// Python optparse behaviour for the `pyro4` commands, on top of node:util parseArgs: Pyro4's tools (pyro4-ns,
// pyro4-nsc, pyro4-test-echoserver, ...) are optparse programs, and their users type optparse forms (`-p 9090`,
// `-p9090`, `--port=9090`, `--port 9090`, `--po 9090`, `-xv`) and scripts match optparse's help layout and its
// "Usage: ...\n\nprog: error: ..." failures (exit status 2). parseArgs does the tokenizing; this module adds what
// optparse has and parseArgs lacks: unambiguous long-option abbreviations, int/float conversion with optparse's
// messages, %default in help, and the IndentedHelpFormatter layout (wrapped to $COLUMNS like Python 3.11).

import { parseArgs } from "node:util";
import { PyroError, type PyroErrorCode } from "../errors.js";
import { strRepr as reprStr } from "./str.js";
import { wrap } from "./textwrap.js";
import { parsePyFloat, parsePyInt } from "./numbers.js";

export type OptionValue = string | number | boolean | null;

export interface OptionSpec {
  /** One character, without the dash. */
  short?: string;
  /** Without the dashes. */
  long: string;
  /** Where the value goes (default: the long name with "-" turned into "_", as optparse does). */
  dest?: string;
  /** optparse's action: store a value (default), or store true/false without one. */
  action?: "store" | "store_true" | "store_false";
  /** For "store": how the value is converted (default "string"). */
  type?: "string" | "int" | "float";
  /** Shown in help as `-p PORT, --port=PORT` (default: dest in upper case). */
  metavar?: string;
  default?: OptionValue;
  /** Help text; "%default" is replaced by the default value, as optparse does. */
  help?: string;
  /** Our option, not the Python tool's (listed last, so the Python tool's help text stays a prefix of ours). */
  extension?: boolean;
}

export interface ParserSpec {
  /** The program name that replaces %prog (e.g. "pyro4 ns"). */
  prog: string;
  /** optparse's usage string (default "%prog [options]"); a leading "usage: " is dropped, as optparse does. */
  usage?: string;
  /** Shown between the usage line and the options, wrapped like optparse does. */
  description?: string;
  options: readonly OptionSpec[];
  /**
   * "argparse": for Pyro5's tools, which are argparse programs: -h and usage errors in argparse's layout (`usage:
   * prog [-h] [-n HOST]`, `options:`, `-n HOST, --host HOST`), and the command line read by parseArgparse
   * (src/python/argparse.ts) with argparse's rules and error messages. Default "optparse" (parseOptions).
   */
  style?: "optparse" | "argparse";
  /**
   * argparse style: positional arguments (one value each), shown in the usage and under "positional arguments:";
   * `dest` names it in errors ("argument command: invalid choice: ..."), `choices` are the values it takes.
   */
  positionals?: readonly { name: string; help?: string; dest?: string; choices?: readonly string[] }[];
  /**
   * argparse style: parse_known_args instead of parse_args (Pyro5's nsc): unknown options and extra arguments are
   * returned after the positional values instead of being an "unrecognized arguments" error.
   */
  parseKnown?: boolean;
}

export interface ParsedOptions {
  options: Record<string, OptionValue>;
  args: string[];
}

/** -h/--help (status 0, help text for stdout) or a command-line error (status 2, usage and message for stderr). */
export class OptParseExit extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_USAGE";
  constructor(
    readonly status: number,
    readonly output: string,
    readonly toStderr: boolean,
  ) {
    super(output);
  }
}

/** The -h/--help option every parser has (optparse's and argparse's add it first). */
export const HELP_OPTION: OptionSpec = { short: "h", long: "help", action: "store_true", help: "show this help message and exit" };

/** Whether the option stores a value given with it (rather than true/false). */
export const takesValue = (o: OptionSpec): boolean => (o.action ?? "store") === "store";
/** The name the option's value is stored under (its long name with "-" turned into "_" unless `dest` is given). */
export const destOf = (o: OptionSpec): string => o.dest ?? o.long.replace(/-/g, "_");

function usageLine(p: ParserSpec): string {
  let usage = p.usage ?? "%prog [options]";
  if (usage.toLowerCase().startsWith("usage: ")) usage = usage.slice(7);
  return `Usage: ${usage.replaceAll("%prog", p.prog)}\n`;
}

/** What optparse prints before an error message: the usage line and a blank line (argparse: the usage line). */
export function formatUsage(p: ParserSpec): string {
  if (p.style === "argparse") return `usage: ${argparseUsage(p, helpWidth())}\n`;
  return usageLine(p) + "\n";
}

/** optparse's _parse_int: "0x.." hex, "0b.." binary, "0.." octal, else decimal; null where optparse errors. */
export function parseOptparseInt(val: string): number | null {
  const head = val.slice(0, 2).toLowerCase();
  if (head === "0x") return parsePyInt(val, 16);
  if (head === "0b") return parsePyInt(val.slice(2) || "0", 2);
  if (val[0] === "0") return parsePyInt(val, 8);
  return parsePyInt(val, 10);
}

/** Python's str() of an option's default, for %default. */
function pyStr(o: OptionSpec): string {
  const v = o.default;
  if (v === null || v === undefined) return "none"; // optparse's NO_DEFAULT_VALUE
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number" && o.type === "float" && Number.isInteger(v)) return v.toFixed(1);
  return String(v);
}

/** optparse's help width: int($COLUMNS) or 80, minus 2 (Python 3.11 does not ask the terminal). */
export function helpWidth(env: NodeJS.ProcessEnv = process.env): number {
  const cols = env.COLUMNS === undefined ? null : parsePyInt(env.COLUMNS, 10);
  return (cols ?? 80) - 2;
}

const metavarOf = (o: OptionSpec) => o.metavar ?? destOf(o).toUpperCase();

function optionStrings(o: OptionSpec): string {
  const metavar = metavarOf(o);
  const forms: string[] = [];
  if (o.short) forms.push(takesValue(o) ? `-${o.short} ${metavar}` : `-${o.short}`);
  forms.push(takesValue(o) ? `--${o.long}=${metavar}` : `--${o.long}`);
  return forms.join(", ");
}

/** argparse's usage text (after "usage: "): generated from the options unless `usage` is given, wrapped as argparse does. */
function argparseUsage(p: ParserSpec, width: number): string {
  if (p.usage) return p.usage.replaceAll("%prog", p.prog);
  const optParts = [HELP_OPTION, ...p.options].map((o) => {
    const first = o.short ? `-${o.short}` : `--${o.long}`;
    return takesValue(o) ? `[${first} ${metavarOf(o)}]` : `[${first}]`;
  });
  const posParts = (p.positionals ?? []).map((x) => x.name);
  const prefix = "usage: ";
  const oneLine = [p.prog, ...optParts, ...posParts].join(" ");
  if (prefix.length + oneLine.length <= width) return oneLine;
  // HelpFormatter._format_usage's get_lines: fill lines up to the width, continuation lines indented under the options
  const getLines = (parts: string[], indent: string, pfx?: string): string[] => {
    const lines: string[] = [];
    let line: string[] = [];
    let len = pfx !== undefined ? pfx.length - 1 : indent.length - 1;
    for (const part of parts) {
      if (len + 1 + part.length > width && line.length) {
        lines.push(indent + line.join(" "));
        line = [];
        len = indent.length - 1;
      }
      line.push(part);
      len += part.length + 1;
    }
    if (line.length) lines.push(indent + line.join(" "));
    if (pfx !== undefined) lines[0] = lines[0]!.slice(indent.length);
    return lines;
  };
  let lines: string[];
  if (prefix.length + p.prog.length <= 0.75 * width) {
    const indent = " ".repeat(prefix.length + p.prog.length + 1);
    lines = getLines([p.prog, ...optParts], indent, prefix);
    if (posParts.length) lines.push(...getLines(posParts, indent));
  } else {
    const indent = " ".repeat(prefix.length);
    lines = [p.prog, ...getLines([...optParts, ...posParts], indent)];
  }
  return lines.join("\n");
}

/** argparse's HelpFormatter output (Python 3.11): usage, description, positional arguments, options. */
function formatArgparseHelp(p: ParserSpec, width: number): string {
  const indent = 2;
  const opts = [HELP_OPTION, ...p.options];
  const invocation = (o: OptionSpec) => {
    const m = takesValue(o) ? ` ${metavarOf(o)}` : "";
    return [...(o.short ? [`-${o.short}${m}`] : []), `--${o.long}${m}`].join(", ");
  };
  const rows = [
    ...(p.positionals ?? []).map((x) => ({ section: "positional arguments:", header: x.name, help: x.help })),
    ...opts.map((o) => ({ section: "options:", header: invocation(o), help: o.help?.replaceAll("%default", pyStr(o)) })),
  ];
  const maxHelpPosition = Math.min(24, Math.max(width - 20, 4));
  const helpPosition = Math.min(Math.max(...rows.map((r) => r.header.length + indent)) + 2, maxHelpPosition);
  const helpWidthCols = Math.max(width - helpPosition, 11);
  const actionWidth = helpPosition - indent - 2;
  let out = `usage: ${argparseUsage(p, width)}\n\n`;
  if (p.description) out += wrap(p.description.replaceAll("%prog", p.prog), Math.max(width, 11)).join("\n") + "\n\n";
  let section = "";
  for (const r of rows) {
    if (r.section !== section) {
      if (section) out += "\n";
      out += r.section + "\n";
      section = r.section;
    }
    if (!r.help) {
      out += " ".repeat(indent) + r.header + "\n";
      continue;
    }
    let indentFirst = 0;
    if (r.header.length <= actionWidth) out += " ".repeat(indent) + r.header.padEnd(actionWidth) + "  ";
    else {
      out += " ".repeat(indent) + r.header + "\n";
      indentFirst = helpPosition;
    }
    const lines = wrap(r.help.replace(/\s+/g, " ").trim(), helpWidthCols);
    out += " ".repeat(indentFirst) + (lines[0] ?? "") + "\n";
    for (const line of lines.slice(1)) out += " ".repeat(helpPosition) + line + "\n";
  }
  return out;
}

/** What `-h` prints: optparse's IndentedHelpFormatter output for this parser (argparse's for style "argparse"). */
export function formatHelp(p: ParserSpec, width = helpWidth()): string {
  if (p.style === "argparse") return formatArgparseHelp(p, width);
  const indent = 2;
  const all = [HELP_OPTION, ...p.options];
  const strings = all.map(optionStrings);
  const maxHelpPosition = Math.min(24, Math.max(width - 20, 4));
  const maxLen = Math.max(...strings.map((s) => s.length + indent));
  const helpPosition = Math.min(maxLen + 2, maxHelpPosition);
  const helpCols = Math.max(width - helpPosition, 11);
  const optWidth = helpPosition - indent - 2;
  let out = usageLine(p) + "\n";
  if (p.description) out += wrap(p.description.replaceAll("%prog", p.prog), Math.max(width, 11)).join("\n") + "\n\n";
  out += "Options:\n";
  all.forEach((o, i) => {
    const opts = strings[i]!;
    let indentFirst: number;
    if (opts.length > optWidth) {
      out += " ".repeat(indent) + opts + "\n";
      indentFirst = helpPosition;
    } else {
      out += " ".repeat(indent) + opts.padEnd(optWidth) + "  ";
      indentFirst = 0;
    }
    if (o.help) {
      const lines = wrap(o.help.replaceAll("%default", pyStr(o)), helpCols);
      out += " ".repeat(indentFirst) + (lines[0] ?? "") + "\n";
      for (const line of lines.slice(1)) out += " ".repeat(helpPosition) + line + "\n";
    } else if (!out.endsWith("\n")) out += "\n";
  });
  return out;
}

/**
 * Parse argv as optparse's OptionParser.parse_args would: option values by dest (defaults filled in, null when
 * none) and the positional arguments. Throws OptParseExit for -h/--help and for every optparse error. (A parser of
 * style "argparse" is read by parseArgparse, src/python/argparse.ts; command.ts picks the one for the style.)
 */
export function parseOptions(argv: readonly string[], p: ParserSpec): ParsedOptions {
  const all = [HELP_OPTION, ...p.options];
  const byLong = new Map(all.map((o) => [o.long, o]));
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const o of all) config[o.long] = { type: takesValue(o) ? "string" : "boolean", ...(o.short ? { short: o.short } : {}) };
  const fail = (msg: string): never => {
    throw new OptParseExit(2, `${formatUsage(p)}${p.prog}: error: ${msg}\n`, true);
  };

  const args = [...argv];
  // parseArgs has no abbreviations: when it reports an unknown long option that is an unambiguous prefix of
  // one of ours, that argument is rewritten to the full name and the whole line is parsed again.
  for (;;) {
    const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
    const options: Record<string, OptionValue> = {};
    for (const o of p.options) options[destOf(o)] = o.default ?? null;
    const positionals: string[] = [];
    let restart = false;
    for (const t of tokens) {
      if (t.kind === "positional") {
        positionals.push(t.value);
        continue;
      }
      if (t.kind !== "option") continue;
      const known = t.rawName.startsWith("--") ? byLong.get(t.name) : all.find((o) => o.short === t.rawName.slice(1));
      if (!known) {
        if (!t.rawName.startsWith("--")) fail(`no such option: ${t.rawName}`);
        const arg = args[t.index]!;
        const eq = arg.indexOf("=");
        const typed = eq < 0 ? arg : arg.slice(0, eq);
        const matches = all.map((o) => `--${o.long}`).filter((l) => l.startsWith(typed));
        if (matches.length === 0) fail(`no such option: ${typed}`);
        if (matches.length > 1) fail(`ambiguous option: ${typed} (${matches.sort().join(", ")}?)`);
        args[t.index] = matches[0]! + (eq < 0 ? "" : arg.slice(eq));
        restart = true;
        break;
      }
      const opt = t.rawName;
      if (known === HELP_OPTION) {
        if (t.value !== undefined) fail(`${opt} option does not take a value`);
        throw new OptParseExit(0, formatHelp(p), false);
      }
      if (!takesValue(known)) {
        if (t.value !== undefined) fail(`${opt} option does not take a value`);
        options[destOf(known)] = known.action === "store_true";
        continue;
      }
      if (t.value === undefined) fail(`${opt} option requires 1 argument`);
      const raw = t.value!;
      if (known.type === "int") {
        const n = parseOptparseInt(raw);
        if (n === null) fail(`option ${opt}: invalid integer value: ${reprStr(raw)}`);
        options[destOf(known)] = n;
      } else if (known.type === "float") {
        const n = parsePyFloat(raw);
        if (n === null) fail(`option ${opt}: invalid floating-point value: ${reprStr(raw)}`);
        options[destOf(known)] = n;
      } else options[destOf(known)] = raw;
    }
    if (!restart) return { options, args: positionals };
  }
}
