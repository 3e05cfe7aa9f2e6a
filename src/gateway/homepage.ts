// GET /pyro/: Python's return_homepage. Up to 10 exposed names from the name server's list (sorted by code
// point, as Python sorts str), each looked up and connected to for its methods and attributes; a name that fails
// shows its error in its row. Rendering is index-page.ts's job.

import type { ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { uuidToBytes } from "../protocol/message.js";
import { compareCodePoints } from "../python/str.js";
import { VERSION } from "../version.js";
import { PyException } from "./errors.js";
import { renderIndexPage, type IndexEntry } from "./index-page.js";
import { PyroLink, type LinkOptions } from "./link.js";
import type { NameServerAccess } from "./nameserver.js";
import { send, text } from "./respond.js";

export interface HomepageSource {
  ns: NameServerAccess;
  /** The expose regex ("" = everything). */
  expose: string;
  /** How to reach a listed object (no correlation id: Python's page makes its own calls). */
  link: LinkOptions;
  /** Where the page imports the browser client from. */
  clientUrl: string;
}

export async function homepage(src: HomepageSource, res: ServerResponse): Promise<void> {
  const proto = src.link.proto;
  let nsLocation: string;
  let names: string[];
  try {
    nsLocation = await src.ns.location();
    const listed = JSON.parse(await src.ns.call("list", [], src.expose ? { regex: src.expose } : {}, null)) as Record<string, string>;
    names = Object.keys(listed).slice(0, 10).sort(compareCodePoints);
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
    return text(res, 500, "Cannot connect to the Pyro name server. Is it running? Refresh page to retry.");
  }
  const entries: IndexEntry[] = [];
  for (const name of names) {
    try {
      const target = await src.ns.lookup(name, uuidToBytes(randomUUID()));
      const { link, meta } = await PyroLink.open(target, target.object, src.link);
      link.close();
      entries.push({ name, methods: meta.methods, attrs: meta.attrs });
    } catch (e) {
      entries.push({ name, methods: null, attrs: [], error: e instanceof Error ? e.message : String(e) });
    }
  }
  const html = renderIndexPage({
    entries, regex: src.expose, nsLocation, version: proto.indexVersion(VERSION), clientUrl: src.clientUrl, demoBody: proto.formBody ? "form" : "json",
  });
  return send(res, 200, { "Content-Type": "text/html" }, html);
}
