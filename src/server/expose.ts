// Which members of a served object Python clients may reach, with Pyro4's @expose rules: private names
// (`_x`, and a fixed list of dunders) are never remote, plain data fields are never remote, accessors become
// remote attributes, and with REQUIRE_EXPOSE only members marked by a decorator or a registration option count.
// Marks live in WeakMaps keyed by the function/class, so decorated classes are not modified.

import { DaemonError, InvalidArgumentError } from "../errors.js";
import { explicitParams, paramInfo, type ParamInfo } from "./params.js";

/** How many instances of an exposed class the daemon makes: one, one per connection, or one per call. */
export type InstanceMode = "single" | "session" | "percall";
/** Makes the instance of an exposed class, instead of `new cls()`. */
export type InstanceCreator<T = any> = (cls: new (...args: any[]) => T) => T;

interface FnMarks {
  exposed?: boolean;
  oneway?: boolean;
  callback?: boolean;
  params?: string[];
}
interface ClassMarks {
  exposed?: boolean;
  instanceMode?: InstanceMode;
  instanceCreator?: InstanceCreator | null;
}

const fnMarks = new WeakMap<Function, FnMarks>();
const classMarks = new WeakMap<Function, ClassMarks>();

function markFn(fn: Function, m: FnMarks): void {
  const cur = fnMarks.get(fn);
  if (cur) Object.assign(cur, m);
  else fnMarks.set(fn, { ...m });
}
function markClass(cls: Function, m: ClassMarks): void {
  const cur = classMarks.get(cls);
  if (cur) Object.assign(cur, m);
  else classMarks.set(cls, { ...m });
}

const privateDunders = new Set([
  "__init__", "__init_subclass__", "__class__", "__module__", "__weakref__", "__call__", "__new__", "__del__",
  "__repr__", "__unicode__", "__str__", "__format__", "__nonzero__", "__bool__", "__coerce__", "__cmp__", "__eq__",
  "__ne__", "__hash__", "__ge__", "__gt__", "__le__", "__lt__", "__dir__", "__enter__", "__exit__", "__copy__",
  "__deepcopy__", "__sizeof__", "__getattr__", "__setattr__", "__hasattr__", "__getattribute__", "__delattr__",
  "__instancecheck__", "__subclasscheck__", "__getinitargs__", "__getnewargs__", "__getstate__", "__setstate__",
  "__reduce__", "__reduce_ex__", "__getstate_for_dict__", "__setstate_from_dict__", "__subclasshook__",
]);

/** Pyro4's util.is_private_attribute: `_x` is private, `__x__` (longer than 4) is public unless deny-listed. */
export function isPrivateName(name: string): boolean {
  if (privateDunders.has(name)) return true;
  if (!name.startsWith("_")) return false;
  if (name.length > 4 && name.startsWith("__") && name.endsWith("__")) return false;
  return true;
}

/** Names JavaScript gives special meaning on every object: never served. */
const jsReserved = new Set(["constructor", "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"]);

function refusePrivate(name: string | symbol, isPrivateField = false): void {
  if (isPrivateField || typeof name === "symbol" || isPrivateName(name))
    throw new InvalidArgumentError("exposing private names (starting with _) is not allowed");
}

/** Options of expose(): the parameter names that bind Python keyword arguments. */
export interface ExposeOptions {
  /** Parameter names used to bind Python keyword arguments (default: parsed from the function source). */
  params?: string[];
}

type AnyDecoratorContext =
  | ClassDecoratorContext
  | ClassMethodDecoratorContext
  | ClassGetterDecoratorContext
  | ClassSetterDecoratorContext
  | ClassAccessorDecoratorContext
  | ClassFieldDecoratorContext;

function applyMarks(value: unknown, context: AnyDecoratorContext, fm: FnMarks, what: string): void {
  switch (context.kind) {
    case "class":
      if (fm.exposed) markClass(value as Function, { exposed: true });
      else throw new InvalidArgumentError(`@${what} cannot be used on a class`);
      return;
    case "method":
    case "getter":
    case "setter":
      refusePrivate(context.name, context.private);
      markFn(value as Function, fm);
      return;
    case "accessor": {
      refusePrivate(context.name, context.private);
      const v = value as { get: Function; set: Function };
      markFn(v.get, fm);
      markFn(v.set, fm);
      return;
    }
    default:
      throw new InvalidArgumentError(
        `@${what} cannot be used on a plain field ('${String(context.name)}'): use a method, a getter/setter or an 'accessor' field`,
      );
  }
}

// Every decorator here works in projects compiled with standard decorators (TypeScript 5+, the default) and
// with legacy ones (`experimentalDecorators: true`, as NestJS/TypeORM/Angular projects have): they tell the two
// apart by their arguments. Standard: (value, context) with context.kind. Legacy: (constructor) for a class,
// (prototype, name, descriptor) for a method or accessor, (prototype, name, undefined) for a field,
// (prototype, name, index) for a parameter.

/** A decorator usable under both TypeScript decorator implementations. */
export interface PyroDecorator {
  <T extends Function>(target: T): T;
  (value: unknown, context: AnyDecoratorContext): void;
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
}

const isStandardContext = (c: unknown): c is AnyDecoratorContext =>
  typeof c === "object" && c !== null && typeof (c as { kind?: unknown }).kind === "string";

const isLegacyMember = (target: unknown, key: unknown): key is string | symbol =>
  (typeof target === "object" || typeof target === "function") && target !== null && (typeof key === "string" || typeof key === "symbol");

function applyLegacyMarks(key: string | symbol, descriptor: unknown, fm: FnMarks, what: string, methodsOnly: boolean, checkPrivate = true): void {
  const name = String(key);
  if (typeof descriptor === "number")
    throw new InvalidArgumentError(`@${what} cannot be used on a parameter (parameter ${descriptor} of '${name}')`);
  const d = descriptor as PropertyDescriptor | undefined;
  if (!d || (typeof d.value !== "function" && !d.get && !d.set)) {
    throw new InvalidArgumentError(
      methodsOnly
        ? `@${what} can only be used on methods ('${name}' is not a method)`
        : `@${what} cannot be used on a plain field ('${name}'): use a method or a getter/setter. ` +
            "(With standard decorators, experimentalDecorators off in tsconfig.json, an 'accessor' field works too.)",
    );
  }
  if (methodsOnly && typeof d.value !== "function") throw new InvalidArgumentError(`@${what} can only be used on methods ('${name}' is an accessor)`);
  if (checkPrivate) refusePrivate(key);
  if (typeof d.value === "function") markFn(d.value, fm);
  if (d.get) markFn(d.get, fm);
  if (d.set) markFn(d.set, fm);
}

/** What to say when a decorator gets arguments neither decorator implementation passes. */
function unrecognized(what: string, args: unknown[]): InvalidArgumentError {
  return new InvalidArgumentError(
    `@${what} was called with arguments no decorator implementation passes (${args.map((a) => typeof a).join(", ")}). ` +
      "Use it as a decorator compiled by TypeScript 5+ (standard decorators: leave experimentalDecorators off) or " +
      'with "experimentalDecorators": true in tsconfig.json (legacy decorators), or call it on a class or function.',
  );
}

/** The decorator behind @expose / @expose({...}): marks `fm` on whatever it decorates. */
function exposeDecorator(fm: FnMarks): PyroDecorator {
  return function (value: unknown, context?: unknown, descriptor?: unknown): any {
    if (isStandardContext(context)) {
      applyMarks(value, context, fm, "expose");
      return undefined;
    }
    if (isLegacyMember(value, context)) {
      applyLegacyMarks(context, descriptor, fm, "expose", false);
      return undefined;
    }
    if (context === undefined && typeof value === "function") {
      // a legacy class decorator, or expose(SomeClass) / expose(fn) called as a function
      if (isClass(value)) markClass(value, { exposed: true });
      else {
        if (value.name) refusePrivate(value.name);
        markFn(value, fm);
      }
      return value;
    }
    throw unrecognized("expose", [value, context, descriptor].slice(0, arguments.length));
  } as PyroDecorator;
}

const plainExpose = exposeDecorator({ exposed: true });

/**
 * Pyro4's @expose. As a decorator on a class (every public method and accessor of that class), a method,
 * a getter/setter or (standard decorators only) an `accessor` field, which becomes a remote attribute.
 * Also `expose({ params: [...] })` as a decorator factory, and `expose(SomeClass)` / `expose(fn)` as a plain
 * function for code without decorators. Works with standard and with `experimentalDecorators` compilation.
 */
export function expose<T extends Function>(target: T): T;
export function expose(value: unknown, context: AnyDecoratorContext): void;
export function expose(target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
export function expose(options: ExposeOptions): PyroDecorator;
export function expose(value: unknown, context?: unknown, descriptor?: unknown): unknown {
  if (arguments.length === 1 && value !== null && typeof value === "object") {
    const opts = value as ExposeOptions;
    return exposeDecorator({ exposed: true, ...(opts.params ? { params: [...opts.params] } : {}) });
  }
  return (plainExpose as (...a: unknown[]) => unknown)(...[value, context, descriptor].slice(0, arguments.length));
}

/** A method-only marker decorator (@oneway, @callback), for both decorator implementations. */
// (@callback, like Pyro4's, does not care whether the method is private; @oneway refuses private names)
function methodMarker(what: string, fm: FnMarks, args: unknown[], checkPrivate: boolean): unknown {
  const [value, context, descriptor] = args;
  if (isStandardContext(context)) {
    if (context.kind !== "method") throw new InvalidArgumentError(`@${what} can only be used on methods`);
    if (checkPrivate) applyMarks(value, context, fm, what);
    else markFn(value as Function, fm);
    return undefined;
  }
  if (isLegacyMember(value, context)) {
    applyLegacyMarks(context, descriptor, fm, what, true, checkPrivate);
    return undefined;
  }
  if (args.length === 1 && typeof value === "function") {
    markFn(value, fm);
    return value;
  }
  throw unrecognized(what, args);
}

/** Pyro4's @oneway: the client does not wait for a result (it learns this from the metadata). */
export function oneway<T extends Function>(target: T): T;
export function oneway(value: unknown, context: ClassMethodDecoratorContext): void;
export function oneway(target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
export function oneway(...args: unknown[]): unknown {
  return methodMarker("oneway", { oneway: true }, args, true);
}

/** Pyro4's @callback: errors are also raised (reported) on the serving side, and the connection is closed. */
export function callback<T extends Function>(target: T): T;
export function callback(value: unknown, context: ClassMethodDecoratorContext): void;
export function callback(target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
export function callback(...args: unknown[]): unknown {
  return methodMarker("callback", { callback: true }, args, false);
}

/**
 * Pyro4's @behavior(instance_mode, instance_creator) for registered classes: "session" (default: one instance
 * per client connection), "single" (one per daemon, created on first use) or "percall".
 */
export function behavior(
  instanceMode: InstanceMode | { instanceMode?: InstanceMode; instanceCreator?: InstanceCreator | null } = "session",
  instanceCreator: InstanceCreator | null = null,
): (cls: any, context?: ClassDecoratorContext) => any {
  const opts = typeof instanceMode === "object" ? instanceMode : { instanceMode, instanceCreator };
  const mode = opts.instanceMode ?? "session";
  checkInstanceMode(mode);
  if (opts.instanceCreator != null && typeof opts.instanceCreator !== "function")
    throw new InvalidArgumentError("instance_creator must be a callable");
  return (cls: any, context?: ClassDecoratorContext) => {
    if (typeof cls !== "function" || (context && context.kind !== "class"))
      throw new InvalidArgumentError("behavior decorator can only be used on a class");
    markClass(cls, { instanceMode: mode, instanceCreator: opts.instanceCreator ?? null });
    return cls;
  };
}

export function checkInstanceMode(mode: string): asserts mode is InstanceMode {
  if (mode !== "single" && mode !== "session" && mode !== "percall") throw new InvalidArgumentError("invalid instance mode: " + mode);
}

export function classBehavior(cls: Function): { instanceMode: InstanceMode; instanceCreator: InstanceCreator | null } {
  const m = classMarks.get(cls);
  return { instanceMode: m?.instanceMode ?? "session", instanceCreator: m?.instanceCreator ?? null };
}

export function isClass(fn: unknown): fn is new (...args: any[]) => any {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

// ---------------------------------------------------------------------------------------------------------
// Exposure of one registered object or class, computed once at registration.

/** Registration-time alternative to decorators (both can be combined). */
export interface ExposureOptions {
  /** Member names to expose: methods become remote methods, getters/setters remote attributes. */
  expose?: readonly string[];
  /** Methods that are oneway (clients do not wait). */
  oneway?: readonly string[];
  /** Methods flagged like Pyro4's @callback. */
  callback?: readonly string[];
  /** Parameter names per method, for keyword-argument binding when parsing the source is not possible. */
  params?: Readonly<Record<string, readonly string[]>>;
  /** Default: config.REQUIRE_EXPOSE. When false every public method and accessor is remote. */
  requireExpose?: boolean;
}

export interface MethodInfo {
  name: string;
  fn: Function;
  oneway: boolean;
  callback: boolean;
  params: ParamInfo | null;
}
export interface AttrInfo {
  name: string;
  get: Function | null;
  set: Function | null;
}
export interface Exposure {
  methods: Map<string, MethodInfo>;
  attrs: Map<string, AttrInfo>;
  /** Display name for error messages ("'EchoServer' object has no attribute 'x'"). */
  typeName: string;
  metadata(asLists: boolean): { methods: Set<string> | string[]; oneway: Set<string> | string[]; attrs: Set<string> | string[] };
}

/** Walk `target` (an object, or a class's prototype) and collect its remote members. */
export function computeExposure(target: object, isClassTarget: boolean, options: ExposureOptions, requireExpose: boolean): Exposure {
  const listed = new Set(options.expose ?? []);
  const onewayListed = new Set(options.oneway ?? []);
  const callbackListed = new Set(options.callback ?? []);
  for (const n of [...listed, ...onewayListed]) {
    if (isPrivateName(n)) throw new DaemonError(`cannot expose private name '${n}'`);
  }
  const methods = new Map<string, MethodInfo>();
  const attrs = new Map<string, AttrInfo>();
  const seen = new Set<string>();
  let proto: object | null = isClassTarget ? (target as Function).prototype : target;
  const typeName = isClassTarget ? (target as Function).name : (target.constructor?.name ?? "object");
  while (proto && proto !== Object.prototype && proto !== Function.prototype) {
    const owner = Object.prototype.hasOwnProperty.call(proto, "constructor") ? (proto as { constructor: Function }).constructor : null;
    const classExposed = owner ? classMarks.get(owner)?.exposed === true : false;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (jsReserved.has(name) || isPrivateName(name)) continue;
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      if (typeof d.value === "function") {
        const m = fnMarks.get(d.value);
        if (!(m?.exposed || classExposed || listed.has(name) || !requireExpose)) continue;
        // own entries only: a method named toString must not pick up Object.prototype.toString as its parameters
        const explicit = (options.params && Object.hasOwn(options.params, name) ? options.params[name] : undefined) ?? m?.params;
        methods.set(name, {
          name,
          fn: d.value,
          oneway: !!m?.oneway || onewayListed.has(name),
          callback: !!m?.callback || callbackListed.has(name),
          params: explicit ? explicitParams(explicit) : paramInfo(d.value),
        });
      } else if (d.get || d.set) {
        const mg = d.get ? fnMarks.get(d.get) : undefined;
        const ms = d.set ? fnMarks.get(d.set) : undefined;
        if (!(mg?.exposed || ms?.exposed || classExposed || listed.has(name) || !requireExpose)) continue;
        attrs.set(name, { name, get: d.get ?? null, set: d.set ?? null });
      }
    }
    proto = Object.getPrototypeOf(proto);
  }
  for (const n of listed) {
    if (!methods.has(n) && !attrs.has(n)) throw new DaemonError(`cannot expose '${n}': no such method or accessor on ${typeName}`);
  }
  const sets = {
    methods: new Set(methods.keys()),
    oneway: new Set([...methods.values()].filter((m) => m.oneway).map((m) => m.name)),
    attrs: new Set(attrs.keys()),
  };
  return {
    methods,
    attrs,
    typeName,
    metadata(asLists) {
      return asLists
        ? { methods: [...sets.methods], oneway: [...sets.oneway], attrs: [...sets.attrs] }
        : { methods: new Set(sets.methods), oneway: new Set(sets.oneway), attrs: new Set(sets.attrs) };
    },
  };
}
