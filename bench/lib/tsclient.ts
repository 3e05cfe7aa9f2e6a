// TypeScript client side of the matrix: our Proxy, in the orchestrator's process, running the same kinds of work as
// python/bench_client.py (same loop shapes, same bounds) so the two clients are measured alike.
import { Proxy } from "../../src/index.js";
import { percentile } from "./stats.js";
import type { SerializerName } from "../../src/serializers/index.js";

type ProxyApi = Proxy;

/** Our Proxy class (kept as a function so the rows can say n/a if it ever fails to load). */
export function proxyClass(): typeof Proxy | null {
  return typeof Proxy === "function" ? Proxy : null;
}

export interface RunResult {
  ops: number;
  secs: number;
  p50?: number;
  p99?: number;
}

export class TsClient {
  private proxy: ProxyApi | null = null;
  constructor(private readonly uri: string, private readonly serializer: string, private readonly protocol: 4 | 5 = 4) {}

  private make(): ProxyApi {
    const P = proxyClass();
    if (!P) throw new Error("src/index.ts does not export Proxy yet");
    return new P(this.uri, { serializer: this.serializer as SerializerName, ...(this.protocol === 5 ? { protocol: 5 as const } : {}) });
  }

  async open(): Promise<void> {
    this.proxy = this.make();
    await this.proxy.$bind();
  }

  async close(): Promise<void> {
    await this.proxy?.$release();
    this.proxy = null;
  }

  async run(kind: string, ms: number, arg = 0, max = Number.MAX_SAFE_INTEGER): Promise<RunResult> {
    const p = this.proxy!;
    const now = () => performance.now();
    const t0 = now();
    const deadline = t0 + ms;
    let ops = 0;
    const lat: number[] = [];
    switch (kind) {
      case "connect":
        while (ops < max && now() < deadline) {
          const q = this.make();
          await q.ping();
          await q.$release();
          ops++;
        }
        break;
      case "ping":
        while (ops < max) {
          const a = now();
          await p.ping();
          const b = now();
          lat.push((b - a) * 1000);
          ops++;
          if (b >= deadline) break;
        }
        break;
      case "oneway":
        // rounds of `arg` oneway calls, each round timed until the server has run them all
        while (ops < max && now() < deadline) {
          const base = Number(await p.count());
          for (let i = 0; i < arg; i++) await p.tick();
          ops += arg;
          while (Number(await p.count()) < base + arg);
        }
        break;
      case "batch":
        while (ops < max && now() < deadline) {
          const b = p.$batch();
          for (let i = 0; i < 100; i++) void b.ping();
          await b.$send();
          ops += 100;
        }
        break;
      case "stream":
        while (ops < max && now() < deadline) {
          for await (const _ of p.gen(arg)) ops++;
        }
        break;
      case "echo": {
        const payload = Buffer.alloc(arg, 0x78);
        while (ops < max && now() < deadline) {
          await p.echo(payload);
          ops++;
        }
        break;
      }
      case "nslookup":
        while (ops < max && now() < deadline) {
          await p.lookup("bench.object");
          ops++;
        }
        break;
      default:
        throw new Error(`unknown kind ${kind}`);
    }
    const out: RunResult = { ops, secs: (now() - t0) / 1000 };
    if (lat.length) {
      out.p50 = percentile(lat, 50);
      out.p99 = percentile(lat, 99);
    }
    return out;
  }
}
