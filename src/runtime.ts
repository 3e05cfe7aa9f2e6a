// Which JavaScript runtime runs us, for version banners: Bun and Deno report a Node version in
// process.versions.node (the Node API level they implement), which would name the wrong program.

/** "Node 24.1.0", "Bun 1.4.5" or "Deno 2.9.6". */
export function runtimeDescription(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun) return `Bun ${v.bun}`;
  if (v.deno) return `Deno ${v.deno}`;
  return `Node ${process.versions.node}`;
}
