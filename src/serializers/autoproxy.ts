// Process-wide replacers for call arguments (Pyro4's global autoproxy): a Daemon installs one so that its
// registered objects passed to any proxy travel as Proxy dicts. It lives below client and server so that
// neither has to import the other.

import type { ValueDialect } from "./dialect.js";

/** Replace `value` (or return undefined); `dialect` names the protocol the message is serialized for. */
export type AutoproxyHook = (value: object, dialect: ValueDialect) => unknown;

/** Read by the client for every non-plain argument object; in installation order. */
export const autoproxyHooks: AutoproxyHook[] = [];

/** Install a replacer for call arguments on every proxy. Returns a function that removes it. */
export function addAutoproxyHook(hook: AutoproxyHook): () => void {
  autoproxyHooks.push(hook);
  return () => {
    const i = autoproxyHooks.indexOf(hook);
    if (i >= 0) autoproxyHooks.splice(i, 1);
  };
}
