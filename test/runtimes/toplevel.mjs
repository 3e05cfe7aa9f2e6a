// Top-level await with nothing else pending: each step's promise must settle on its own. A runtime whose event
// loop only waits for ref'd handles (Deno) exits with "Top-level await promise never resolved" when the library
// leaves an unref'd handle as the only thing a pending promise depends on. driver.mjs runs this file with the
// runtime itself and expects every STEP line and exit code 0.
// usage: <runtime> toplevel.mjs ECHO_URI
import { Proxy, Daemon, expose, startNameServer, locateNS, TimeoutError, NamingError, config } from "pyro4";

const echoUri = (globalThis.Deno?.args ?? process.argv.slice(2))[0];
const step = (n) => console.log(`STEP ${n} ok`);

const p = new Proxy(echoUri, { timeout: 10_000 });
await p.echo("hi");
await p.$release();
step("release");

await p.echo("again");
await p.$reconnect(2, 500);
await p.$release();
step("reconnect");

const e = await p.$with({ timeout: 200 }).slow().catch((x) => x);
if (!(e instanceof TimeoutError)) throw new Error(`expected TimeoutError, got ${e}`);
await p.$release();
step("timeout");

class Thing {
  hi() {
    return "hi";
  }
}
expose(Thing);
const d = await Daemon.create({ host: "127.0.0.1", port: 0 });
const loop = d.requestLoop();
const q = new Proxy(d.register(Thing, "thing"), { timeout: 5000 });
await q.hi();
await q.$release();
await d.close();
await loop;
step("daemon");

const ns = await startNameServer({ host: "127.0.0.1", port: 0, storage: "memory" });
const c = await locateNS(ns.uri.host, ns.uri.port, { timeout: 5000 });
await c.list();
await c.$release();
await ns.close();
step("nameserver");

config.NS_HOST = "192.0.2.1";
config.NS_PORT = 1;
config.BROADCAST_ADDRS = "127.255.255.255";
const f = await locateNS(undefined, 1, { timeout: 300, broadcastTimeout: 200, broadcastRounds: 1 }).then(() => null, (x) => x);
if (!(f instanceof NamingError)) throw new Error(`expected NamingError, got ${f}`);
step("locate-fails");
console.log("TOPLEVEL DONE");
