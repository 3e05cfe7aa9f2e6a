// PLACEHOLDER: replaced by the real `pyro4 ns` command (owner: see the task brief).
export async function nsMain(_argv: string[]): Promise<number> {
  process.stderr.write("pyro4 ns: not available yet\n");
  return 1;
}
