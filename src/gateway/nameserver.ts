// The gateway's access to the name server: located once (like Pyro4's get_nameserver, re-located when the
// connection is lost), then lookups over a small pool of raw links, so a failed lookup's exception reaches the
// HTTP client exactly as the name server raised it (with its remote traceback), as in Python's gateway.

import { locateNSProxy } from "../naming/locate.js";
import type { ConnectTarget } from "../transport/connect.js";
import { FLAGS_EXCEPTION } from "../protocol/message.js";
import { PyException } from "./errors.js";
import { PyroLink, type LinkOptions } from "./link.js";
import type { GatewayProtocol } from "./protocol.js";
import { parseRaw } from "./pyjson.js";
import type { TlsConnector } from "./tls.js";
import type { Limits } from "../limits.js";

const NS_NAME = "Pyro.NameServer";
const ANSWERS_MAX = 4096;

export interface PyroTarget extends ConnectTarget {
  object: string;
  /** str(uri) as Python prints it. */
  text: string;
}

/** A URI from its json form {"__class__": "Pyro4.core.URI" (or "Pyro5.core.URI"), "state": [proto, obj, sockname, host, port]}. */
export function targetFromState(state: unknown[]): PyroTarget {
  const [, object, sockname, host, port] = state as [string, string, string | null, string | null, number | null];
  const loc = sockname ? `./u:${sockname}` : host!.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return { object, sockname: sockname ?? null, host: host ?? null, port: port ?? null, text: `PYRO:${object}@${loc}` };
}

export interface NsOptions {
  proto: GatewayProtocol;
  host: string | null;
  port: number | null;
  hmacKey: Uint8Array | null;
  tls?: TlsConnector | null;
  timeoutMs: number;
  /** The gateway's limits: for the lookups and for locating the name server. */
  limits: Limits;
}

export class NameServerAccess {
  private target: PyroTarget | null = null;
  private readonly idle: PyroLink[] = [];
  /** name -> the last lookup answer's text and the target decoded from it (see lookup). */
  private readonly lastAnswer = new Map<string, { text: string; target: PyroTarget }>();

  constructor(private readonly options: NsOptions) {}

  /** "host:port" of the name server (for the index page), locating it if needed. */
  async location(): Promise<string> {
    const t = await this.locate();
    return t.sockname ? `./u:${t.sockname}` : `${t.host}:${t.port}`;
  }

  private async locate(): Promise<PyroTarget> {
    if (this.target) return this.target;
    let proxy;
    try {
      proxy = await locateNSProxy(this.options.host, this.options.port, {
        protocol: this.options.proto.profile.protocol,
        hmacKey: this.options.hmacKey,
        ssl: this.options.tls ? this.options.tls.settings : false,
        serializer: "json",
        timeout: this.options.timeoutMs,
        limits: this.options.limits,
      });
    } catch (e) {
      throw new PyException(this.options.proto.errors + "NamingError", [(e as Error).message.split("\n")[0]!.replace(/; tried:$/, "")]);
    }
    const uri = proxy.$uri ?? null;
    const state = (uri as unknown as { state(): unknown[] }).state();
    await proxy.$release().catch(() => {});
    this.target = targetFromState(state);
    return this.target;
  }

  /** One call on the name server; returns the decoded JSON text of the result, or throws its exception. */
  async call(method: string, vargs: unknown[], kwargs: Record<string, unknown>, correlation: Buffer | null): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const target = await this.locate();
      const opts: LinkOptions = { proto: this.options.proto, hmacKey: this.options.hmacKey, tls: this.options.tls ?? null, timeoutMs: this.options.timeoutMs, correlation, limits: this.options.limits };
      let link = this.idle.pop();
      try {
        if (!link) link = (await PyroLink.open(target, NS_NAME, opts)).link;
        else link.setCorrelation(correlation);
        const reply = (await link.invoke(NS_NAME, method, vargs, kwargs, false))!;
        this.release(link);
        const text = reply.data.toString("utf8");
        if (reply.flags & FLAGS_EXCEPTION) throw PyException.fromWire(parseRaw(text));
        return text;
      } catch (e) {
        const lost = e instanceof PyException && /ConnectionClosedError|CommunicationError/.test(e.pythonClass);
        if (link && lost) link.close();
        if (!lost || attempt > 0) throw e;
        for (const l of this.idle.splice(0)) l.close(); // their peer is likely gone too
        this.target = null; // connection with the name server lost: locate again, once
      }
    }
  }

  /** Where a name points (the name server's lookup), or its NamingError as the name server raised it. */
  async lookup(name: string, correlation: Buffer): Promise<PyroTarget> {
    const text = await this.call("lookup", [name], {}, correlation);
    // the name server answers the same text for a name until it is re-registered: decode it once (the answer is
    // still asked for and compared every time; this is not a lookup cache)
    const last = this.lastAnswer.get(name);
    if (last?.text === text) return last.target;
    const uri = JSON.parse(text) as { state?: unknown[] };
    if (!uri || !Array.isArray(uri.state)) {
      throw new PyException(this.options.proto.errors + "NamingError", ["name server answered a lookup with something that is not a URI"]);
    }
    const target = Object.freeze(targetFromState(uri.state));
    if (this.lastAnswer.size >= ANSWERS_MAX && !this.lastAnswer.has(name)) this.lastAnswer.clear();
    this.lastAnswer.set(name, { text, target });
    return target;
  }

  private release(link: PyroLink): void {
    if (this.idle.length < 8) this.idle.push(link);
    else link.close();
  }

  close(): void {
    for (const l of this.idle.splice(0)) l.close();
  }
}
