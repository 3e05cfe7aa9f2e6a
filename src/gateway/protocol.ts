// What differs between Pyro4's HTTP gateway (Pyro4/utils/httpgateway.py) and Pyro5's (Pyro5/utils/httpgateway.py),
// named in one place. A gateway speaks one protocol, chosen at creation; server.ts, link.ts and nameserver.ts are
// shared and ask this object instead of branching on a version number.

import type { WireFormat } from "../protocol/wire.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, type PyroProfile } from "../profiles/index.js";
import type { Serializer } from "../serializers/index.js";

export interface GatewayProtocol {
  /** The protocol of the Pyro connections to the name server and the backends. */
  readonly profile: PyroProfile;
  /** Framing of those connections. */
  readonly wire: WireFormat;
  /** The json serializer under this protocol's wire id (Pyro4: 2, Pyro5: 3). */
  readonly json: Serializer;
  /** Module of the Pyro error classes in the gateway's own error JSON. */
  readonly errors: "Pyro4.errors." | "Pyro5.errors.";
  /** Pyro4 can sign with HMAC; Pyro5 removed it (use TLS). */
  readonly hmac: boolean;
  /**
   * Where parameters come from. Pyro4: cgi.parse (query string, and a POSTed form body, decoded as latin-1).
   * Pyro5: urllib.parse.parse_qs(QUERY_STRING) only (a POST body is ignored), %XX decoded as UTF-8.
   */
  readonly formBody: boolean;
  readonly queryEncoding: "latin1" | "utf8";
  /**
   * Pyro5 adds Access-Control-Allow-Origin (its -c/--cors value, default "*"), -Methods and -Headers to every
   * answer of its app and answers OPTIONS under /pyro/ with 200 "200 OK"; Pyro4 has no CORS (OPTIONS is a 405).
   */
  readonly fixedCors: boolean;
  /**
   * Python's error for a message over MAX_MESSAGE_SIZE, written or read by the gateway: Pyro4's MessageTooLargeError
   * "max message size exceeded (N where max=M)", Pyro5's ProtocolError "message too large (N, max=M)" (N: payload +
   * annotations, as each protocol counts them).
   */
  readonly tooLarge: { readonly pythonClass: string; text(size: number, max: number): string };
  /** PyroError text when an object exposes nothing (Pyro5 names the URI). */
  noExposedMessage(uriText: string): string;
  /** The Python package version the index page names. */
  readonly pythonVersion: string;
  /** The "Pyro version" line of the index page, from our package version. */
  indexVersion(ours: string): string;
}

export const GATEWAY_PYRO4: GatewayProtocol = Object.freeze({
  profile: PYRO4_PROFILE,
  wire: PYRO4_PROFILE.wire,
  json: PYRO4_PROFILE.serializer("json"),
  errors: "Pyro4.errors.",
  hmac: true,
  formBody: true,
  queryEncoding: "latin1",
  fixedCors: false,
  tooLarge: { pythonClass: "Pyro4.errors.MessageTooLargeError", text: (size: number, max: number) => `max message size exceeded (${size} where max=${max})` },
  noExposedMessage: () => "remote object doesn't expose any methods or attributes. Did you forget setting @expose on them?",
  pythonVersion: "4.82",
  indexVersion: (ours: string) => ours,
});

export const GATEWAY_PYRO5: GatewayProtocol = Object.freeze({
  profile: PYRO5_PROFILE,
  wire: PYRO5_PROFILE.wire,
  json: PYRO5_PROFILE.serializer("json"),
  errors: "Pyro5.errors.",
  hmac: false,
  formBody: false,
  queryEncoding: "utf8",
  fixedCors: true,
  tooLarge: { pythonClass: "Pyro5.errors.ProtocolError", text: (size: number, max: number) => `message too large (${size}, max=${max})` },
  noExposedMessage: (uri: string) => `remote object '${uri}' doesn't expose any methods or attributes. Did you forget setting @expose on them?`,
  pythonVersion: "5.17-dev0",
  indexVersion: (ours: string) => `${ours}, Pyro5 5.17-dev0 compatible, protocol 502`,
});

const byProfile: ReadonlyMap<PyroProfile, GatewayProtocol> = new Map([
  [PYRO4_PROFILE, GATEWAY_PYRO4],
  [PYRO5_PROFILE, GATEWAY_PYRO5],
]);

/** The gateway rules of a protocol. */
export function gatewayProtocol(profile: PyroProfile): GatewayProtocol {
  return byProfile.get(profile)!;
}

/** Pyro5's cors_response_header(): the three headers, with the configured origin value. */
export function pyro5CorsHeaders(origin: string): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
  };
}
