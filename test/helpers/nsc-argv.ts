// Name-server-client command lines that both parser families (Pyro4's optparse, Pyro5's argparse) must read as
// Python's tools do: one list, spread into cli-optparse.test.ts and pyro5-cli.test.ts next to each one's own cases.
export const NSC_SHARED_ARGV: readonly string[][] = [
  ["-v", "list"],
  ["list", "-v"],
  ["-vn", "host", "lookup", "x"],
  ["-nhost", "-p9", "ping"],
  ["--verb", "ping"],
  ["-u", "sock", "list", "prefix"],
  ["-n", "-", "register", "a", "b"],
];
