// Python argparse's reading of a command line, for the `pyro5` commands: Pyro5's tools (Pyro5.nameserver, Pyro5.nsc,
// Pyro5.utils.echoserver, Pyro5.utils.httpgateway) are argparse programs, and scripts see argparse's results and its
// errors ("usage: ...\nprog: error: unrecognized arguments: -k", "argument -p/--port: invalid int value: '0x10'",
// "argument -p/--port: expected one argument", status 2), which differ from optparse's (src/python/optparse.ts, for
// the `pyro4` commands) in wording and in what they accept. This is a port of Python 3.11's
// ArgumentParser._parse_known_args for what those tools declare: optionals storing one value (str, int, float) or
// true/false, -h, and positionals taking one value (with choices); help and usage text stay in optparse.ts.

import {
  HELP_OPTION,
  OptParseExit,
  destOf,
  formatHelp,
  formatUsage,
  takesValue,
  type OptionSpec,
  type OptionValue,
  type ParsedOptions,
  type ParserSpec,
} from "./optparse.js";
import { strRepr } from "./str.js";
import { parsePyFloat, parsePyInt } from "./numbers.js";

/** An argparse Action: an optional (option strings, nargs 0 or 1) or a positional (nargs None: one value). */
interface Action {
  /** argparse's _get_action_name: "-p/--port" for an optional, the dest for a positional. */
  name: string;
  dest: string;
  /** null for a positional. */
  spec: OptionSpec | null;
  nargs: 0 | 1;
  choices?: readonly string[];
}

/** What _parse_optional makes of an argument: the action (null: an unknown option), the option string, an "=value". */
interface OptionTuple {
  action: Action | null;
  optionString: string;
  explicitArg: string | null;
}

// ArgumentParser._negative_number_matcher (Python's \d is any Unicode decimal digit)
const NEGATIVE_NUMBER = /^-\p{Nd}+$|^-\p{Nd}*\.\p{Nd}+$/u;

/**
 * Parse argv as the argparse program `p` describes would (parse_args, or parse_known_args when `p.parseKnown`):
 * option values by dest (defaults filled in, null when none) and the positional values followed by the unknown
 * arguments (parse_known_args only). Throws OptParseExit for -h/--help (status 0) and for every argparse error
 * (status 2, argparse's usage line and `prog: error: message` for stderr).
 */
export function parseArgparse(argv: readonly string[], p: ParserSpec): ParsedOptions {
  const fail = (msg: string): never => {
    throw new OptParseExit(2, `${formatUsage(p)}${p.prog}: error: ${msg}\n`, true);
  };
  const argumentError = (action: Action, msg: string): never => fail(`argument ${action.name}: ${msg}`);

  // _option_string_actions, in add_argument order (the order of an "ambiguous option" list)
  const byString = new Map<string, Action>();
  for (const o of [HELP_OPTION, ...p.options]) {
    const strings = [...(o.short ? [`-${o.short}`] : []), `--${o.long}`];
    const action: Action = { name: strings.join("/"), dest: destOf(o), spec: o, nargs: takesValue(o) ? 1 : 0 };
    for (const s of strings) byString.set(s, action);
  }
  let positionals: Action[] = (p.positionals ?? []).map((x) => ({
    name: x.dest ?? x.name,
    dest: x.dest ?? x.name,
    spec: null,
    nargs: 1,
    ...(x.choices ? { choices: x.choices } : {}),
  }));
  const allPositionals = positionals;

  function optionTuples(arg: string): OptionTuple[] {
    const result: OptionTuple[] = [];
    if (arg[1] === "-") {
      // "--" options are only split at the "=" (and may be abbreviated)
      const eq = arg.indexOf("=");
      const prefix = eq < 0 ? arg : arg.slice(0, eq);
      const explicitArg = eq < 0 ? null : arg.slice(eq + 1);
      for (const [s, action] of byString) if (s.startsWith(prefix)) result.push({ action, optionString: s, explicitArg });
    } else {
      // a single-dash option may carry its value (or more single-dash flags) in the same argument
      const short = arg.slice(0, 2);
      for (const [s, action] of byString) {
        if (s === short) result.push({ action, optionString: s, explicitArg: arg.slice(2) });
        else if (s.startsWith(arg)) result.push({ action, optionString: s, explicitArg: null });
      }
    }
    return result;
  }

  function parseOptional(arg: string): OptionTuple | null {
    if (!arg || arg[0] !== "-") return null;
    const exact = byString.get(arg);
    if (exact) return { action: exact, optionString: arg, explicitArg: null };
    if (arg.length === 1) return null;
    const eq = arg.indexOf("=");
    if (eq >= 0) {
      const action = byString.get(arg.slice(0, eq));
      if (action) return { action, optionString: arg.slice(0, eq), explicitArg: arg.slice(eq + 1) };
    }
    const tuples = optionTuples(arg);
    if (tuples.length > 1) fail(`ambiguous option: ${arg} could match ${tuples.map((t) => t.optionString).join(", ")}`);
    if (tuples.length === 1) return tuples[0]!;
    // no option of ours looks like a negative number, so "-5" is a value
    if (NEGATIVE_NUMBER.test(arg)) return null;
    if (arg.includes(" ")) return null;
    return { action: null, optionString: arg, explicitArg: null };
  }

  // 'O' for an option, 'A' for an argument, '-' for "--" (everything after it is an argument)
  const args = [...argv];
  const optionAt = new Map<number, OptionTuple>();
  let pattern = "";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      pattern += "-" + "A".repeat(args.length - i - 1);
      break;
    }
    const tuple = parseOptional(args[i]!);
    if (tuple) optionAt.set(i, tuple);
    pattern += tuple ? "O" : "A";
  }

  const options: Record<string, OptionValue> = {};
  // argparse's store_true / store_false default to False / True
  for (const o of p.options) options[destOf(o)] = o.default ?? (o.action === "store_true" ? false : o.action === "store_false" ? true : null);
  const positionalValues: string[] = [];
  const seen = new Set<Action>();
  const extras: string[] = [];

  const convert = (action: Action, value: string): OptionValue => {
    const type = action.spec?.type ?? "string";
    if (type === "string") return value;
    const n = type === "int" ? parsePyInt(value, 10) : parsePyFloat(value);
    if (n === null) argumentError(action, `invalid ${type} value: ${strRepr(value)}`);
    return n;
  };

  const takeAction = (action: Action, strings: string[]): void => {
    seen.add(action);
    const values = [...strings];
    const dashes = values.indexOf("--");
    if (dashes >= 0) values.splice(dashes, 1);
    if (action.spec === HELP_OPTION) throw new OptParseExit(0, formatHelp(p), false);
    if (action.nargs === 0) {
      options[action.dest] = action.spec!.action === "store_true";
      return;
    }
    const value = convert(action, values[0]!);
    if (action.choices && !action.choices.includes(value as string)) {
      argumentError(action, `invalid choice: ${strRepr(value as string)} (choose from ${action.choices.map(strRepr).join(", ")})`);
    }
    options[action.dest] = value;
    if (!action.spec) positionalValues.push(value as string);
  };

  // _get_nargs_pattern: an optional takes exactly its value ("--" not allowed), a positional one value around "--"s
  const nargsPattern = (action: Action) => (action.spec ? (action.nargs ? "(A)" : "()") : "(-*A-*)");
  const matchArgument = (action: Action, rest: string): number => {
    const m = new RegExp(`^${nargsPattern(action)}`).exec(rest);
    if (!m) argumentError(action, "expected one argument");
    return m![1]!.length;
  };

  function consumeOptional(start: number): number {
    let { action, optionString, explicitArg } = optionAt.get(start)!;
    const taken: [Action, string[]][] = [];
    let stop: number;
    for (;;) {
      if (!action) {
        extras.push(args[start]!);
        return start + 1;
      }
      if (explicitArg !== null) {
        const count = matchArgument(action, "A");
        if (count === 0 && optionString[1] !== "-" && explicitArg !== "") {
          // -xz: -x takes no value, so "z" is the next single-dash flag
          taken.push([action, []]);
          optionString = "-" + explicitArg[0]!;
          const next = byString.get(optionString);
          if (!next) argumentError(action, `ignored explicit argument ${strRepr(explicitArg)}`);
          action = next!;
          explicitArg = explicitArg.slice(1) || null;
        } else if (count === 1) {
          stop = start + 1;
          taken.push([action, [explicitArg]]);
          break;
        } else argumentError(action, `ignored explicit argument ${strRepr(explicitArg)}`);
      } else {
        const count = matchArgument(action, pattern.slice(start + 1));
        stop = start + 1 + count;
        taken.push([action, args.slice(start + 1, stop)]);
        break;
      }
    }
    for (const [a, strings] of taken) takeAction(a, strings);
    return stop;
  }

  function consumePositionals(start: number): number {
    // match as many positionals as possible (_match_arguments_partial)
    const rest = pattern.slice(start);
    let counts: number[] = [];
    for (let i = positionals.length; i > 0; i--) {
      const m = new RegExp(`^${positionals.slice(0, i).map(nargsPattern).join("")}`).exec(rest);
      if (m) {
        counts = m.slice(1).map((g) => g.length);
        break;
      }
    }
    counts.forEach((count, i) => {
      takeAction(positionals[i]!, args.slice(start, start + count));
      start += count;
    });
    positionals = positionals.slice(counts.length);
    return start;
  }

  // consume positionals and optionals alternately until past the last option string
  let start = 0;
  const optionIndices = [...optionAt.keys()];
  const maxOptionIndex = optionIndices.length ? Math.max(...optionIndices) : -1;
  while (start <= maxOptionIndex) {
    const nextOption = Math.min(...optionIndices.filter((i) => i >= start));
    if (start !== nextOption) {
      const end = consumePositionals(start);
      if (end > start) {
        start = end;
        continue;
      }
      start = end;
    }
    if (!optionAt.has(start)) {
      extras.push(...args.slice(start, nextOption));
      start = nextOption;
    }
    start = consumeOptional(start);
  }
  extras.push(...args.slice(consumePositionals(start)));

  const missing = allPositionals.filter((a) => !seen.has(a)).map((a) => a.name);
  if (missing.length) fail(`the following arguments are required: ${missing.join(", ")}`);
  if (!p.parseKnown && extras.length) fail(`unrecognized arguments: ${extras.join(" ")}`);
  return { options, args: [...positionalValues, ...extras] };
}
