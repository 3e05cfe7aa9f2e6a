// Writing the gateway's own HTTP answers: one place that sets Content-Length, never writes twice, and turns an
// unexpected failure into the exception JSON Python's gateways send, so every module answers the same way.

import type { IncomingMessage, ServerResponse } from "node:http";
import { PyException } from "./errors.js";

export const JSON_TYPE = "application/json; charset=utf-8";
export const NDJSON_TYPE = "application/x-ndjson; charset=utf-8";

/** A complete answer with a body; after the headers went out (a stream) it only ends the response. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.headersSent) return void res.end();
  const b = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, { ...headers, "Content-Length": String(b.length) });
  res.end(b);
}

/** A text/plain answer (Python's gateways answer their own refusals this way). */
export function text(res: ServerResponse, status: number, body: string): void {
  send(res, status, { "Content-Type": "text/plain" }, body);
}

/** An error nothing else handled: a 500 with Python's exception JSON, or the connection dropped mid-stream. */
export function internalError(res: ServerResponse, e: unknown): void {
  const x = new PyException("builtins.Exception", [e instanceof Error ? e.message : String(e)]);
  if (res.headersSent) return void res.destroy();
  send(res, 500, { "Content-Type": JSON_TYPE }, x.toJson());
}

/** A header's value as one string (repeated headers joined with ",", as WSGI gives them). */
export function headerText(h: IncomingMessage["headers"][string]): string {
  return Array.isArray(h) ? h.join(",") : (h ?? "");
}
