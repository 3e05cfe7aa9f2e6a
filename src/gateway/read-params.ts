// Reading one request's call parameters: the query string, Pyro4's POSTed form body (cgi.parse), or our JSON body
// extension, within the gateway's limits (body size, parameter count, JSON nesting). How each piece is decoded
// is Python's (params.ts); this module decides which pieces a request has and reads its body.

import type { IncomingMessage } from "node:http";
import { GatewayRequestError } from "./errors.js";
import { contentTypeKey, parseQs, singlyfy, type Params } from "./params.js";
import type { GatewayProtocol } from "./protocol.js";
import { headerText } from "./respond.js";

export interface ParamLimits {
  maxBodyBytes: number;
  maxParams: number;
  maxJsonDepth: number;
}

/** Keyword parameters, and positional ones (only from a JSON body's "$args", an extension). */
export interface CallParams {
  params: Params;
  vargs: unknown[];
}

/** cgi.parse (Pyro4) or parse_qs of the query (Pyro5) + singlyfy_parameters, plus our JSON-body extension. */
export async function readParams(req: IncomingMessage, method: string, query: string, proto: GatewayProtocol, limits: ParamLimits): Promise<CallParams> {
  const lists = new Map<string, string[]>();
  const vargs: unknown[] = [];
  const enc = proto.queryEncoding;
  if (method !== "POST") {
    parseQs(query, lists, limits.maxParams, enc);
    return { params: singlyfy(lists), vargs };
  }
  const ctype = contentTypeKey(req.headers["content-type"]);
  const jsonOptIn = headerText(req.headers["x-pyro-options"]).split(",").includes("json") && ctype.toLowerCase() === "application/json";
  if (!proto.formBody && !jsonOptIn) {
    // Pyro5 reads the query string only: the body is not even read, so it is discarded, not buffered
    req.resume();
    parseQs(query, lists, limits.maxParams, enc);
    return { params: singlyfy(lists), vargs };
  }
  const body = await readBody(req, limits.maxBodyBytes);
  if (proto.formBody && ctype === "application/x-www-form-urlencoded") {
    parseQs(body.toString("latin1"), lists, limits.maxParams); // cgi reads the body as latin-1, body first
    parseQs(query, lists, limits.maxParams);
    return { params: singlyfy(lists), vargs };
  }
  if (ctype === "multipart/form-data") throw new GatewayRequestError(415, "Unsupported Media Type (multipart/form-data)");
  parseQs(query, lists, limits.maxParams, enc);
  const params = singlyfy(lists);
  // Extension, opt-in (X-Pyro-Options: json) so that a body Python ignores is ignored here too unless asked for.
  if (jsonOptIn && body.length) {
    const text = body.toString("utf8");
    checkDepth(text, limits.maxJsonDepth);
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      throw new GatewayRequestError(400, "Bad Request (invalid JSON body)");
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new GatewayRequestError(400, "Bad Request (JSON body must be an object of keyword arguments)");
    const entries = Object.entries(obj as Record<string, unknown>);
    if (entries.length + params.size > limits.maxParams) throw new GatewayRequestError(400, `too many parameters (max ${limits.maxParams})`);
    for (const [k, v] of entries) {
      if (k === "$args") {
        if (!Array.isArray(v)) throw new GatewayRequestError(400, "Bad Request ($args must be an array)");
        vargs.push(...(v as unknown[]));
        continue;
      }
      if (params.has(k)) throw new GatewayRequestError(400, `Bad Request (parameter '${k}' given twice)`);
      params.set(k, v as string);
    }
  }
  return { params, vargs };
}

/** The whole body, refused (413) past `max` bytes, by its Content-Length or as it arrives. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) {
    req.resume();
    throw new GatewayRequestError(413, `Request Entity Too Large (max ${max} bytes)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) {
      req.resume();
      throw new GatewayRequestError(413, `Request Entity Too Large (max ${max} bytes)`);
    }
    chunks.push(c);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Refuse JSON nested deeper than `max` before parsing it (brackets outside strings). */
function checkDepth(text: string, max: number): void {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
    } else if (c === 0x22) inStr = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new GatewayRequestError(400, `Bad Request (JSON nested deeper than ${max})`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
