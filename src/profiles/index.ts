// The two protocol profiles and profileFor(), the one place a protocol number becomes a profile.

import { ProtocolError } from "../errors.js";
import type { ValueDialect } from "../serializers/dialect.js";
import type { PyroProfile } from "./profile.js";
import { PYRO4_PROFILE } from "./pyro4.js";
import { PYRO5_PROFILE } from "./pyro5.js";

export type { PyroProfile, ProfileConfig, DaemonDefaults, ProxyStateSource, DecodedProxyState, NameServerCall } from "./profile.js";
export { PYRO4_PROFILE, PYRO5_PROFILE };

const byNumber: ReadonlyMap<unknown, PyroProfile> = new Map<unknown, PyroProfile>([
  [undefined, PYRO4_PROFILE],
  [null, PYRO4_PROFILE],
  [4, PYRO4_PROFILE],
  [5, PYRO5_PROFILE],
]);

/**
 * The profile of a protocol option: 4 (Pyro4, protocol 48, the default) or 5 (Pyro5, protocol 502). Checks the
 * protocol's configuration, so a Pyro5 object is never made in a process whose PYRO_* variables Pyro5 refuses.
 */
export function profileFor(protocol: 4 | 5 | undefined | null): PyroProfile {
  const p = byNumber.get(protocol);
  if (!p) throw new ProtocolError(`unknown Pyro protocol: ${String(protocol)} (use 4 for Pyro4 or 5 for Pyro5)`);
  p.checkConfig();
  return p;
}

const byDialect: ReadonlyMap<ValueDialect, PyroProfile> = new Map([
  [PYRO4_PROFILE.values, PYRO4_PROFILE],
  [PYRO5_PROFILE.values, PYRO5_PROFILE],
]);

/** The profile whose values travel in `dialect` (no configuration check: the profile is in use already). */
export function profileOfDialect(dialect: ValueDialect): PyroProfile {
  return byDialect.get(dialect) ?? PYRO4_PROFILE;
}
