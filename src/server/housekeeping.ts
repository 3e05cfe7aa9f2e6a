// A daemon's periodic work (Pyro4's housekeeping, run from its request loop): sweep expired item streams, call
// the user's housekeeping hook, and check the request loop's conditions, every few seconds on an unref'd timer.

import type { PyroProfile } from "../profiles/index.js";
import { debug } from "../observe/log.js";

/** Seconds between rounds: Pyro4's POLLTIMEOUT, at most the idle timeout (at least 5 s of it), else 2. */
export function housekeepingInterval(config: PyroProfile["config"], commTimeoutMs: number): number {
  return Math.min(config.POLLTIMEOUT || 0, Math.max(commTimeoutMs / 1000 || 0, 5)) || 2;
}

/** Run `round` every `seconds` (errors are logged, never thrown); `after` runs after each round regardless. */
export function startHousekeeping(seconds: number, round: () => void, after: () => void): () => void {
  const timer = setInterval(() => {
    try {
      round();
    } catch (e) {
      debug("housekeeping error: %s", (e as Error).message);
    }
    after();
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
