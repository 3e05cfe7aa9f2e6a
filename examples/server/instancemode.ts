// Instance modes as in Pyro4's examples/instancemode: "single" (one object for everyone), "session" (one per
// client connection) and "percall" (a fresh object per call), plus an instance creator.
// Run: node --import tsx examples/server/instancemode.ts, then call msg() from Python proxies.
import { Daemon, expose, behavior, currentContext } from "pyro4";

let created = 0;
function describe(kind: string, id: number, message: string): string {
  const peer = currentContext()?.clientSockAddr;
  return `[${kind} instance ${id}] from ${peer?.address ?? peer?.path ?? "?"}:${peer?.port ?? ""}: ${message}`;
}

@expose
@behavior("single")
class SingleInstance {
  readonly id = ++created;
  msg(message: string) {
    return describe("single", this.id, message);
  }
}

@expose
@behavior("session")
class SessionInstance {
  readonly id = ++created;
  msg(message: string) {
    return describe("session", this.id, message);
  }
}

@expose
@behavior("percall")
class PercallInstance {
  readonly id = ++created;
  msg(message: string) {
    return describe("percall", this.id, message);
  }
}

@expose
@behavior("session", (cls) => {
  console.log(`(instance creator for ${cls.name} called)`);
  return new cls();
})
class CreatedInstance {
  readonly id = ++created;
  msg(message: string) {
    return describe("created", this.id, message);
  }
}

await using daemon = await Daemon.create();
for (const [cls, id] of [
  [SingleInstance, "instance.single"],
  [SessionInstance, "instance.session"],
  [PercallInstance, "instance.percall"],
  [CreatedInstance, "instance.creator"],
] as const) {
  console.log(`${id}: ${daemon.register(cls, id)}`);
}
console.log("Pyro daemon running.");
await daemon.requestLoop();
