// `pyro4 trace FILE|DIR...`: decodes frames written by the wire trace directory (PYRO4_TRACE_DIR, traceWire())
// or any file holding one raw Pyro4 message: header fields, annotations, and the payload deserialized with the
// serializer the frame names. A file that does not decode gets a message on stderr; the others still print.
//
// Limits: payloads are decompressed and decoded within DEFAULT_LIMITS (src/limits.ts), not the limits of the daemon
// or proxy that wrote the trace, and there is no option to change them. The file does not say which limits its
// writer had (received frames passed them already; sent ones are our own data), Python's tools have nothing like
// it to follow, and the defaults refuse nothing a Python program sends in practice while keeping this tool safe on
// any file it is pointed at (no stack overflow on deep nesting, no unbounded inflate). A payload beyond them is
// reported on its frame's lines ("does not deserialize ... limit of 1000 levels", with a hex preview), like any
// other payload that does not decode; the frame's header and annotations still print.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { inflateSync } from "node:zlib";
import {
  FLAGS_COMPRESSED,
  HEADER_SIZE,
  MSG_CONNECT,
  MSG_INVOKE,
  MSG_PING,
  PROTOCOL_VERSION,
  bytesToUuid,
  headerChecksum,
} from "../protocol/message.js";
import { getSerializer, hasSerializer } from "../serializers/index.js";
import { Complex, Float, isTuple } from "../serializers/values.js";
import { pythonNameOf } from "../python/exceptions.js";
import { flagNames, messageTypeName } from "../observe/frames.js";
import { bytesRepr } from "../observe/sinks.js";
import { strRepr as reprStr } from "../python/str.js";
import { floatRepr, isPythonInt } from "../python/float.js";
import { ProtocolError } from "../errors.js";
import { DEFAULT_LIMITS, inflateCap, type Limits } from "../limits.js";
import { formatUsage, type ParserSpec } from "../python/optparse.js";
import { defineCommand, type CommandIo } from "./command.js";

export const traceParser: ParserSpec = {
  prog: "pyro4 trace",
  usage: "%prog [--max-bytes N] FILE|DIR...",
  description:
    "Decodes Pyro4 wire frames, as written by the wire trace directory (PYRO4_TRACE_DIR or traceWire()): the header, " +
    "the annotations, and the payload deserialized with its serializer (serpent, json, marshal, msgpack). A directory " +
    "means all its files, in name (= time) order.",
  options: [
    { long: "max-bytes", dest: "maxBytes", type: "int", metavar: "N", default: 512, help: "show at most N bytes of payloads that do not deserialize (default %default)" },
  ],
};

const INSPECT = { depth: 4, maxArrayLength: 20, maxStringLength: 200, breakLength: Infinity } as const;
const MAX_ITEMS = 100;
const MAX_DEPTH = 12;
const MAX_STRING = 4000;

/** A decoded value as Python would print it (these are Python values on the wire), with size caps. */
export function pyFormat(v: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) return "...";
  if (v === null || v === undefined) return "None";
  if (typeof v === "string") return v.length > MAX_STRING ? `${reprStr(v.slice(0, MAX_STRING))}... (${v.length} characters)` : reprStr(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return isPythonInt(v) ? String(v) : floatRepr(v);
  if (v instanceof Float) return floatRepr(v.value);
  if (v instanceof Complex) return inspect(v, INSPECT);
  if (v instanceof Uint8Array) return bytesRepr(v, 512);
  const items = (xs: Iterable<unknown>, f: (x: any) => string) => {
    const out: string[] = [];
    let n = 0;
    for (const x of xs) {
      if (n++ === MAX_ITEMS) {
        out.push("...");
        break;
      }
      out.push(f(x));
    }
    return out;
  };
  const item = (x: unknown) => pyFormat(x, depth + 1);
  if (isTuple(v)) return v.length === 1 ? `(${item(v[0])},)` : `(${items(v, item).join(", ")})`;
  if (Array.isArray(v)) return `[${items(v, item).join(", ")}]`;
  if (v instanceof Set) return v.size ? `{${items(v, item).join(", ")}}` : "set()";
  if (v instanceof Map) return `{${items(v, ([k, x]) => `${item(k)}: ${item(x)}`).join(", ")}}`;
  if (v instanceof Error) return `${pythonNameOf(v).replace(/^builtins\./, "")}(${reprStr(v.message)})`;
  if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null))
    return `{${items(Object.entries(v), ([k, x]) => `${reprStr(k)}: ${item(x)}`).join(", ")}}`;
  return inspect(v, INSPECT);
}

class TraceFileError extends ProtocolError {}

function hexPreview(b: Uint8Array, max: number): string {
  const hex = Buffer.from(b.subarray(0, max)).toString("hex").replace(/(..)/g, "$1 ").trim();
  return b.length > max ? `${hex} ... (${b.length} bytes)` : hex;
}

function annotationValue(key: string, v: Buffer): string {
  if (key === "CORR" && v.length === 16) return bytesToUuid(v);
  if (key === "STRM" || /^[\x20-\x7e]*$/.test(v.toString("latin1"))) return JSON.stringify(v.toString("latin1"));
  return hexPreview(v, 32);
}

/**
 * The decoded text of one frame (lines), or throws TraceFileError for bytes that are not a Pyro4 frame. The payload
 * is decompressed and decoded within `limits` (the CLI always uses DEFAULT_LIMITS, see the top of this file).
 */
export function describeFrame(bytes: Buffer, maxBytes = 512, limits: Limits = DEFAULT_LIMITS): string[] {
  if (bytes.length < HEADER_SIZE) throw new TraceFileError(`too short for a Pyro4 header (${bytes.length} bytes)`);
  if (bytes.toString("latin1", 0, 4) !== "PYRO") throw new TraceFileError("not a Pyro4 frame (no PYRO magic)");
  const version = bytes.readUInt16BE(4);
  const type = bytes.readUInt16BE(6);
  const flags = bytes.readUInt16BE(8);
  const seq = bytes.readUInt16BE(10);
  const dataLen = bytes.readUInt32BE(12);
  const serializerId = bytes.readUInt16BE(16);
  const annLen = bytes.readUInt16BE(18);
  const checksum = bytes.readUInt16BE(22);
  const lines: string[] = [];
  const ser = serializerId === 42 && type === MSG_PING ? "none (ping)" : hasSerializer(serializerId) ? getSerializer(serializerId).name : "unknown";
  lines.push(
    `${messageTypeName(type)} seq=${seq} flags=0x${flags.toString(16)} (${flagNames(flags)}) serializer=${ser} (id ${serializerId}) ` +
      `protocol=${version} data=${dataLen} bytes annotations=${annLen} bytes`,
  );
  if (version !== PROTOCOL_VERSION) lines.push(`  warning: protocol version ${version}, this tool knows ${PROTOCOL_VERSION}`);
  if (headerChecksum(type, flags, seq, dataLen, serializerId, annLen) !== checksum) lines.push("  warning: header checksum mismatch");
  if (bytes.length < HEADER_SIZE + annLen + dataLen)
    throw new TraceFileError(`truncated: header announces ${HEADER_SIZE + annLen + dataLen} bytes, file has ${bytes.length}`);
  let off = HEADER_SIZE;
  const annEnd = HEADER_SIZE + annLen;
  while (off < annEnd) {
    if (off + 6 > annEnd) throw new TraceFileError("malformed annotation chunk");
    const key = bytes.toString("latin1", off, off + 4);
    const len = bytes.readUInt16BE(off + 4);
    const v = bytes.subarray(off + 6, off + 6 + len);
    lines.push(`  annotation ${key} (${len} bytes): ${annotationValue(key, v)}`);
    off += 6 + len;
  }
  let data = bytes.subarray(annEnd, annEnd + dataLen);
  if (flags & FLAGS_COMPRESSED) {
    const cap = inflateCap(limits);
    try {
      data = inflateSync(data, { maxOutputLength: cap });
      lines.push(`  (payload zlib-compressed, ${data.length} bytes uncompressed)`);
    } catch (e) {
      const tooBig = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      lines.push(`  payload does not decompress: ${tooBig ? `more than the limit of ${cap} bytes uncompressed (maxInflatedSize)` : (e as Error).message}`);
      lines.push(`  payload: ${hexPreview(data, maxBytes)}`);
      return lines;
    }
  }
  if (data.length === 0) {
    lines.push("  payload: (empty)");
    return lines;
  }
  if (type === MSG_PING || !hasSerializer(serializerId)) {
    lines.push(`  payload: ${hexPreview(data, maxBytes)}${type === MSG_PING ? ` ${JSON.stringify(data.toString("latin1"))}` : ""}`);
    return lines;
  }
  const s = getSerializer(serializerId);
  const options = { limits };
  try {
    if (type === MSG_INVOKE) {
      const call = s.deserializeCall(data, options);
      // deserializeCall may hand a vargs tuple on as a plain array (the daemon only spreads it): show what was sent
      const sent = s.tuples ? s.deserializeData(data, options) : null;
      const vargs = Array.isArray(sent) && sent.length === 4 ? (sent as unknown[])[2] : call.vargs;
      lines.push(`  object: ${call.object}`, `  method: ${call.method}`, `  vargs: ${pyFormat(vargs)}`, `  kwargs: ${pyFormat(call.kwargs)}`);
    } else {
      const what = type === MSG_CONNECT ? "handshake" : "payload";
      lines.push(`  ${what}: ${pyFormat(s.deserializeData(data, options))}`);
    }
  } catch (e) {
    lines.push(`  payload does not deserialize with ${s.name}: ${(e as Error).message}`);
    lines.push(`  payload: ${hexPreview(data, maxBytes)}`);
  }
  return lines;
}

function expand(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      out.push(p); // reported when read
      continue;
    }
    if (st.isDirectory()) for (const f of readdirSync(p).sort()) out.push(join(p, f));
    else out.push(p);
  }
  return out;
}

/** `pyro4 trace FILE|DIR...`: prints each file's frame; status 1 when a file does not decode. */
export const traceCommand = defineCommand<CommandIo>({
  parser: () => traceParser,
  output: "line",
  async run({ options, args, out, err, fail }) {
    if (args.length === 0) fail(`${formatUsage(traceParser)}pyro4 trace: error: no FILE or DIR given`, 2);
    const maxBytes = options.maxBytes as number;
    if (maxBytes < 0) fail(`${formatUsage(traceParser)}pyro4 trace: error: option --max-bytes: must be at least 0`, 2);
    let failed = 0;
    for (const file of expand(args)) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        err(`pyro4 trace: ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
        failed++;
        continue;
      }
      try {
        const lines = describeFrame(bytes, maxBytes);
        out(`${file}: ${lines[0]}`);
        for (const l of lines.slice(1)) out(l);
      } catch (e) {
        if (!(e instanceof TraceFileError)) throw e;
        err(`pyro4 trace: ${file}: ${e.message}`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
});

export function traceMain(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  return traceCommand(argv, { out, err });
}
