// TypeScript version of Pyro4's examples/handshake server: the daemon validates the data a client sends in its
// connection handshake (a secret code), refuses wrong codes, and answers good ones with custom handshake data.
// Pyro4's client (a Proxy subclass setting _pyroHandshake and overriding _pyroValidateHandshake) works unchanged.
// Run: node --import tsx examples/server/handshake.ts
import { Daemon, expose, currentContext, type ClientConnection } from "pyro4";

const secretCode = "pancakes";

function peer(conn: ClientConnection): string {
  return conn.peer.path ?? `${conn.peer.address}:${conn.peer.port}`;
}

@expose
class Thing {
  ping(): string {
    // the handshake stored the user's code on the connection; every call can see it
    const conn = currentContext()?.client;
    return `hi there, connection ${conn?.id} (accepted with code ${String(conn?.data.get("code"))})`;
  }
}

await using daemon = await Daemon.create({
  // Pyro4's Daemon.validateHandshake: return the response data, raise (throw) to refuse the connection
  validateHandshake(conn, data) {
    console.log("Daemon received handshake request from:", peer(conn));
    console.log("Handshake data:", data);
    if (data === secretCode) {
      console.log("Secret code okay! Connection accepted.");
      conn.data.set("code", data);
      return ["how", "are", "you", "doing"];
    }
    console.log("Secret code wrong! Connection refused.");
    throw new Error("wrong secret code, connection refused");
  },
  clientDisconnect(conn) {
    console.log("client disconnects:", peer(conn));
  },
});
const uri = daemon.register(Thing, "example.handshake");
console.log("Server is ready. You can use the following URI to connect:");
console.log(uri.asString());
console.log("When asked, enter the following secret code:", secretCode);
console.log("Pyro daemon running.");
await daemon.requestLoop();
