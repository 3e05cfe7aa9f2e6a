// The one runner for every command of the `pyro4` and `pyro5` bins: a command is a table entry (its parser per
// protocol, its handler), and this module does what each command used to repeat: pick the profile, parse argv with
// the Python-compatible layer (optparse's rules for `pyro4`, argparse's for `pyro5`), print -h and usage errors
// (stdout/stderr, status 0/2), route output to the caller's io (tests pass their own), turn a failure into one line
// and a status (never a stack for a user mistake), and hold the SIGINT/SIGTERM listeners of a long-running command
// only while it runs.

import { OptParseExit, parseOptions, type OptionValue, type ParserSpec } from "../python/optparse.js";
import { parseArgparse } from "../python/argparse.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, profileFor, type PyroProfile } from "../profiles/index.js";
import { oneLine } from "./report.js";
import { PyroError, type PyroErrorCode } from "../errors.js";

/** What a command's caller may pass: output sinks, the protocol, a stop promise (tests; default: SIGINT/SIGTERM). */
export interface CommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** 4 (default): the `pyro4` command. 5: the `pyro5` one (Pyro5's flags, protocol 502). */
  protocol?: 4 | 5;
  /** Resolves when a long-running command should stop (default: SIGINT or SIGTERM). */
  stopSignal?: Promise<unknown>;
}

/** A failure the command reports itself: `message` goes to stderr as it is (one line), the status is returned. */
export class CommandFailure extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_USAGE";
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
    this.name = "CommandFailure";
  }
}

/** What a command's handler gets: the parsed command line, line-oriented output, the profile and the stop hook. */
export interface CommandContext<Io extends CommandIo> {
  readonly io: Io;
  readonly profile: PyroProfile;
  readonly prog: string;
  readonly parser: ParserSpec;
  readonly options: Record<string, OptionValue>;
  readonly args: string[];
  /** One line to stdout (no "\n"). */
  out(line: string): void;
  /** One line to stderr (no "\n"). */
  err(line: string): void;
  /** Report `message` on stderr and end the command with `status` (throws CommandFailure). */
  fail(message: string, status?: number): never;
  /** Resolves on SIGINT/SIGTERM (or io.stopSignal); the signal listeners are removed when the command ends. */
  stopped(): Promise<void>;
}

export interface CommandSpec<Io extends CommandIo> {
  /** The command line of this protocol's tool (a function of the profile: Pyro4's and Pyro5's tools differ). */
  parser(profile: PyroProfile, io: Io): ParserSpec;
  /**
   * How io.out/io.err are called: "line" = once per line without "\n" (default sinks print a line each); "text" =
   * with the text and its "\n" (the sinks concatenate). Existing callers of each command rely on its style.
   */
  output: "line" | "text";
  /**
   * false: start even when the protocol refuses the PYRO_* environment (check-config reports those itself).
   * Default: refuse, as profileFor() does (Pyro5 does not start with variables it does not know).
   */
  checkConfig?: boolean;
  /** The command itself, after a successful parse; its result is the exit status. */
  run(ctx: CommandContext<Io>): Promise<number>;
}

/** A command's entry point: argv (after the command name) and optional io in, exit status out. */
export type CommandEntry<Io extends CommandIo> = (argv: string[], io?: Io) => Promise<number>;

const writeOut = (t: string) => void process.stdout.write(t);
const writeErr = (t: string) => void process.stderr.write(t);

/** Make a command's entry point from its spec (see the file comment for what the runner does). */
export function defineCommand<Io extends CommandIo>(spec: CommandSpec<Io>): CommandEntry<Io> {
  return async (argv, io = {} as Io) => {
    const text = spec.output === "text";
    const outText = io.out ? (t: string) => io.out!(text ? t : t.replace(/\n$/, "")) : writeOut;
    const errText = io.err ? (t: string) => io.err!(text ? t : t.replace(/\n$/, "")) : writeErr;
    const out = (line: string) => outText(line + "\n");
    const err = (line: string) => errText(line + "\n");
    const profile =
      spec.checkConfig === false ? [PYRO4_PROFILE, PYRO5_PROFILE].find((p) => p.protocol === (io.protocol ?? 4))! : profileFor(io.protocol);
    const parser = spec.parser(profile, io);
    let parsed;
    try {
      // Pyro4's tools are optparse programs, Pyro5's argparse ones: each reads (and refuses) a command line its way
      parsed = parser.style === "argparse" ? parseArgparse(argv, parser) : parseOptions(argv, parser);
    } catch (e) {
      if (!(e instanceof OptParseExit)) throw e;
      (e.toStderr ? errText : outText)(e.output);
      return e.status;
    }
    const cleanups: (() => void)[] = [];
    const stopped = (): Promise<void> => {
      if (io.stopSignal) return io.stopSignal.then(() => undefined);
      return new Promise<void>((resolve) => {
        const onSignal = () => resolve();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        cleanups.push(() => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        });
      });
    };
    const ctx: CommandContext<Io> = {
      io,
      profile,
      prog: parser.prog,
      parser,
      options: parsed.options,
      args: parsed.args,
      out,
      err,
      fail: (message, status = 1) => {
        throw new CommandFailure(message, status);
      },
      stopped,
    };
    try {
      return await spec.run(ctx);
    } catch (e) {
      if (e instanceof CommandFailure) {
        err(e.message);
        return e.status;
      }
      // anything else is still one line naming the command, never a stack
      err(`${parser.prog}: error: ${oneLine(e)}`);
      return 1;
    } finally {
      for (const c of cleanups) c();
    }
  };
}
