// Port of Pyro4's "handshake" example: custom data in the connection handshake, validated by the daemon,
// and the daemon's response validated by the proxy.
// Server: python3 test/fixtures/client_server.py --handshake
import { Proxy } from "pyro4";

const uri = process.argv[2] ?? "PYRONAME:test.thing";
await using refused = new Proxy(uri);
await refused.echo(1).catch((e: Error) => console.log("without the secret:", e.message));

await using p = new Proxy(uri, {
  handshake: { token: "secret" },
  validateHandshake(response) {
    console.log("daemon answered the handshake with:", response);
  },
});
console.log("with the secret:", await p.echo("welcome"));
