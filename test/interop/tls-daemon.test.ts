// Python Pyro4 clients over TLS against our Daemon and our name server (Pyro4's SSL_* items on both sides):
// one-way TLS, two-way TLS with the client certificate visible to validateHandshake, and refusals for a wrong
// CA, an expired server certificate and a missing client certificate. The daemon keeps serving afterwards.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Daemon, expose, startNameServer, type ClientConnection } from "../../src/index.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { runPythonAsync } from "../helpers/python.js";

let certs: TestCerts;
const daemons: Daemon[] = [];
before(() => {
  certs = makeTestCerts();
});
after(async () => {
  await Promise.all(daemons.map((d) => d.close()));
});

class Secure {
  @expose echo(x: unknown) {
    return x;
  }
  @expose whoami() {
    return "served over TLS";
  }
}

async function serve(opts: { cert?: string; key?: string; requireClientCert?: boolean; seen?: string[] } = {}) {
  const daemon = await Daemon.create({
    host: "127.0.0.1",
    port: 0,
    ssl: { serverCert: opts.cert ?? certs.serverCert, serverKey: opts.key ?? certs.serverKey, caCerts: certs.caCert, requireClientCert: opts.requireClientCert ?? false },
    validateHandshake: (conn: ClientConnection, data: unknown) => {
      const cert = conn.getPeerCertificate();
      opts.seen?.push(cert ? String(cert.subject.CN) : "none");
      return data;
    },
  });
  daemons.push(daemon);
  return { daemon, uri: String(daemon.register(new Secure(), "secure")) };
}

const py = (uri: string, ...args: string[]) => runPythonAsync(["tls_client.py", uri, ...args], { timeoutMs: 20_000 });

test("one-way TLS: a Python client verifies our daemon's certificate", async () => {
  const seen: string[] = [];
  const { uri } = await serve({ seen });
  assert.equal((await py(uri, certs.caCert)).trim(), "OK hello tls served over TLS");
  assert.deepEqual(seen, ["none"]);
});

test("two-way TLS: validateHandshake sees the Python client's certificate", async () => {
  const seen: string[] = [];
  const { uri } = await serve({ requireClientCert: true, seen });
  assert.equal((await py(uri, certs.caCert, certs.clientCert, certs.clientKey)).trim(), "OK hello tls served over TLS");
  assert.deepEqual(seen, ["pyro4-test-client"]);
});

test("two-way TLS: a Python client without a certificate is refused, others still served", async () => {
  const { uri } = await serve({ requireClientCert: true });
  assert.match(await py(uri, certs.caCert), /^ERROR (CommunicationError|ConnectionClosedError)/);
  assert.match(await py(uri, certs.caCert, certs.clientCert, certs.clientKey), /^OK/);
});

test("a Python client that trusts another CA refuses our daemon", async () => {
  const { uri } = await serve();
  assert.match(await py(uri, certs.otherCaCert), /^ERROR CommunicationError: .*certificate verify failed/);
});

test("an expired daemon certificate is refused by Python", async () => {
  const { uri } = await serve({ cert: certs.expiredCert, key: certs.expiredKey });
  assert.match(await py(uri, certs.caCert), /^ERROR CommunicationError: .*certificate has expired/);
});

test("our name server over TLS: Python's locateNS/lookup work with SSL config", async () => {
  const ns = await startNameServer({
    host: "127.0.0.1",
    port: 0,
    enableBroadcast: false,
    daemonOptions: { ssl: { serverCert: certs.serverCert, serverKey: certs.serverKey } },
  });
  try {
    const { uri } = await serve();
    await ns.nameserver.register("secure.obj", uri);
    const code = [
      "import Pyro4, sys",
      "from Pyro4.configuration import config",
      "config.SSL = True",
      `config.SSL_CACERTS = ${JSON.stringify(certs.caCert)}`,
      `ns = Pyro4.locateNS(host='127.0.0.1', port=${ns.uri.port})`,
      "print(ns.lookup('secure.obj'))",
      "print(Pyro4.Proxy('PYRONAME:secure.obj@127.0.0.1:%d' % " + ns.uri.port + ").echo('via ns'))",
    ].join("\n");
    const out = (await runPythonAsync(["-c", code], { timeoutMs: 20_000 })).trim().split("\n");
    assert.equal(out[0], uri);
    assert.equal(out[1], "via ns");
  } finally {
    await ns.close();
  }
});
