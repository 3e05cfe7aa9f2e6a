// The pickle decoder: a stack machine over Python's pickle opcodes (protocols 0-5) that builds values of our
// value model and never calls anything. Globals are names, not code: the ones we know (set, datetime, Decimal,
// Pyro4's URI/Proxy/exceptions...) are rebuilt by our own functions, plain classes become `{ __class__, ...state }`
// dicts routed through the class hooks, and every other global is a SerializeError naming it. This is why a pickle
// from a hostile peer cannot make us run code (docs/pickle.md, "Security").

import { SerializeError, pyroErrorClasses } from "../errors.js";
import { ZERO_COPY_MIN } from "./types.js";
import { URI } from "../uri.js";
import * as op from "./pickle-ops.js";
import { Global, TimeZone, hostile, looksLikeException, lookupGlobal, newobjKnownNames, reduceKnown, reduceKnownNames, refusal, uuidFrom, hashable, isDict } from "./pickle-globals.js";
import { LITTLE_ENDIAN, decodeUtf8, err, float64BE, longFromBytes, parseTextFloat, parseTextInt, rawUnicodeEscape, stringLiteral } from "./pickle-scalars.js";
import { builtinTypeNames, exceptionName, realDicts } from "./pickle-values.js";
import { ByteArray, FrozenSet, OrderedDict, Tuple, dictToClass, dictToError, ExceptionWrapper, newTuple, setKey } from "./values.js";
import { DEFAULT_LIMITS, type Limits } from "../limits.js";
import { BATCH_NO_ARGS, BATCH_NO_KWARGS } from "./batch-calls.js";
import { pythonBuiltinExceptions } from "../python/exceptions.js";

// What a peer can make the decoder build is bounded by the Limits passed to unpickle (src/limits.ts): the pickle's
// size (maxMessageSize), memo entries (maxPickleMemo), stack (maxPickleStack), int size (maxIntBytes), depth.

/** An object under construction (NEWOBJ / REDUCE of a class): BUILD adds its state, first use finishes it. */
class Pending {
  state: unknown = undefined;
  done = false;
  result: unknown = undefined;
  constructor(
    readonly cls: string,
    readonly kind: "object" | "exception",
    readonly args: unknown[],
  ) {}
}

/** A tuple holding globals (a REDUCE's arguments such as defaultdict's factory or a datetime's tzinfo). */
class ArgsTuple {
  constructor(readonly items: unknown[]) {}
}


const SHORT_CACHE_SIZE = 1024;
/** Recently decoded short ASCII strings by hash of their bytes (strings are immutable, so sharing them is safe). */
const shortCache: (string | undefined)[] = new Array(SHORT_CACHE_SIZE).fill(undefined);

const EMPTY = Buffer.alloc(0);
/**
 * Stack and memo arrays up to this length are cleared and kept for the next pickle; longer ones are dropped (they
 * never shrink, so keeping a big message's arrays would make every later message pay for clearing them).
 */
const REUSE_MAX = 256;

/** Buffer's own latin1 decoder, without toString's encoding dispatch. */
type LatinSlice = Buffer & { latin1Slice(start: number, end: number): string };



// ---------------------------------------------------------------------------------------------------------------
// The machine

class Unpickler {
  private b: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private zeroCopy = false;
  /** Decoding a call message (deserializeCall): its outer tuple may be a plain array. */
  private call = false;
  /** The value stack: st[0..sp), never shrunk while decoding (no splice, no length writes on the hot path). */
  private st: unknown[] = [];
  private sp = 0;
  /**
   * How far this pickle filled st and memo: release() clears only that much (after one big message the arrays stay
   * long, and clearing all of them would cost every later small message more than its decoding).
   */
  private spMax = 0;
  private memoMax = 0;
  /** Stack index of the innermost MARK (0 without one): nothing at or below it may be popped. */
  private floor = 0;
  private marks: number[] = [];
  /** Memo slots by index (MEMOIZE numbers them densely; PUT may leave holes). */
  private memo: unknown[] = [];
  private memoCount = 0;
  /** A PUT left a hole or used a huge index: the memo array is replaced rather than cleared for the next pickle. */
  private memoSparse = false;
  /** Dicts that received a non-string key became Maps: old object -> Map, fixed up after decoding. */
  private replaced: Map<object, Map<unknown, unknown>> | null = null;
  /** A container came out of the memo: nesting is no longer bounded by the stack, so check depth at the end. */
  private sharedContainers = false;
  /**
   * A global was named (GLOBAL, STACK_GLOBAL, INST). Only then can the stack hold unfinished values (Global,
   * Pending, TimeZone, ArgsTuple), so without one the opcodes skip finishing and take their plain-data paths.
   */
  private globals = false;
  /** DUP put one object in two places: the tree walk at STOP must run (it is what refuses a self-containing list). */
  private dup = false;
  /** Objects the opcodes made: a result of at most lim.maxDepth objects cannot nest deeper than the limit. */
  private objs = 0;
  /** The limits of the current pickle. */
  private lim: Limits = DEFAULT_LIMITS;
  /**
   * Decoding a call: a tuple made as the third item under the outermost MARK (the call's vargs) is left a plain
   * array, since deserializeCall hands vargs on as a plain array anyway (giving an array Tuple's prototype costs
   * more than the rest of a small call's decoding). STOP gives it the prototype after all unless it really is the
   * result's vargs and nothing else refers to it (see looseTuple).
   */
  private loose: unknown[] | null = null;
  /**
   * Decoding a batch call (DeserializeOptions.batch; see "Batch calls" below): the calls' tuples and their args
   * tuples may stay plain arrays. Cleared for good by spoil() when anything could make one of them visible.
   */
  private batch = false;
  /** Call tuples made above the batch mark since it was set (they sit at st[bbase..bbase+bcount)). */
  private bcount = 0;
  /** Stack index of the batch mark: 3 under a list that APPENDS fills (Python), 2 under a vargs TUPLE (ours). */
  private bbase = 0;
  /** The last call tuple made: still in its slot st[bbase + bcount - 1] unless something took it. */
  private bcall: unknown[] | null = null;
  /** A plain-array tuple in the slot of the next call's args, and that slot (-1 without one). */
  private bargs: unknown[] | null = null;
  private bargsAt = -1;
  /** The batch's vargs (the list or tuple the calls went into), once the calls are in it. */
  private bvargs: unknown[] | null = null;
  /** Every call and args tuple left a plain array so far: spoil() gives them Tuple's prototype after all. */
  private bkept: unknown[][] = [];

  /** Take a new pickle (the instance is reused: its stack and memo keep their capacity between messages). */
  reset(data: Uint8Array, zeroCopy: boolean, call: boolean, lim: Limits, batch: boolean): void {
    this.b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.end = this.b.length;
    this.lim = lim;
    const maxBytes = lim.maxMessageSize;
    if (maxBytes > 0 && this.end > maxBytes) throw err(`data of ${this.end} bytes exceeds the limit of ${maxBytes}`);
    this.pos = 0;
    this.zeroCopy = zeroCopy;
    this.call = call;
    this.sp = 0;
    this.floor = 0;
    this.memoCount = 0;
    this.replaced = null;
    this.sharedContainers = false;
    this.globals = false;
    this.dup = false;
    this.objs = 0;
    this.loose = null;
    this.batch = call && batch;
    this.bcount = 0;
    this.bcall = null;
    this.bargs = null;
    this.bargsAt = -1;
    this.bvargs = null;
  }

  /** Drop every reference to the last pickle's values (a pooled instance must not keep them alive). */
  release(): void {
    this.b = EMPTY;
    const st = this.st;
    if (st.length > REUSE_MAX) this.st = [];
    else for (let i = 0, n = this.spMax; i < n; i++) st[i] = undefined;
    this.spMax = 0;
    const memo = this.memo;
    if (this.memoSparse || memo.length > REUSE_MAX) {
      this.memo = [];
      this.memoSparse = false;
    } else for (let i = 0, n = this.memoMax; i < n; i++) memo[i] = undefined;
    this.memoMax = 0;
    if (this.marks.length) this.marks.length = 0;
    this.replaced = null;
    this.loose = null;
    this.bcall = null;
    this.bargs = null;
    this.bvargs = null;
    if (this.bkept.length) this.bkept.length = 0;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw err(`data truncated at offset ${this.pos} (needed ${n} more bytes)`);
  }
  private u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.b.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.b.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const lo = this.b.readUInt32LE(this.pos);
    const hi = this.b.readUInt32LE(this.pos + 4);
    this.pos += 8;
    // no BigInt: any length beyond the data is an error anyway
    const v = hi * 4294967296 + lo;
    if (hi > 0x1fffff || v > this.end) throw err(`length ${hi > 0x1fffff ? "beyond 2^53" : v} exceeds the data`);
    return v;
  }
  private bytes(n: number): Buffer {
    this.need(n);
    // a message buffer made for us alone: big bytes may be views into it (DeserializeOptions.zeroCopy)
    const view = this.b.subarray(this.pos, this.pos + n);
    const v = this.zeroCopy && n >= ZERO_COPY_MIN ? view : Buffer.from(view);
    this.pos += n;
    return v;
  }
  /** A bytearray: mutable, so a view into the message only when the message is ours alone (zeroCopy). */
  private byteArray(n: number): ByteArray {
    this.need(n);
    const p = this.pos;
    this.pos += n;
    if (this.zeroCopy && n >= ZERO_COPY_MIN) return new ByteArray(this.b.buffer as ArrayBuffer, this.b.byteOffset + p, n);
    const out = new ByteArray(n);
    out.set(this.b.subarray(p, p + n));
    return out;
  }
  private str(n: number): string {
    this.need(n);
    const b = this.b;
    const p = this.pos;
    this.pos += n;
    if (n <= 24) {
      // short keys and names are nearly always ASCII and repeat from message to message: reuse the string made
      // last time instead of building a new one. The slot comes from the length and three bytes (no pass over the
      // text); the one pass is the comparison, and only ASCII strings are cached, so a match is ASCII too.
      if (n === 0) return "";
      let h = Math.imul(n ^ (b[p]! << 8) ^ (b[p + n - 1]! << 16), 0x01000193);
      h = Math.imul(h ^ b[p + (n >> 1)]!, 0x01000193);
      const slot = (h ^ (h >>> 15) ^ (h >>> 23)) & (SHORT_CACHE_SIZE - 1);
      const cached = shortCache[slot];
      if (cached !== undefined && cached.length === n) {
        let j = 0;
        while (j < n && cached.charCodeAt(j) === b[p + j]) j++;
        if (j === n) return cached;
      }
      let i = 0;
      while (i < n && b[p + i]! < 0x80) i++;
      if (i === n) {
        const str = (b as LatinSlice).latin1Slice(p, p + n);
        shortCache[slot] = str;
        return str;
      }
    }
    return decodeUtf8(b, p, p + n);
  }
  /** Only an optional memo store (MEMOIZE, BINPUT, LONG_BINPUT) and the final STOP follow. */
  private lastValue(): boolean {
    const b = this.b;
    let p = this.pos;
    const c = b[p];
    if (c === 0x94 /* MEMOIZE */) p += 1;
    else if (c === 0x71 /* BINPUT */) p += 2;
    else if (c === 0x72 /* LONG_BINPUT */) p += 5;
    return p + 1 === this.end && b[p] === 0x2e /* STOP */;
  }
  /** A protocol 0 text argument up to the newline. */
  private line(): string {
    const i = this.b.indexOf(0x0a, this.pos);
    if (i < 0 || i >= this.end) throw err(`missing newline after text argument at offset ${this.pos}`);
    const s = this.b.toString("latin1", this.pos, i);
    this.pos = i + 1;
    return s;
  }

  private push(v: unknown): void {
    const sp = this.sp;
    if (sp >= this.lim.maxPickleStack) throw err(`more than ${this.lim.maxPickleStack} values on the stack`);
    this.st[sp] = v;
    this.sp = sp + 1;
    if (sp >= this.spMax) this.spMax = sp + 1;
  }
  /** Top value, finished (pending objects built, bare globals refused). */
  private pop(): unknown {
    return this.globals ? this.finish(this.popRaw()) : this.popRaw();
  }
  /** REDUCE/NEWOBJ arguments: a tuple, possibly holding globals. */
  private popArgs(): unknown {
    const v = this.popRaw();
    return v instanceof ArgsTuple ? v.items : this.finish(v);
  }
  private popRaw(): unknown {
    if (this.sp <= this.floor) throw err("stack underflow");
    return this.st[--this.sp];
  }
  private top(): unknown {
    if (this.sp <= this.floor) throw err("stack underflow");
    return this.st[this.sp - 1];
  }
  /** Remove the innermost MARK; returns the stack index it held (the values above it are the marked items). */
  private popMarkAt(): number {
    const marks = this.marks;
    if (marks.length === 0) throw err("MARK expected but not found");
    const at = marks.pop()!;
    this.floor = marks.length ? marks[marks.length - 1]! : 0;
    // a marked opcode takes st[at..sp): a batch's calls or pending args among them go somewhere else than the batch
    // (the opcodes that end a batch's calls have settled them before they get here)
    if (this.bargs !== null && at <= this.bargsAt) this.settleArgs();
    if (this.bcount !== 0 && at < this.bbase + this.bcount) this.spoil();
    return at;
  }
  /** The values st[at..sp) as a new array (finished when globals were named), removed from the stack. */
  private take(at: number): unknown[] {
    const st = this.st;
    const n = this.sp - at;
    const items: unknown[] = [];
    if (this.globals) {
      for (let i = 0; i < n; i++) {
        const v = st[at + i];
        items.push(v instanceof Pending || v instanceof Global || v instanceof TimeZone || v instanceof ArgsTuple ? this.finish(v) : v);
      }
    } else for (let i = 0; i < n; i++) items.push(st[at + i]);
    this.sp = at;
    return items;
  }
  /** The values pushed since the last MARK, finished, and the mark removed. */
  private popMark(): unknown[] {
    return this.take(this.popMarkAt());
  }

  private finish(v: unknown): unknown {
    if (v instanceof Pending) return this.finishPending(v);
    if (v instanceof Global) throw err(`global '${v.full}' cannot be used as a value`);
    if (v instanceof TimeZone) throw err("datetime.timezone cannot be used as a value (only as a tzinfo)");
    if (v instanceof ArgsTuple) {
      for (const x of v.items) this.finish(x);
      throw err("tuple of globals cannot be used as a value");
    }
    return v;
  }

  private finishPending(p: Pending): unknown {
    if (p.done) return p.result;
    p.done = true;
    const st = p.state;
    let r: unknown;
    if (p.kind === "exception") {
      const attributes: Record<string, unknown> = {};
      if (st && typeof st === "object" && !Array.isArray(st)) for (const k of Object.keys(st)) setKey(attributes, k, (st as Record<string, unknown>)[k]);
      r = dictToError({ __class__: p.cls, __exception__: true, args: p.args, attributes });
    } else {
      switch (p.cls) {
        case "Pyro4.core.URI":
          if (!Array.isArray(st)) throw err("Pyro4.core.URI: state is not a tuple");
          r = URI.fromState(st);
          break;
        case "uuid.UUID":
          r = uuidFrom(st);
          break;
        case "Pyro4.futures._ExceptionWrapper": {
          const e = (st as Record<string, unknown> | null)?.exception;
          if (!(e instanceof Error)) throw err("_ExceptionWrapper without an exception");
          r = new ExceptionWrapper(e);
          break;
        }
        default: {
          const dict: Record<string, unknown> = { __class__: p.cls };
          const add = (s: unknown): void => {
            if (s == null) return;
            if (typeof s === "object" && !Array.isArray(s) && !(s instanceof Map) && !(s instanceof Set) && !(s instanceof Uint8Array)) {
              for (const k of Object.keys(s)) if (k !== "__class__") setKey(dict, k, (s as Record<string, unknown>)[k]);
            } else if (s instanceof Map) {
              for (const [k, v] of s) if (typeof k === "string" && k !== "__class__") setKey(dict, k, v);
            } else dict.state = s;
          };
          // (dict, slots-dict) is how classes with __slots__ pickle their state
          if (st instanceof Tuple && st.length === 2 && (st[0] === null || typeof st[0] === "object") && typeof st[1] === "object") {
            add(st[0]);
            add(st[1]);
          } else add(st);
          r = dictToClass(dict, true);
        }
      }
    }
    p.result = r;
    return r;
  }

  private memoPut(i: number, v: unknown): void {
    const memo = this.memo;
    if (memo[i] === undefined) {
      if (this.memoCount >= this.lim.maxPickleMemo) throw err(`memo grew beyond ${this.lim.maxPickleMemo} entries`);
      this.memoCount++;
      // a hole, or an index beyond JavaScript's array range (a property): clearing by index would miss it
      if (i > memo.length) this.memoSparse = true;
    }
    memo[i] = v;
    if (i >= this.memoMax) this.memoMax = i + 1;
  }
  private memoGet(i: number): void {
    const v = this.memo[i];
    if (v === undefined) throw err(`memo key ${i} not found`);
    if (v !== null && typeof v === "object") {
      this.sharedContainers = true;
      // a list or tuple in a second place: if a batch's calls are (or will be) in it, they are visible there
      if (this.batch && Array.isArray(v)) this.spoil();
    }
    this.push(v);
  }

  private setItem(d: unknown, k: unknown, v: unknown): unknown {
    if (d instanceof Map) {
      d.set(typeof k === "string" ? k : this.hashed(k, "dict key"), v);
      return d;
    }
    if (d === null || typeof d !== "object" || !isDict(d)) throw err("SETITEM on a value that is not a dict");
    if (typeof k === "string") {
      if (k === "__class__") realDicts.add(d);
      setKey(d as Record<string, unknown>, k, v);
      return d;
    }
    k = this.hashed(k, "dict key");
    // the first non-string key: this dict becomes a Map (same key order); references to the object are fixed up
    const m = new Map<unknown, unknown>(Object.entries(d as Record<string, unknown>));
    m.set(k, v);
    this.replaced ??= new Map();
    this.replaced.set(d as object, m);
    for (let i = 0; i < this.sp; i++) if (this.st[i] === d) this.st[i] = m;
    const memo = this.memo;
    if (this.memoSparse) {
      // PUT 4000000000 makes a huge, nearly empty array: visit the entries it has, not every index below its length
      const byKey = memo as unknown as Record<string, unknown>;
      for (const key of Object.keys(memo)) if (byKey[key] === d) byKey[key] = m;
    } else for (let i = 0; i < memo.length; i++) if (memo[i] === d) memo[i] = m;
    return m;
  }

  private reduce(fn: unknown, argsV: unknown): unknown {
    if (!(fn instanceof Global)) throw err("REDUCE on a value that is not a global");
    if (!Array.isArray(argsV)) throw err(`REDUCE arguments for '${fn.full}' are not a tuple`);
    const args = argsV as unknown[];
    const f = fn.full;
    if (f === "copyreg._reconstructor") {
      const [cls, base, state] = args;
      if (!(cls instanceof Global)) throw err("copyreg._reconstructor: class is not a global");
      if (!(base instanceof Global) || base.module !== "builtins") throw err("copyreg._reconstructor: unsupported base");
      this.checkClass(cls);
      const p = new Pending(cls.full, "object", []);
      if (state != null) p.state = state;
      return p;
    }
    if (reduceKnownNames.has(f)) return reduceKnown(fn, args);
    const exc = exceptionName(fn.module, fn.name, pythonBuiltinExceptions, pyroErrorClasses);
    if (exc) return new Pending(exc, "exception", args);
    if (newobjKnownNames.has(f) || (fn.module === "builtins" && builtinTypeNames.has(fn.name))) {
      if (args.length === 0) return new Pending(f, "object", []);
      throw err(`will not call '${f}' with arguments`);
    }
    // a user module's class: an exception (kept as RemoteError) or a plain class built with no arguments
    if (looksLikeException(fn.name)) return new Pending(f, "exception", args);
    if (args.length === 0) return new Pending(f, "object", []);
    throw hostile(f);
  }

  private lookup(module: string, name: string): Global {
    try {
      return lookupGlobal(module, name);
    } catch (e) {
      throw refusal(e, this.b.subarray(this.pos, this.pos + 64));
    }
  }

  private checkClass(cls: Global): void {
    if (cls.module === "builtins" && !builtinTypeNames.has(cls.name) && !exceptionName(cls.module, cls.name, pythonBuiltinExceptions, pyroErrorClasses))
      throw hostile(cls.full);
  }

  private newobj(cls: unknown, args: unknown, kwargs: unknown): unknown {
    if (!(cls instanceof Global)) throw err("NEWOBJ on a value that is not a class");
    if (!Array.isArray(args)) throw err(`NEWOBJ arguments for '${cls.full}' are not a tuple`);
    this.checkClass(cls);
    const exc = exceptionName(cls.module, cls.name, pythonBuiltinExceptions, pyroErrorClasses);
    if (exc) return new Pending(exc, "exception", args as unknown[]);
    if (args.length || (kwargs && Object.keys(kwargs).length)) throw err(`will not construct '${cls.full}' with arguments`);
    if (cls.full === "builtins.set") return new Set();
    if (cls.full === "builtins.frozenset") return new FrozenSet();
    if (cls.full === "builtins.list") return [];
    if (cls.full === "builtins.dict") return {};
    if (cls.full === "collections.OrderedDict") return new OrderedDict();
    return new Pending(cls.full, "object", []);
  }

  private build(): void {
    const state = this.pop();
    const target = this.top();
    if (target instanceof Pending && !target.done) {
      target.state = state;
      return;
    }
    if (target instanceof Error && state && typeof state === "object") {
      for (const k of Object.keys(state)) setKey(target as unknown as Record<string, unknown>, k, (state as Record<string, unknown>)[k]);
      return;
    }
    throw err("BUILD on a value that has no state to set");
  }

  run(): unknown {
    const b = this.b;
    for (;;) {
      if (this.pos >= this.end) throw err("data ended without STOP");
      const code = b[this.pos++]!;
      switch (code) {
        case 0x80: { // PROTO
          const v = this.u8();
          if (v > op.HIGHEST_PROTOCOL) throw err(`unsupported pickle protocol: ${v}`);
          break;
        }
        case 0x95: // FRAME
          // frames only help buffered readers; we have the whole message (the length is not needed)
          this.need(8);
          this.pos += 8;
          break;
        case 0x2e: { // STOP
          if (this.sp !== 1 || this.marks.length) throw err(this.sp === 0 ? "STOP with an empty stack" : "STOP with more than one value on the stack");
          const top = this.st[--this.sp];
          const v = this.globals ? this.finish(top) : top;
          if (this.pos !== this.end) throw err(`${this.end - this.pos} unexpected trailing bytes after STOP`);
          if (this.loose !== null) this.settleLoose(v);
          if (this.batch) this.settleBatch(v);
          if (this.replaced || this.sharedContainers) return this.fixup(v);
          // a chain deeper than the limit needs more objects than the limit: plain data with few objects is a tree
          // that cannot be too deep (globals can build objects of their own, DUP can share one, so both walk)
          return this.globals || this.dup || this.objs > this.lim.maxDepth ? checkTreeDepth(v, this.lim.maxDepth) : v;
        }
        case 0x28: // MARK
          if (this.marks.length >= this.lim.maxDepth) throw err(`MARKs nested deeper than the limit of ${this.lim.maxDepth}`);
          this.marks.push(this.sp);
          this.floor = this.sp;
          break;
        case 0x30: // POP
          if (this.marks.length && this.sp === this.marks[this.marks.length - 1]) this.popMarkAt();
          else this.popRaw();
          break;
        case 0x31: // POP_MARK
          this.popMark(); // finishes the dropped values: a bare global is refused even here
          break;
        case 0x32: // DUP
          this.dup = true;
          if (this.batch) this.spoil();
          this.push(this.top());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x49: { // INT
          const s = this.line();
          this.push(s === "01" ? true : s === "00" ? false : parseTextInt(s, this.lim.maxIntBytes));
          break;
        }
        case 0x4a: // BININT
          this.need(4);
          this.push(b.readInt32LE(this.pos));
          this.pos += 4;
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x4c: // LONG
          this.push(parseTextInt(this.line(), this.lim.maxIntBytes));
          break;
        case 0x8a: // LONG1
        case 0x8b: { // LONG4
          const n = code === 0x8a /* LONG1 */ ? this.u8() : this.b.readInt32LE((this.need(4), (this.pos += 4) - 4));
          if (n < 0) throw err("LONG4 with a negative byte count");
          if (n > this.lim.maxIntBytes) throw err(`int of ${n} bytes exceeds the limit of ${this.lim.maxIntBytes}`);
          this.need(n);
          this.push(longFromBytes(b, this.pos, n));
          this.pos += n;
          break;
        }
        case 0x46: // FLOAT
          this.push(parseTextFloat(this.line()));
          break;
        case 0x47: { // BINFLOAT
          this.need(8);
          this.push(LITTLE_ENDIAN ? float64BE(b, this.pos) : b.readDoubleBE(this.pos));
          this.pos += 8;
          break;
        }
        case 0x8c: // SHORT_BINUNICODE
          if (this.batch && this.batchCallNoArgs()) break;
          this.push(this.str(this.u8()));
          break;
        case 0x58: // BINUNICODE
          this.push(this.str(this.u32()));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.str(this.u64()));
          break;
        case 0x56: // UNICODE
          this.push(rawUnicodeEscape(this.line()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.objs++;
          this.push(this.bytes(this.u8()));
          break;
        case 0x42: // BINBYTES
          this.objs++;
          this.push(this.bytes(this.u32()));
          break;
        case 0x8e: // BINBYTES8
          this.objs++;
          this.push(this.bytes(this.u64()));
          break;
        case 0x96: // BYTEARRAY8
          this.objs++;
          this.push(this.byteArray(this.u64()));
          break;
        // Python 2 str: Python 3 reads these as str with encoding="ASCII" (its default)
        case 0x55: // SHORT_BINSTRING
        case 0x54: // BINSTRING
        case 0x53: { // STRING
          const raw = code === 0x53 /* STRING */ ? stringLiteral(this.line()) : this.bytes(code === 0x55 /* SHORT_BINSTRING */ ? this.u8() : this.u32());
          for (const c of raw) if (c > 0x7f) throw err("non-ASCII Python 2 str (decode it with an explicit encoding in Python)");
          this.push(raw.toString("latin1"));
          break;
        }
        case 0x97: // NEXT_BUFFER
          throw err("out-of-band buffers are not supported (Pyro4 never sends them)");
        case 0x98: // READONLY_BUFFER
          this.top();
          break;
        case 0x29: { // EMPTY_TUPLE
          this.objs++;
          const t = this.batch ? this.batchTuple(this.sp) : null;
          this.push(t ?? (this.call && this.isVargsSlot(this.sp) ? this.looseTuple(0) : newTuple(0)));
          break;
        }
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: { // TUPLE3
          const at = this.sp - (code - 0x85 /* TUPLE1 */ + 1);
          if (at < this.floor) throw err("stack underflow");
          this.objs++;
          if (this.globals) {
            this.push(this.makeTuple(this.takeRaw(at)));
            break;
          }
          const t = this.batch ? this.batchTuple(at) : null;
          this.push(t ?? (this.call && this.isVargsSlot(at) ? this.looseFrom(at) : this.plainTuple(at)));
          break;
        }
        case 0x74: { // TUPLE
          this.objs++;
          if (this.globals) {
            this.push(this.makeTuple(this.popMarkRaw()));
            break;
          }
          // our client's batch: this TUPLE makes the vargs out of the calls above the batch mark
          const end = this.bcount !== 0 && this.bbase === 2 && this.marks.length === 2 && this.endCalls(null);
          const at = this.popMarkAt();
          const t = this.batch && !end ? this.batchTuple(at) : null;
          // a call's outer tuple (only a memo store and STOP follow): deserializeCall takes its four items and drops
          // it, so it need not be a Tuple (making one costs a prototype change)
          const v = t ?? (this.call && this.lastValue() ? this.takeRaw(at) : this.call && this.isVargsSlot(at) ? this.looseFrom(at) : this.plainTuple(at));
          if (end) this.batchVargs(v);
          this.push(v);
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.objs++;
          this.push([]);
          break;
        case 0x6c: // LIST
          this.objs++;
          this.push(this.popMark());
          break;
        case 0x61: { // APPEND
          const v = this.pop();
          if (this.bcount !== 0 || this.bargs !== null) this.batchTarget(this.sp - 1, v);
          this.append(this.top(), v);
          break;
        }
        case 0x65: { // APPENDS
          if (this.globals) {
            const items = this.popMark();
            this.appends(this.top(), items, 0, items.length);
          } else {
            // straight from the stack (no finishing needed without globals); with a batch from Python, this APPENDS
            // puts the calls above the batch mark into the batch's list
            if (this.bcount !== 0 && this.bbase === 3 && this.marks.length === 2) this.endCalls(this.st[2]);
            const at = this.popMarkAt();
            if (this.bcount !== 0 || this.bargs !== null) this.batchTarget(at - 1, undefined);
            if (at <= this.floor) throw err("stack underflow");
            this.appends(this.st[at - 1], this.st, at, this.sp);
            this.sp = at;
          }
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.objs++;
          this.push({});
          break;
        case 0x64: { // DICT
          this.objs++;
          const items = this.popMark();
          if (items.length % 2) throw err("DICT with an odd number of items");
          let d: unknown = {};
          for (let i = 0; i < items.length; i += 2) d = this.setItem(d, items[i], items[i + 1]);
          this.push(d);
          break;
        }
        case 0x73: { // SETITEM
          const v = this.pop();
          if (this.bargs !== null && v === this.bargs) this.settleArgs();
          const k = this.pop();
          this.setItem(this.top(), k, v);
          break;
        }
        case 0x75: { // SETITEMS
          // in place on the stack: the items above the mark, then drop them
          const at = this.popMarkAt();
          const st = this.st;
          const top = this.sp;
          if ((top - at) % 2) throw err("SETITEMS with an odd number of items");
          if (at <= this.floor) throw err("stack underflow");
          let d = st[at - 1];
          let i = at;
          if (!this.globals && d !== null && typeof d === "object" && isDict(d)) {
            // plain data into a dict: string keys go straight in until the first other key (which makes a Map)
            const o = d as Record<string, unknown>;
            for (; i < top; i += 2) {
              const k = st[i];
              if (typeof k !== "string") break;
              if (k === "__class__") realDicts.add(o);
              setKey(o, k, st[i + 1]);
            }
          }
          for (; i < top; i += 2) {
            let k = st[i];
            let v = st[i + 1];
            if (k instanceof Pending || k instanceof Global || k instanceof TimeZone || k instanceof ArgsTuple) k = this.finish(k);
            if (v instanceof Pending || v instanceof Global || v instanceof TimeZone || v instanceof ArgsTuple) v = this.finish(v);
            d = this.setItem(d, k, v);
          }
          this.sp = at;
          break;
        }
        case 0x8f: // EMPTY_SET
          this.objs++;
          this.push(new Set());
          break;
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof Set)) throw err("ADDITEMS on a value that is not a set");
          for (const v of items) s.add(this.hashed(v, "set item"));
          break;
        }
        case 0x91: { // FROZENSET
          this.objs++;
          const items = this.popMark();
          this.push(new FrozenSet(items.map((v) => this.hashed(v, "set item"))));
          break;
        }
        case 0x63: { // GLOBAL
          const module = this.line();
          const name = this.line();
          this.namedGlobal();
          this.push(this.lookup(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.popRaw();
          const module = this.popRaw();
          if (typeof name !== "string" || typeof module !== "string") throw err("STACK_GLOBAL requires str module and name");
          this.namedGlobal();
          this.push(this.lookup(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.popArgs();
          const fn = this.popRaw();
          this.push(this.reduce(fn, args));
          break;
        }
        case 0x81: { // NEWOBJ
          const args = this.popArgs();
          const cls = this.popRaw();
          this.push(this.newobj(cls, args, null));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.popArgs();
          const cls = this.popRaw();
          this.push(this.newobj(cls, args, kwargs as Record<string, unknown> | null));
          break;
        }
        case 0x69: { // INST
          const module = this.line();
          const name = this.line();
          this.namedGlobal();
          const args = this.popMark();
          this.push(this.newobj(lookupGlobal(module, name), args, null));
          break;
        }
        case 0x6f: { // OBJ
          const items = this.popMarkRaw();
          if (items.length === 0) throw err("OBJ without a class");
          const cls = items[0];
          this.push(this.newobj(cls, items.slice(1).map((v) => this.finish(v)), null));
          break;
        }
        case 0x62: // BUILD
          this.build();
          break;
        case 0x70: // PUT
          this.memoPut(this.memoIndex(this.line()), this.top());
          break;
        case 0x71: // BINPUT
          this.memoPut(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memoPut(this.memoCount, this.top());
          break;
        case 0x67: // GET
          this.memoGet(this.memoIndex(this.line()));
          break;
        case 0x68: // BINGET
          this.memoGet(this.u8());
          break;
        case 0x6a: // LONG_BINGET
          this.memoGet(this.u32());
          break;
        case 0x50: // PERSID
        case 0x51: // BINPERSID
          throw err("persistent ids are not supported");
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
          throw err("the copyreg extension registry is not supported");
        default:
          throw err(`invalid opcode 0x${code.toString(16).padStart(2, "0")} at offset ${this.pos - 1}`);
      }
    }
  }

  /** A tuple of finished values, or an ArgsTuple when it holds globals (only valid as call arguments). */
  private makeTuple(items: unknown[]): unknown {
    let args = false;
    for (let i = 0; i < items.length; i++) {
      const v = items[i];
      if (v instanceof Pending) items[i] = this.finishPending(v);
      else if (v instanceof Global || v instanceof TimeZone || v instanceof ArgsTuple) args = true;
    }
    if (args) return new ArgsTuple(items);
    const t = newTuple(items.length);
    for (let i = 0; i < items.length; i++) t[i] = items[i];
    return t;
  }

  private popMarkRaw(): unknown[] {
    return this.takeRaw(this.popMarkAt());
  }
  /** The values st[at..sp) as they are, removed from the stack. */
  private takeRaw(at: number): unknown[] {
    const st = this.st;
    const n = this.sp - at;
    const items = new Array<unknown>(n);
    for (let i = 0; i < n; i++) items[i] = st[at + i];
    this.sp = at;
    return items;
  }
  /**
   * A tuple pushed at stack index `at` would be the third item under the outermost MARK: a call's vargs (only the
   * first such tuple; any later one is made a Tuple right away).
   */
  private isVargsSlot(at: number): boolean {
    return this.loose === null && !this.globals && this.marks.length === 1 && at - this.floor === 2;
  }
  /** A call's vargs tuple of n items as a plain array, remembered for settleLoose. */
  private looseTuple(n: number): unknown[] {
    const a = new Array<unknown>(n);
    this.loose = a;
    return a;
  }
  /** st[at..sp) as a loose vargs tuple, removed from the stack. */
  private looseFrom(at: number): unknown[] {
    const st = this.st;
    const n = this.sp - at;
    const a = this.looseTuple(n);
    for (let i = 0; i < n; i++) a[i] = st[at + i];
    this.sp = at;
    return a;
  }
  /**
   * At STOP: the loose tuple stays a plain array only where deserializeCall would have copied it into one, as the
   * vargs of the 4-item result, with no other reference to it (DUP or a memo GET could have put it somewhere
   * else too). Anywhere else it gets Tuple's prototype now, in place, so every reference to it sees a tuple.
   */
  /**
   * Anything that looks at whether a value is a tuple (hashing, appending, a global's arguments) sees a real Tuple:
   * the loose one gets the prototype first.
   */
  private unloose(v: unknown): void {
    if (v === this.loose && v !== null) {
      Object.setPrototypeOf(v, Tuple.prototype);
      this.loose = null;
    }
  }
  /** A dict key or set item, checked as Python hashes it. */
  private hashed(v: unknown, what: string): unknown {
    if (this.loose !== null) this.unloose(v);
    if (this.bargs !== null && v === this.bargs) this.settleArgs();
    return hashable(v, what);
  }
  /** Globals were named: from here on values can go to functions that check for tuples (no loose tuple then). */
  private namedGlobal(): void {
    this.globals = true;
    if (this.loose !== null) this.unloose(this.loose);
    if (this.batch) this.spoil();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Batch calls (DeserializeOptions.batch). A batch's vargs holds one (name, args, kwargs) tuple per call, and the
  // daemon only reads their items (the args are spread into the method's arguments), so those two tuples per call
  // never reach user code and need not be Tuples; giving 200 arrays Tuple's prototype was half of decoding a batch
  // of 100 calls. They are recognised by where they are made, under the outermost MARK at stack index 0:
  // - Python's client sends a list: `MARK id method EMPTY_LIST MARK call... APPENDS kwargs TUPLE`, the batch mark
  //   at index 3; ours sends a tuple: `MARK id method MARK call... TUPLE kwargs TUPLE`, the batch mark at index 2.
  // - a call is a 3-item tuple made in the slot right after the last call (the batch mark for the first);
  //   a tuple made in the slot after that is taken for its args until the call is made (st[at + 1] === it).
  // A plain array must not be seen anywhere else: every other way a value can leave the stack or be seen twice
  // either settles it right there (settleArgs: it gets Tuple's prototype, in place) or gives up for the whole
  // pickle (spoil: all of them get it), so the result is what the decoder makes without the hint:
  // - the args candidate taken by anything but its call (another tuple, a marked opcode, APPEND, SETITEM, a dict
  //   key or set item, or the next candidate made in its slot): settled;
  // - a call taken by anything but the batch's APPENDS/TUPLE (a tuple or marked opcode reaching below the last
  //   call, an APPEND onto one, or the last call missing from its slot when the next call or the end comes): spoil;
  // - a list or tuple fetched from the memo, DUP, a named global, or a result whose vargs is not the list/tuple
  //   the calls went into: spoil.

  /**
   * A tuple of st[at..sp) while decoding a batch: a call, or the candidate for the next call's args, comes back as a
   * plain array (still to be pushed); null for every other tuple, which the caller makes as usual.
   */
  private batchTuple(at: number): unknown[] | null {
    const calls = this.bcount;
    if (calls !== 0 && at < this.bbase + calls) {
      this.spoil(); // a tuple made of calls is a user value, and so are the calls in it
      return null;
    }
    const base = this.floor;
    const m = this.marks;
    const pos = m.length === 2 && m[0] === 0 && (base === 2 || base === 3) ? at - base - calls : -1;
    const args = this.bargs;
    if (pos === 0 && this.sp - at === 3 && (calls === 0 || this.st[at - 1] === this.bcall)) {
      if (args !== null) {
        if (this.st[at + 1] === args) {
          this.bkept.push(args);
          this.bargs = null;
          this.bargsAt = -1;
        } else this.settleArgs();
      }
      const c = this.takeRaw(at);
      this.bbase = base;
      this.bcount = calls + 1;
      this.bcall = c;
      this.bkept.push(c);
      return c;
    }
    if (args !== null && at <= this.bargsAt) this.settleArgs(); // the candidate went into another tuple
    if (pos !== 1) return null;
    const a = this.takeRaw(at);
    this.bargs = a;
    this.bargsAt = at;
    return a;
  }
  /**
   * At a SHORT_BINUNICODE in the next call's slot: a whole call without arguments, `name ) } TUPLE3` (what our
   * client writes for `batch.ping()`), made in one step with what EMPTY_TUPLE, EMPTY_DICT and TUPLE3 would do through
   * batchTuple, except that the args and kwargs are the shared empties of batch-calls.ts (spoil() gives the call
   * a fresh Tuple and dict of its own). False (nothing read) for anything else, which the opcodes handle one by one.
   */
  private batchCallNoArgs(): boolean {
    const b = this.b, p = this.pos, n = b[p]!, sp = this.sp, calls = this.bcount;
    if (p + n + 4 > this.end || b[p + n + 1] !== 0x29 /* EMPTY_TUPLE */ || b[p + n + 2] !== 0x7d /* EMPTY_DICT */ || b[p + n + 3] !== 0x87 /* TUPLE3 */) return false;
    const base = this.floor, m = this.marks;
    // the conditions under which batchTuple takes `)` for the args candidate and TUPLE3 for the next call
    if (this.globals || this.bargs !== null || m.length !== 2 || m[0] !== 0 || (base !== 2 && base !== 3) || sp !== base + calls) return false;
    if (calls !== 0 && (this.bbase !== base || this.st[sp - 1] !== this.bcall)) return false;
    if (sp + 3 > this.lim.maxPickleStack) return false; // the opcodes one by one give the stack error
    this.pos = p + 1;
    const c: unknown[] = [this.str(n), BATCH_NO_ARGS, BATCH_NO_KWARGS];
    this.pos += 3;
    this.objs += 3;
    this.bbase = base;
    this.bcount = calls + 1;
    this.bcall = c;
    this.bkept.push(c);
    this.st[sp] = c;
    this.sp = sp + 1;
    if (sp >= this.spMax) this.spMax = sp + 1;
    return true;
  }
  /** APPEND/APPENDS onto st[i] (of v): a call is no list (spoil first, so that the append fails as it should). */
  private batchTarget(i: number, v: unknown): void {
    const args = this.bargs;
    if (args !== null && (v === args || this.st[i] === args)) this.settleArgs();
    if (this.bcount !== 0 && i < this.bbase + this.bcount) this.spoil();
  }
  /**
   * The opcode that puts the calls into the batch's vargs comes (APPENDS onto `list`, or our client's vargs TUPLE
   * with list null): true when the calls are all still in their slots, else spoil.
   */
  private endCalls(list: unknown): boolean {
    if (this.bargs !== null) this.settleArgs(); // made after the last call: no call's args
    const ok =
      this.st[this.bbase + this.bcount - 1] === this.bcall &&
      (list === null || (Array.isArray(list) && !(list instanceof Tuple) && list !== this.loose && (this.bvargs === null || this.bvargs === list)));
    if (!ok) {
      this.spoil();
      return false;
    }
    this.bcount = 0;
    this.bcall = null;
    if (list !== null) this.bvargs = list as unknown[];
    return true;
  }
  /** Our client's vargs tuple, made by the TUPLE that endCalls approved. */
  private batchVargs(v: unknown): void {
    if (this.bvargs !== null) this.spoil();
    else this.bvargs = v as unknown[];
  }
  /** At STOP: the plain arrays stay only when the result's vargs is the list or tuple the calls went into. */
  private settleBatch(result: unknown): void {
    if (this.bargs !== null) this.settleArgs();
    if (this.bkept.length !== 0 && !(this.bcount === 0 && Array.isArray(result) && result.length === 4 && result[2] === this.bvargs)) this.spoil();
  }
  /** The args candidate is no call's args: a real Tuple from now on, wherever it went. */
  private settleArgs(): void {
    Object.setPrototypeOf(this.bargs, Tuple.prototype);
    this.bargs = null;
    this.bargsAt = -1;
  }
  /** Something may make a call or args tuple visible: every one of them becomes a Tuple, and the hint is off. */
  private spoil(): void {
    this.batch = false;
    if (this.bargs !== null) this.settleArgs();
    const kept = this.bkept;
    for (let i = 0; i < kept.length; i++) {
      const k = kept[i]!;
      Object.setPrototypeOf(k, Tuple.prototype);
      // a call made by batchCallNoArgs gets the fresh () and {} the opcodes would have made
      if (k[1] === BATCH_NO_ARGS) k[1] = newTuple(0);
      if (k[2] === BATCH_NO_KWARGS) k[2] = {};
    }
    kept.length = 0;
    this.bcount = 0;
    this.bcall = null;
  }
  private settleLoose(result: unknown): void {
    const t = this.loose!;
    this.loose = null;
    const vargs = Array.isArray(result) && result.length === 4 && result[2] === t;
    if (!vargs || this.dup || this.sharedContainers) Object.setPrototypeOf(t, Tuple.prototype);
  }
  /** A tuple of st[at..sp), removed from the stack: plain data only (no globals named, nothing to finish). */
  private plainTuple(at: number): unknown[] {
    const st = this.st;
    const n = this.sp - at;
    const t = newTuple(n);
    for (let i = 0; i < n; i++) t[i] = st[at + i];
    this.sp = at;
    return t;
  }

  private memoIndex(s: string): number {
    if (!/^\d{1,10}$/.test(s)) throw err("invalid memo key");
    return Number(s);
  }

  /** APPENDS of items[from..to): the target must be a list or a set even when there are no items. */
  private appends(target: unknown, items: unknown[], from: number, to: number): void {
    if (this.loose !== null) this.unloose(target);
    if (Array.isArray(target) && !(target instanceof Tuple)) for (let i = from; i < to; i++) target.push(items[i]);
    else if (target instanceof Set) for (let i = from; i < to; i++) target.add(this.hashed(items[i], "set item"));
    else throw err("APPEND on a value that is not a list");
  }
  private append(target: unknown, v: unknown): void {
    if (this.loose !== null) this.unloose(target);
    if (Array.isArray(target) && !(target instanceof Tuple)) target.push(v);
    else if (target instanceof Set) target.add(this.hashed(v, "set item"));
    else throw err("APPEND on a value that is not a list");
  }

  /**
   * After memo sharing or dict-to-Map changes: replace stale dict references and enforce the depth limit that the
   * stack size enforced by itself otherwise. Iterative (cycles are allowed: Python pickles them).
   */
  private fixup(root: unknown): unknown {
    const rep = this.replaced;
    const swap = (v: unknown): unknown => (rep && v !== null && typeof v === "object" && rep.has(v) ? rep.get(v) : v);
    root = swap(root);
    const seen = new Set<object>();
    const work: [unknown, number][] = [[root, 0]];
    const maxDepth = this.lim.maxDepth;
    while (work.length) {
      const [v, depth] = work.pop()!;
      if (v === null || typeof v !== "object" || seen.has(v)) continue;
      if (depth > maxDepth) throw err(`data nested deeper than the limit of ${maxDepth} levels`);
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          v[i] = swap(v[i]);
          work.push([v[i], depth + 1]);
        }
      } else if (v instanceof Map) {
        for (const [k, x] of v) {
          const y = swap(x);
          if (y !== x) v.set(k, y);
          work.push([k, depth + 1], [y, depth + 1]);
        }
      } else if (v instanceof Set) {
        for (const x of v) work.push([x, depth + 1]);
      } else if (isDict(v)) {
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o)) {
          const y = swap(o[k]);
          if (y !== o[k]) setKey(o, k, y);
          work.push([y, depth + 1]);
        }
      }
    }
    return root;
  }
}


/**
 * Enforce the depth limit on a memo-free result (a tree: no sharing, no cycles). Tuples nest without growing the
 * stack (TUPLE1 of TUPLE1...), so the stack size alone does not bound depth.
 */
function checkTreeDepth(root: unknown, max: number): unknown {
  if (root === null || typeof root !== "object") return root;
  const vals: object[] = [root];
  const depths: number[] = [0];
  while (vals.length) {
    const v = vals.pop()!;
    const d = depths.pop()! + 1;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === "object") pushChild(vals, depths, x, d, max);
      }
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        if (k !== null && typeof k === "object") pushChild(vals, depths, k, d, max);
        if (x !== null && typeof x === "object") pushChild(vals, depths, x, d, max);
      }
    } else if (v instanceof Set) {
      for (const x of v) if (x !== null && typeof x === "object") pushChild(vals, depths, x, d, max);
    } else if (isDict(v)) {
      const o = v as Record<string, unknown>;
      for (const k in o) {
        const x = o[k];
        if (x !== null && typeof x === "object") pushChild(vals, depths, x, d, max);
      }
    }
  }
  return root;
}
function pushChild(vals: object[], depths: number[], x: object, d: number, max: number): void {
  if (d > max) throw err(`data nested deeper than the limit of ${max} levels`);
  vals.push(x);
  depths.push(d);
}

/** The machine unpickle reuses (null while a decode runs). */
let idle: Unpickler | null = null;

/**
 * Decode one pickle. Every failure is a SerializeError; nothing named in the pickle is ever called. `call`: a call
 * message for deserializeCall (its outer tuple and vargs tuple may be plain arrays); `batch`: also a batch whose call
 * and args tuples the caller only reads (see "Batch calls" in the Unpickler).
 */
export function unpickle(data: Uint8Array, zeroCopy = false, call = false, lim: Limits = DEFAULT_LIMITS, batch = false): unknown {
  // one pooled machine; a decode started while it is busy (a class hook that unpickles) gets a fresh one
  const u = idle ?? new Unpickler();
  idle = null;
  try {
    u.reset(data, zeroCopy, call, lim, batch);
    return u.run();
  } catch (e) {
    if (e instanceof SerializeError) throw e;
    const msg = e instanceof RangeError && /call stack/i.test(e.message) ? `data nested deeper than the limit of ${lim.maxDepth} levels` : e instanceof Error ? e.message : String(e);
    const se = new SerializeError(`pickle: ${msg}`);
    (se as { cause?: unknown }).cause = e;
    throw se;
  } finally {
    u.release();
    idle = u;
  }
}
