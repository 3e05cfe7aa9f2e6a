// How the `pyro4` commands report a failure: one line on stderr, like Python's command-line tools, never a
// Node stack trace. Multi-line messages (locateNS lists every address it tried) are folded onto that line.

/** `err`'s message on one line (an Error's message, or String(err) for anything else thrown). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");
}
