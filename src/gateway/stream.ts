// Extension: a remote generator streamed to the HTTP client as NDJSON (X-Pyro-Options: stream), one line
// `[0, item]` per item as the backend's own JSON, ending with `[1, exception]` when it raises. The stream owns the
// backend connection until it ends; a client that goes away closes the remote stream.

import type { ServerResponse } from "node:http";
import { DAEMON_NAME, FLAGS_EXCEPTION } from "../protocol/message.js";
import { PyException } from "./errors.js";
import type { PyroLink } from "./link.js";
import { parseRaw, pyDumps } from "./pyjson.js";
import { NDJSON_TYPE } from "./respond.js";

export async function streamItems(link: PyroLink, streamId: string, headers: Record<string, string>, res: ServerResponse, finish: () => void): Promise<void> {
  res.writeHead(200, { ...headers, "Content-Type": NDJSON_TYPE, "X-Pyro-Stream": "ndjson" });
  let closed = false;
  const onClose = () => (closed = true);
  res.on("close", onClose);
  try {
    while (!closed) {
      const reply = (await link.invoke(DAEMON_NAME, "get_next_stream_item", [streamId], {}))!;
      const text = reply.data.toString("utf8");
      if (reply.flags & FLAGS_EXCEPTION) {
        const exc = parseRaw(text);
        const cls = exc instanceof Map ? exc.get("__class__") : null;
        if (cls !== "builtins.StopIteration") res.write(`[1, ${text}]\n`);
        break;
      }
      if (!res.write(`[0, ${text}]\n`)) await new Promise((r) => res.once("drain", r).once("close", r));
    }
    if (closed) await link.invoke(DAEMON_NAME, "close_stream", [streamId], {}).catch(() => {});
  } catch (e) {
    if (!closed) res.write(`[1, ${e instanceof PyException ? e.toJson() : pyDumps({ __class__: "builtins.Exception", __exception__: true, args: [String(e)], attributes: {} })}]\n`);
  } finally {
    res.off("close", onClose);
    finish();
    if (!closed) res.end();
  }
}
