// Port of Pyro4's "callback" example: the client runs a Daemon, registers a callback object and passes it to
// the server, which calls back into this process.
import { Daemon, Proxy } from "pyro4";

class Callback {
  callback(value: unknown) {
    console.log("callback received from server:", value);
    return `thanks for ${JSON.stringify(value)}`;
  }
}

const uri = process.argv[2] ?? "PYRONAME:test.thing";
const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
const cb = new Callback();
const cbUri = daemon.register(cb, null, { expose: ["callback"] });
void daemon.requestLoop();
try {
  await using server = new Proxy(uri);
  // a Proxy for our own object travels as a Pyro4 proxy; the server calls back through it
  console.log("server returned:", await server.call_back(new Proxy(cbUri), { n: 1 }));
} finally {
  await daemon.close();
}
