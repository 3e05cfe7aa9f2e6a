// PLACEHOLDER: replaced by the real `pyro4 nsc` command (owner: see the task brief).
export async function nscMain(_argv: string[]): Promise<number> {
  process.stderr.write("pyro4 nsc: not available yet\n");
  return 1;
}
