// PLACEHOLDER: replaced by the real `pyro4 echoserver` command (owner: see the task brief).
export async function echoserverMain(_argv: string[]): Promise<number> {
  process.stderr.write("pyro4 echoserver: not available yet\n");
  return 1;
}
