// Pyro4's rule for the HMAC key of `pyro4 ns` and `pyro4 nsc` (naming.py and nsc.py have the same lines): -k works
// but is deprecated with a warning, PYRO_HMAC_KEY is the way, and giving both is an error. One place for both bins.

const K_WARNING =
  "Warning: using -k to supply HMAC key on the command line is a security problem and is deprecated since Pyro 4.72. Use the PYRO_HMAC_KEY environment variable.";
const BOTH_ERROR = "error: don't use -k and PYRO_HMAC_KEY at the same time";

/**
 * The key from -k (`optionKey`) or PYRO_HMAC_KEY, after `warn`ing about -k; `{ error }` (exit status 1 in Pyro4)
 * when both are given.
 */
export function hmacKeyFrom(optionKey: string | null, warn: (line: string) => void): { key: string | null } | { error: string } {
  if (optionKey) warn(K_WARNING);
  const env = process.env.PYRO_HMAC_KEY;
  if (env === undefined) return { key: optionKey };
  if (optionKey) return { error: BOTH_ERROR };
  return { key: env };
}
