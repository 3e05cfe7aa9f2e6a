// CORS for the gateway, as each protocol's gateway does it. Pyro4's has none: ours offers an allow-list of origins
// (extension) whose preflight is answered 204. Pyro5's puts fixed headers (its -c/--cors value) on every answer of
// its app and answers OPTIONS under /pyro/ with 200 "200 OK".

import type { IncomingMessage, ServerResponse } from "node:http";
import { pyro5CorsHeaders, type GatewayProtocol } from "./protocol.js";
import { send, text } from "./respond.js";

const ALLOWED_HEADERS = "Content-Type, X-Pyro-Correlation-Id, X-Pyro-Gateway-Key, X-Pyro-Options, X-Pyro-Timeout";

export class Cors {
  /** Pyro5's fixed headers (null for Pyro4). */
  private readonly fixed: Record<string, string> | null;

  constructor(
    proto: GatewayProtocol,
    /** Pyro5: the Access-Control-Allow-Origin value. */
    origin: string,
    /** Pyro4: the allowed origins ("*" = any). */
    private readonly allowList: readonly string[],
  ) {
    this.fixed = proto.fixedCors ? pyro5CorsHeaders(origin) : null;
  }

  /** Pyro4 allow-list: on every answer to an allowed origin, the redirect and the client module included. */
  onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.fixed) return;
    const origin = req.headers.origin;
    if (!origin || !this.allowList.length) return;
    if (this.allowList.includes(origin) || this.allowList.includes("*")) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Expose-Headers", "X-Pyro-Correlation-Id");
      res.setHeader("Vary", "Origin");
    }
  }

  /** Pyro5: its app's headers, on every answer it gives (everything but the root redirect and the client module). */
  onApp(res: ServerResponse): void {
    if (this.fixed) for (const [k, v] of Object.entries(this.fixed)) res.setHeader(k, v);
  }

  /** Answers an OPTIONS request under /pyro/ when CORS applies; false when it does not (Pyro4 then answers 405). */
  preflight(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.fixed) {
      req.resume();
      text(res, 200, "200 OK");
      return true;
    }
    if (!res.hasHeader("Access-Control-Allow-Origin")) return false;
    res.setHeader("Access-Control-Allow-Methods", "GET, POST");
    res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    res.setHeader("Access-Control-Max-Age", "600");
    send(res, 204, {}, "");
    return true;
  }
}
