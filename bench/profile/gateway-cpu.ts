// Where the gateway process's CPU time goes, from a `node --cpu-prof` profile of it under load (bench/gateway.ts
// --cpu-prof DIR): self time grouped by part (Node's HTTP server, sockets, our gateway's modules, Pyro framing,
// JSON, GC, idle). A native frame (no script URL) counts for the part of the JavaScript that called it.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

export interface Breakdown {
  /** Profile length, ms. */
  wallMs: number;
  /** Part name -> self time, ms. */
  parts: Map<string, number>;
}

/** libuv stream/TCP handle methods: time in them is the system call (on loopback: the peer's receive path too). */
const SOCKET_CALLS = new Set(["connect", "connect6", "writeBuffer", "writev", "writeUtf8String", "writeLatin1String", "writeAsciiString", "close", "shutdown", "readStart", "readStop", "setNoDelay", "getsockname", "getpeername"]);

/** The part a frame's script belongs to; null for a native frame (it takes its caller's part). */
function partOf(frame: ProfileNode["callFrame"]): string | null {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(idle)") return "idle";
    if (functionName === "(garbage collector)") return "garbage collector";
    if (functionName === "(program)") return "V8/native, outside JavaScript";
    if (SOCKET_CALLS.has(functionName)) return "socket system calls (connect, write, close)";
    return null;
  }
  const ours = /\/(?:dist|src)\/([\w-]+)\/([\w.-]+?)\.(?:js|ts)$/.exec(url);
  if (ours) {
    const [, dir, file] = ours;
    if (dir === "gateway") return `gateway/${file}`;
    if (dir === "protocol") return "Pyro framing (protocol/)";
    if (dir === "serializers") return "json serializer (serializers/)";
    return `pyro4 ${dir}/`;
  }
  if (/^node:_http_|^node:http$/.test(url)) return "node:http (parser, headers, responses)";
  if (/^node:(net|internal\/stream_base_commons|internal\/streams\/|stream|internal\/net)/.test(url)) return "node:net and streams (JavaScript)";
  if (/^node:internal\/(timers|process\/task_queues|async_hooks)|^node:timers/.test(url)) return "timers and microtasks";
  if (url.startsWith("node:")) return "other Node internals";
  return "other";
}

export function profileBreakdown(file: string): Breakdown {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totalHits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const wallMs = (p.endTime - p.startTime) / 1000;
  const msPerHit = totalHits ? wallMs / totalHits : 0;
  const parts = new Map<string, number>();
  for (const n of p.nodes) {
    if (!n.hitCount) continue;
    let part: string | null = null;
    for (let x: ProfileNode | undefined = n; x && part === null; x = byId.get(parent.get(x.id) ?? -1)) part = partOf(x.callFrame);
    part ??= "other";
    parts.set(part, (parts.get(part) ?? 0) + n.hitCount * msPerHit);
  }
  return { wallMs, parts };
}

/** A markdown table: each part's share of the busy (non-idle) CPU time, largest first. */
export function formatBreakdown(b: Breakdown): string {
  const idle = b.parts.get("idle") ?? 0;
  const busy = b.wallMs - idle;
  const rows = [...b.parts].filter(([k]) => k !== "idle").sort((x, y) => y[1] - x[1]);
  const lines = ["| part | ms | share of busy time |", "|---|---|---|"];
  for (const [k, ms] of rows) lines.push(`| ${k} | ${ms.toFixed(0)} | ${((ms / busy) * 100).toFixed(1)}% |`);
  lines.push(`| (busy total; idle ${idle.toFixed(0)} ms of ${b.wallMs.toFixed(0)} ms) | ${busy.toFixed(0)} | 100% |`);
  return lines.join("\n");
}
