// The command line of the bench/profile drivers (workers, inproc, run, observe-cost): each names its options with
// their defaults in one object, instead of repeating node:util parseArgs' `{ type, default }` boilerplate per option.
import { parseArgs } from "node:util";

/** The parsed options: a string for each option whose default is a string, a boolean for each flag. */
export type ProfileArgs<T> = { readonly [K in keyof T]: T[K] extends boolean ? boolean : string };

/**
 * This process's `--name value` options and `--flag`s, each at its default unless given: a string default makes a
 * string option, a boolean default a flag. Unknown options and positional arguments are an error (parseArgs' strict mode).
 */
export function profileArgs<const T extends Record<string, string | boolean>>(defaults: T): ProfileArgs<T> {
  const options: Record<string, { type: "string"; default: string } | { type: "boolean"; default: boolean }> = {};
  for (const [name, d] of Object.entries(defaults)) options[name] = typeof d === "boolean" ? { type: "boolean", default: d } : { type: "string", default: d };
  return parseArgs({ options }).values as ProfileArgs<T>;
}
