// The object every daemon serves as `Pyro.Daemon` (Pyro4's DaemonObject): liveness ping, registered ids,
// metadata for proxies, and the stream pulling protocol used by remote iterators.

import { DaemonError } from "../errors.js";
import { expose } from "./expose.js";

/** The daemon operations DaemonObject needs (kept narrow to avoid an import cycle with daemon.ts). */
export interface DaemonLike {
  readonly locationStr: string;
  readonly natLocationStr: string | null;
  registeredIds(): string[];
  serverDescription(): string;
  metadataFor(objectId: string, asLists: boolean): { methods: Iterable<string>; oneway: Iterable<string>; attrs: Iterable<string> } | null;
  nextStreamItem(streamId: string): Promise<unknown>;
  closeStream(streamId: string): void;
}

@expose
export class DaemonObject {
  #daemon: DaemonLike;
  constructor(daemon: DaemonLike) {
    this.#daemon = daemon;
  }

  /** Object ids registered in this daemon (includes Pyro.Daemon). */
  registered(): string[] {
    return this.#daemon.registeredIds();
  }

  ping(): null {
    return null;
  }

  info(): string {
    const d = this.#daemon;
    return `Pyro.Daemon bound on ${d.locationStr}, NAT ${d.natLocationStr ?? "None"}, ${d.registeredIds().length} objects registered. Servertype: ${d.serverDescription()}`;
  }

  get_metadata(objectId: string, as_lists = false): unknown {
    const meta = this.#daemon.metadataFor(String(objectId), !!as_lists);
    if (!meta) throw new DaemonError("unknown object");
    return meta;
  }

  get_next_stream_item(streamId: string): Promise<unknown> {
    return this.#daemon.nextStreamItem(String(streamId));
  }

  close_stream(streamId: string): null {
    this.#daemon.closeStream(String(streamId));
    return null;
  }
}
