// Serving the browser client (pyro4/http, dist/http/client.js) from the gateway itself, so the index page and a
// page on the gateway's origin can import it without a CDN. Read once and kept; a missing build answers 404.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { PyroError } from "../errors.js";
import { send, text } from "./respond.js";

/** Where the gateway serves the client module. */
export const CLIENT_PATH = "/pyro4-http.js";

export class ClientModule {
  private source: Promise<Buffer> | null = null;

  async serve(res: ServerResponse): Promise<void> {
    this.source ??= loadClientModule();
    try {
      const src = await this.source;
      send(res, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }, src);
    } catch {
      this.source = null;
      text(res, 404, "Error 404: Not Found (the browser client is not built: run npm run build)");
    }
  }
}

/** The browser client module (dist/http/client.js), from the built package or next to the sources. */
async function loadClientModule(): Promise<Buffer> {
  const candidates = [new URL("../http/client.js", import.meta.url), new URL("../../dist/http/client.js", import.meta.url)];
  for (const c of candidates) {
    try {
      return await readFile(fileURLToPath(c));
    } catch {
      /* next */
    }
  }
  throw new PyroError("browser client not found (the package is incomplete: reinstall pyro4)");
}
