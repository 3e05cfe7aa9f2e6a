// `pyro4 nsc`: name server control with pyro4-nsc's commands, options and output format (`name --> uri`,
// `    metadata: ['a', 'b']`, `Error: NamingError - ...`), so its output can be compared line for line.

import { createInterface } from "node:readline";
import { locateNS, type NameServerClient } from "../naming/locate.js";
import { formatUsage, type ParserSpec } from "../python/optparse.js";
import { compareCodePoints } from "../python/str.js";
import { repr } from "../python/repr.js";
import { pythonShortName } from "../python/exceptions.js";
import { oneLine } from "./report.js";
import { hmacKeyFrom } from "./hmac-key.js";
import type { PyroProfile } from "../profiles/index.js";
import { defineCommand, type CommandIo } from "./command.js";
import { PyroError, type PyroErrorCode } from "../errors.js";

// pyro4-nsc's OptionParser (Pyro4/nsc.py main()), option for option, so its help text is Python's
export const nscParser: ParserSpec = {
  prog: "pyro4 nsc",
  usage:
    "usage: %prog [options] command [arguments]\nCommands: " +
    "register remove removematching lookup list listmatching\n          listmeta_all listmeta_any setmeta ping",
  options: [
    { short: "n", long: "host", help: "hostname of the NS" },
    { short: "p", long: "port", type: "int", help: "port of the NS (or bc-port if host isn't specified)" },
    { short: "u", long: "unixsocket", help: "Unix domain socket name of the NS" },
    { short: "k", long: "key", help: "the HMAC key to use (deprecated)" },
    { short: "v", long: "verbose", action: "store_true", help: "verbose output" },
  ],
};

// `pyro5 nsc`: Pyro5's nsc.py main() (argparse): the same options minus -k (no HMAC in Pyro5), and
// yplookup_all / yplookup_any in place of listmeta_all / listmeta_any
const command5Names = [
  "list", "lookup", "register", "remove", "removematching", "listmatching", "yplookup_all", "yplookup_any", "setmeta", "ping",
];
export const nsc5Parser: ParserSpec = {
  prog: "pyro5 nsc",
  style: "argparse",
  description: "Pyro name server control utility.",
  // nsc.py's -n defaults to "" (not None): the parsed values are Python's
  options: nscParser.options.filter((o) => o.long !== "key").map((o) => (o.long === "host" ? { ...o, default: "" } : o)),
  positionals: [{ name: `{${command5Names.join(",")}}`, dest: "command", choices: command5Names }],
  // nsc.py calls parse_known_args: what follows the command (and any unknown option) goes to the command
  parseKnown: true,
};

const commandNames = [
  "register", "remove", "removematching", "list", "listmatching", "lookup", "listmeta_all", "listmeta_any", "setmeta", "ping",
];

/** What differs between pyro4-nsc (optparse) and Pyro5's nsc (argparse), per protocol. */
interface NscVariant {
  parser: ParserSpec;
  commands: readonly string[];
  /** The usage error for a missing or unknown command (after the usage line). */
  badCommand(args: readonly string[]): string;
  /** Metadata as the tool prints it: Pyro5's name server sends sets ({'a', 'b'}), Pyro4's lists (['a', 'b']). */
  showTags(tags: string[]): string;
  setmetaUsage: string;
}

const VARIANTS: Record<PyroProfile["name"], NscVariant> = {
  Pyro4: {
    parser: nscParser,
    commands: commandNames,
    badCommand: () => "pyro4 nsc: error: invalid or missing command",
    showTags: (tags) => repr(tags),
    setmetaUsage: "requires at least 2 arguments: uri and zero or more meta tags",
  },
  Pyro5: {
    parser: nsc5Parser,
    commands: command5Names,
    // never used: the argparse parser (nsc5Parser's choices) already refused a missing or unknown command
    badCommand: () => "pyro5 nsc: error: the following arguments are required: command",
    showTags: (tags) => repr(new Set(tags)),
    setmetaUsage: "requires arguments: uri and zero or more meta tags",
  },
};

export interface NscIo extends CommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Answers the removematching confirmation (default: one line from stdin). */
  ask?: (prompt: string) => Promise<string>;
}

/** Raised for wrong command arguments: pyro4-nsc's SystemExit(message), exit status 1. */
class UsageExit extends PyroError {
  override readonly code: PyroErrorCode = "ERR_PYRO4_USAGE";
}

async function defaultAsk(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line;
    return "";
  } finally {
    rl.close();
  }
}

/** `pyro4 nsc` / `pyro5 nsc` (io.protocol 5): one command against the name server; returns the exit status. */
export const nscMain = defineCommand<NscIo>({
  parser: (profile) => VARIANTS[profile.name].parser,
  output: "text",
  async run({ io, profile, parser, options, args, out: print, err, fail }) {
    const variant = VARIANTS[profile.name];
    // -k and PYRO_HMAC_KEY only where the protocol has HMAC (Pyro5 removed it)
    const hmac = profile.wire.hmac ? hmacKeyFrom(options.key as string | null, err) : { key: null };
    if ("error" in hmac) fail(hmac.error);
    const key = (hmac as { key: string | null }).key;
    if (!args.length || !variant.commands.includes(args[0]!)) fail(`${formatUsage(parser)}${variant.badCommand(args)}`, 2);
    const verbose = options.verbose === true;
    if (verbose) print("Locating name server...");
    let host = options.host as string | null;
    if (options.unixsocket) host = "./u:" + options.unixsocket;
    let ns: NameServerClient;
    try {
      // Pyro5's nsc defaults the host to "" (falsy: broadcast, then NS_HOST), as a missing host does here
      ns = await locateNS(host || null, options.port as number | null, { protocol: profile.protocol, hmacKey: key });
    } catch (e) {
      // pyro4-nsc prints this on stdout and exits 0; a script needs the failure in the status too
      print(`Error: ${oneLine(e)}`);
      return 1;
    }
    let status = 0;
    try {
      if (verbose) print(`Name server found: ${ns.uri}`);
      try {
        await handleCommand(ns, args, (...parts) => print(parts.join(" ")), io.ask ?? defaultAsk, variant);
      } catch (e) {
        if (e instanceof UsageExit) fail(e.message);
        print(`Error: ${pythonShortName(e)} - ${oneLine(e)}`);
        status = 1;
      }
      if (verbose) print("Done.");
    } finally {
      await ns.release();
    }
    return status;
  },
});

async function handleCommand(
  ns: NameServerClient,
  args: string[],
  print: (...parts: string[]) => void,
  ask: (prompt: string) => Promise<string>,
  variant: NscVariant,
): Promise<void> {
  const showTags = variant.showTags;
  const printListResult = (result: Record<string, [string, string[]]>, title = "") => {
    print(`--------START LIST ${title}`);
    for (const name of Object.keys(result).sort(compareCodePoints)) {
      const [uri, metadata] = result[name]!;
      print(`${name} --> ${uri}`);
      if (metadata.length) print("    metadata:", showTags(metadata));
    }
    print(`--------END LIST ${title}`);
  };
  const need = (ok: boolean, msg: string) => {
    if (!ok) throw new UsageExit(msg);
  };
  switch (args[0]) {
    case "ping":
      await ns.ping();
      print("Name server ping ok.");
      return;
    case "list":
      if (args.length === 1) printListResult(await ns.list({ returnMetadata: true }));
      else printListResult(await ns.list({ prefix: args[1]!, returnMetadata: true }), `- prefix '${args[1]}'`);
      return;
    case "listmatching":
      need(args.length === 2, "requires one argument: pattern");
      printListResult(await ns.list({ regex: args[1]!, returnMetadata: true }), `- regex '${args[1]}'`);
      return;
    case "lookup": {
      need(args.length === 2, "requires one argument: name");
      const [uri, metadata] = await ns.lookup(args[1]!, { returnMetadata: true });
      print(String(uri));
      if (metadata.length) print("metadata:", showTags(metadata));
      return;
    }
    case "register":
      need(args.length === 3, "requires two arguments: name uri");
      await ns.register(args[1]!, args[2]!, { safe: true });
      print(`Registered ${args[1]}`);
      return;
    case "remove": {
      need(args.length === 2, "requires one argument: name");
      const count = await ns.remove(args[1]!);
      print(count > 0 ? `Removed ${args[1]}` : "Nothing removed");
      return;
    }
    case "removematching": {
      need(args.length === 2, "requires one argument: pattern");
      const sure = (await ask("Potentially removing lots of items from the Name server. Are you sure (y/n)?")).trim();
      if (sure === "y" || sure === "Y") {
        const count = await ns.remove(null, { regex: args[1]! });
        print(`${count} items removed.`);
      }
      return;
    }
    case "setmeta": {
      need(args.length >= 2, variant.setmetaUsage);
      const metadata = new Set(args.slice(2));
      await ns.setMetadata(args[1]!, metadata);
      print(metadata.size ? "Metadata updated" : "Metadata cleared");
      return;
    }
    case "listmeta_all":
    case "listmeta_any": {
      need(args.length >= 2, "requires at least one metadata tag argument");
      const tags = new Set(args.slice(1));
      const result =
        args[0] === "listmeta_all"
          ? await ns.list({ metadataAll: tags, returnMetadata: true })
          : await ns.list({ metadataAny: tags, returnMetadata: true });
      printListResult(result, " - searched by metadata");
      return;
    }
    case "yplookup_all":
    case "yplookup_any": {
      need(args.length >= 2, "requires at least one metadata tag argument");
      const tags = args.slice(1);
      const all = args[0] === "yplookup_all";
      // Pyro5's yplookup(meta_all, meta_any, return_metadata), called as Pyro5's nsc calls it
      const raw = ((await ns.proxy.$call("yplookup", [], { meta_all: all ? tags : null, meta_any: all ? null : tags, return_metadata: true })) ??
        {}) as Record<string, [unknown, Iterable<string> | null]>;
      const result: Record<string, [string, string[]]> = {};
      for (const [k, [u, t]] of Object.entries(raw))
        Object.defineProperty(result, k, { value: [String(u), [...(t ?? [])]], enumerable: true, writable: true, configurable: true });
      printListResult(result, " - searched by metadata");
      return;
    }
  }
}
