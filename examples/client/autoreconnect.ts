// Port of Pyro4's "autoreconnect" example: keep calling; when the server goes away (ConnectionClosedError or
// a failed connect), wait for it with $reconnect() and go on. Restart the server on the same port meanwhile.
import { Proxy, CommunicationError } from "pyro4";

const uri = process.argv[2] ?? "PYRONAME:test.thing";
const rounds = Number(process.argv[3] ?? 3);
await using p = new Proxy(uri);
for (let i = 0; i < rounds; i++) {
  try {
    console.log("call", i, "->", await p.echo(i));
  } catch (e) {
    if (!(e instanceof CommunicationError)) throw e;
    console.log("connection lost:", e.message, "- reconnecting");
    await p.$reconnect(100, 1000);
  }
  await new Promise((r) => setTimeout(r, 200));
}
