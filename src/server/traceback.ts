// Tracebacks sent with exceptions: the plain form comes from python/exceptions.ts (errorTraceback); this adds Pyro4's
// DETAILED_TRACEBACK layout (frame by frame with the source line), built from the JavaScript stack.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pythonNameOf } from "../python/exceptions.js";

const LINE = "-".repeat(52) + "\n";
const sourceCache = new Map<string, string[] | null>();

function sourceLine(file: string, line: number): string {
  let lines = sourceCache.get(file);
  if (lines === undefined) {
    try {
      const path = file.startsWith("file://") ? fileURLToPath(file) : file;
      lines = path.startsWith("node:") ? null : readFileSync(path, "utf8").split("\n");
    } catch {
      lines = null;
    }
    if (sourceCache.size > 200) sourceCache.clear();
    sourceCache.set(file, lines);
  }
  return lines?.[line - 1]?.trim() ?? "";
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/** Pyro4's detailed traceback format for a JavaScript error (no local variables: JavaScript cannot show them). */
export function detailedTraceback(err: Error): string[] {
  const cls = pythonNameOf(err);
  const head = ` EXCEPTION <class '${cls.replace(/^builtins\./, "")}'>: ${err.message}\n`;
  const out = [LINE, head, " Extended stacktrace follows (most recent call last)\n"];
  const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).reverse();
  for (const f of frames) {
    out.push(LINE);
    const m = FRAME.exec(f);
    if (!m) {
      out.push(f.trim() + "\n");
      continue;
    }
    const [, fn, file, line] = m;
    out.push(`File "${file}", line ${line}, in ${fn ?? "<module>"}\n`);
    out.push("Source code:\n");
    out.push("    " + sourceLine(file!, Number(line)) + "\n");
  }
  out.push(LINE, head, LINE);
  return out;
}
