// The objects a daemon serves: registrations by id (objects and classes, with their exposure and instance
// mode), the instances made for registered classes (one, per session or per call), and which daemon an object
// is registered in (Pyro4's _pyroId check, also what autoproxy looks objects up by).

import { randomUUID } from "node:crypto";
import { DaemonError, InvalidArgumentError, PyroError } from "../errors.js";
import type { ClientConnection } from "./context.js";
import type { Registration } from "./daemon-core.js";
import { checkInstanceMode, classBehavior, computeExposure, isClass, type ExposureOptions, type InstanceCreator, type InstanceMode } from "./expose.js";

export interface RegisterOptions extends ExposureOptions {
  /** Replace an existing registration with the same id (Pyro4's force=True). */
  force?: boolean;
  /** For registered classes: overrides @behavior. */
  instanceMode?: InstanceMode;
  instanceCreator?: InstanceCreator | null;
}

/** Objects registered anywhere, so an object is not registered twice by accident (Pyro4's _pyroId check). */
const registeredIn = new WeakMap<object, { registry: Registry; id: string }>();

/** The value `map` holds for `key`, made with `make` (and kept) the first time it is asked for. */
function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

export class Registry {
  /** Registered objects by id. */
  readonly byId = new Map<string, Registration>();
  /** Instances of registered classes in "single" mode. */
  private singles = new Map<Registration, Promise<object> | object>();

  /** @param requireExpose the daemon's default for registrations that do not say (RegisterOptions.requireExpose) */
  constructor(private readonly requireExpose: boolean) {}

  /** A registration of `target` under `id`, not yet added (the daemon object is added by add()). */
  make(id: string, target: object, options: RegisterOptions): Registration {
    const cls = isClass(target);
    const behavior = cls ? classBehavior(target as Function) : null;
    const instanceMode = options.instanceMode ?? behavior?.instanceMode ?? "session";
    checkInstanceMode(instanceMode);
    const exposure = computeExposure(target, cls, options, options.requireExpose ?? this.requireExpose);
    return {
      id,
      target,
      isClass: cls,
      exposure,
      instanceMode,
      instanceCreator: options.instanceCreator ?? behavior?.instanceCreator ?? null,
    };
  }

  /** Add a registration that needs no checks (the daemon's own object). */
  add(reg: Registration): void {
    this.byId.set(reg.id, reg);
  }

  /** Register an object or class (Pyro4's Daemon.register checks); returns the id. */
  register(objOrClass: object, objectId: string | null | undefined, options: RegisterOptions): string {
    if (objOrClass === null || (typeof objOrClass !== "object" && typeof objOrClass !== "function"))
      throw new InvalidArgumentError("can only register objects and classes");
    if (objectId != null && typeof objectId !== "string") throw new InvalidArgumentError("objectId must be a string or None");
    const id = objectId || "obj_" + randomUUID().replace(/-/g, "");
    if (!options.force) {
      if (registeredIn.has(objOrClass)) throw new DaemonError("object or class already has a Pyro id");
      if (this.byId.has(id)) throw new DaemonError("an object or class is already registered with that id");
    }
    const reg = this.make(id, objOrClass, options);
    const old = this.byId.get(id);
    if (old) this.forget(old);
    this.byId.set(id, reg);
    registeredIn.set(objOrClass, { registry: this, id });
    return id;
  }

  /** Remove a registration (by the object/class itself or its id); `keep` is never removed. */
  unregister(objectOrId: object | string, keep: string): void {
    if (objectOrId == null) throw new InvalidArgumentError("object or objectid argument expected");
    let id: string;
    if (typeof objectOrId === "string") id = objectOrId;
    else {
      const r = registeredIn.get(objectOrId);
      if (!r || r.registry !== this) throw new DaemonError("object isn't registered");
      id = r.id;
    }
    if (id === keep) return;
    const reg = this.byId.get(id);
    if (reg) {
      this.byId.delete(id);
      this.forget(reg);
    }
  }

  /** Forget every registration's object except `keep` (the daemon closes): they may be registered elsewhere. */
  forgetAll(keep: string): void {
    for (const reg of this.byId.values()) if (reg.id !== keep) this.forget(reg);
  }

  private forget(reg: Registration): void {
    const r = registeredIn.get(reg.target);
    if (r && r.registry === this && r.id === reg.id) registeredIn.delete(reg.target);
    this.singles.delete(reg);
  }

  /** The id of a registered object (a string is taken as an id unchecked, like Pyro4). */
  idOf(objectOrId: object | string): string {
    if (typeof objectOrId === "string") return objectOrId;
    const r = registeredIn.get(objectOrId);
    if (!r || r.registry !== this || !this.byId.has(r.id)) throw new DaemonError("object isn't registered in this daemon");
    return r.id;
  }

  /** The id `value` (or its class) is registered under here, else undefined: what autoproxy replaces. */
  registeredId(value: object): string | undefined {
    let r = registeredIn.get(value);
    if (!r) {
      const ctor = (value as { constructor?: unknown }).constructor;
      if (typeof ctor === "function") r = registeredIn.get(ctor);
    }
    if (!r || r.registry !== this || !this.byId.has(r.id)) return undefined;
    return r.id;
  }

  /** The object serving a call: the registered instance, or one made per the class's instance mode. */
  instanceFor(reg: Registration, conn: ClientConnection): Promise<object> | object {
    if (!reg.isClass) return reg.target;
    const cls = reg.target as new () => object;
    const create = (): object => {
      if (reg.instanceCreator) {
        const obj = reg.instanceCreator(cls);
        if (obj instanceof cls) return obj;
        throw new PyroError("instance creator returned object of different type");
      }
      return new cls();
    };
    switch (reg.instanceMode) {
      case "single":
        return memo(this.singles, reg, create);
      case "session":
        return memo(conn.pyroInstances, cls, create);
      case "percall":
        return create();
    }
  }
}
