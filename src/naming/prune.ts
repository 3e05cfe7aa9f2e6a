// Pruning of dead registrations (issue 19, our extension; off by default): every interval the name server does a
// CONNECT handshake with each distinct daemon location registered with it, and removes the registrations of a
// location that failed `after` consecutive checks. Unlike Pyro4's NS_AUTOCLEAN (a bare TCP connect per name,
// 20 s), it checks each daemon once however many names it registered, speaks Pyro (HMAC key, TLS), never removes
// the name server itself, and with shared storage only the instance holding the storage's prune lock works. A
// name server serving TLS checks over TLS, and checks with its own limits (naming/server.ts): a daemon whose
// handshake answer is over them has not answered as a Pyro daemon the name server would talk to.

import { CommunicationError, ProtocolError, SecurityError, TimeoutError, invalidValue } from "../errors.js";
import { URI } from "../uri.js";
import { Proxy } from "../client/proxy.js";
import type { TlsSettings } from "../transport/tls.js";
import type { Limits } from "../limits.js";
import { NAMESERVER_NAME, type NameServer } from "./nameserver.js";
import { isAsyncStorage, type AnyNameStorage } from "./storage.js";

/** Options of startPruner(): how often names are checked and how long an unreachable one is kept. */
export interface PruneOptions {
  /** Seconds between checks (> 0). */
  interval: number;
  /** Consecutive failed checks before a daemon's registrations are removed (default 3). */
  after?: number;
  /** HMAC key for the handshake (the name server's own by default). */
  hmacKey?: string | Uint8Array | null;
  /** TLS settings for the handshake (default the protocol's config SSL). */
  ssl?: boolean | TlsSettings;
  /**
   * The limits the handshake answers are checked against, as a Proxy's `limits` option: startNameServer passes its
   * daemon's. Default: DEFAULT_LIMITS over config MAX_MESSAGE_SIZE (a Proxy's default).
   */
  limits?: Partial<Limits>;
  /** The protocol the registered daemons speak: the name server's (4, the default, or 5). */
  protocol?: 4 | 5;
  /** Per-check connect+handshake timeout, ms (default: the interval, at most 5000, at least 200). */
  timeoutMs?: number;
  /** Locations (`host:port`, `./u:path`) never checked: the name server's own. */
  ownLocations?: readonly string[];
  /** Called after each cycle this instance ran (tests and logs). */
  onCycle?: (report: PruneReport) => void;
}

/** What one pruning cycle did. */
export interface PruneReport {
  /** False when another instance holds the prune lock and this one skipped the cycle. */
  leader: boolean;
  checked: number;
  failed: string[];
  removed: string[];
}

export interface Pruner {
  /** Stop checking; resolves when a running cycle has finished. */
  stop(): Promise<void>;
}

/** Locations in the form `URI.location` gives; `PYRO:x@host:port` -> `host:port`. */
function locationOf(uriText: string): string | null {
  try {
    const u = new URI(uriText);
    return u.protocol === "PYRO" ? u.location : null;
  } catch {
    return null;
  }
}

/**
 * True when a Pyro daemon answered the CONNECT at `location`. A daemon that refuses our HMAC key or handshake has
 * still answered, so it is alive; only an unreachable socket, a timeout or a non-Pyro peer counts as a failure.
 */
async function answers(location: string, options: PruneOptions, timeoutMs: number): Promise<boolean> {
  const proxy = new Proxy(`PYRO:Pyro.Daemon@${location}`, {
    hmacKey: options.hmacKey ?? null,
    timeout: timeoutMs,
    maxRetries: 0,
    metadata: false,
    protocol: options.protocol,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
  });
  try {
    await proxy.$bind();
    return true;
  } catch (e) {
    if (e instanceof SecurityError) return true;
    // a TLS alert from the peer (it wants a client certificate we do not have, or refuses ours): a TLS server
    // answered and refused us, like a refused HMAC key. A certificate we cannot verify stays a failure.
    const code = (e as { cause?: { code?: unknown } }).cause?.code;
    if (typeof code === "string" && /^ERR_SSL_(TLSV1\d?|SSLV3)_ALERT_/.test(code)) return true;
    if (e instanceof TimeoutError || e instanceof ProtocolError) return false;
    if (e instanceof CommunicationError && /rejected/.test(e.message)) return true;
    return false;
  } finally {
    await proxy.$release().catch(() => {});
  }
}

const CONCURRENCY = 32;

/** Starts pruning a name server's dead registrations (`pyro4 ns --prune`): checks each location every interval, removes one after N failed checks; `stop()` ends it. */
export function startPruner(ns: NameServer<AnyNameStorage>, options: PruneOptions): Pruner {
  if (!(options.interval > 0)) throw invalidValue("prune interval must be a positive number of seconds");
  const after = options.after ?? 3;
  if (!Number.isInteger(after) || after < 1) throw invalidValue("prune-after must be a positive integer");
  const timeoutMs = options.timeoutMs ?? Math.max(200, Math.min(5000, options.interval * 1000));
  const own = new Set(options.ownLocations ?? []);
  const storage = ns.storage;
  const failures = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> | null = null;

  const cycle = async (): Promise<PruneReport> => {
    const report: PruneReport = { leader: true, checked: 0, failed: [], removed: [] };
    if (isAsyncStorage(storage) && storage.tryPruneLock && !(await storage.tryPruneLock())) {
      failures.clear(); // counts from a past leadership are stale
      report.leader = false;
      return report;
    }
    const listed = (await ns.list()) as Record<string, unknown>;
    const byLocation = new Map<string, [string, string][]>();
    for (const [name, uriValue] of Object.entries(listed)) {
      if (name === NAMESERVER_NAME) continue;
      const uriText = String(uriValue);
      const loc = locationOf(uriText);
      if (loc === null || own.has(loc)) continue;
      let regs = byLocation.get(loc);
      if (!regs) byLocation.set(loc, (regs = []));
      regs.push([name, uriText]);
    }
    for (const loc of failures.keys()) if (!byLocation.has(loc)) failures.delete(loc);
    const locations = [...byLocation.keys()];
    for (let i = 0; i < locations.length && !stopped; i += CONCURRENCY) {
      const batch = locations.slice(i, i + CONCURRENCY);
      const alive = await Promise.all(batch.map((loc) => answers(loc, options, timeoutMs)));
      for (let j = 0; j < batch.length; j++) {
        const loc = batch[j]!;
        report.checked++;
        if (alive[j]) {
          failures.delete(loc);
          continue;
        }
        report.failed.push(loc);
        const n = (failures.get(loc) ?? 0) + 1;
        if (n < after) {
          failures.set(loc, n);
          continue;
        }
        failures.delete(loc);
        for (const [name, uriText] of byLocation.get(loc)!) {
          // only while the name still points at the dead daemon: a fresh re-registration stays
          const st = storage as { deleteIfUri?(n: string, u: string): boolean | Promise<boolean> };
          if (st.deleteIfUri && (await st.deleteIfUri(name, uriText))) report.removed.push(name);
        }
      }
    }
    return report;
  };

  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = cycle()
        .then((r) => options.onCycle?.(r))
        .catch(() => {
          // storage unreachable or similar: try again next interval, keep the counts
        })
        .finally(() => {
          running = null;
          schedule();
        });
    }, options.interval * 1000);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
