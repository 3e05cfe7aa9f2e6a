// Our client over TLS against Python Pyro4 daemons configured with Pyro4's SSL_* items: one-way and two-way
// (client certificate) TLS work; a wrong CA, an expired server certificate and a missing client certificate each
// fail with a clear CommunicationError.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Proxy } from "../../src/index.js";
import { CommunicationError } from "../../src/errors.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { startPython, type PythonServer } from "../helpers/python.js";

let certs: TestCerts;
const servers: PythonServer[] = [];
const start = async (cert: string, key: string, requireClient: boolean) => {
  const s = await startPython(["tls_server.py", cert, key, certs.caCert, requireClient ? "1" : "0"], /URI: (\S+)/);
  servers.push(s);
  return s.ready;
};

before(() => {
  certs = makeTestCerts();
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

test("one-way TLS: server verified against our CA file", async () => {
  const uri = await start(certs.serverCert, certs.serverKey, false);
  await using p = new Proxy(uri, { ssl: { caCerts: certs.caCert }, timeout: 5000 });
  assert.equal(await p.echo("over tls"), "over tls");
  assert.equal(await p.peer(), null, "no client certificate was presented");
});

test("two-way TLS: the server sees our client certificate", async () => {
  const uri = await start(certs.serverCert, certs.serverKey, true);
  await using p = new Proxy(uri, { ssl: { caCerts: certs.caCert, clientCert: certs.clientCert, clientKey: certs.clientKey }, timeout: 5000 });
  assert.equal(await p.peer(), "pyro4-test-client");
});

test("two-way TLS without a client certificate is refused", async () => {
  const uri = await start(certs.serverCert, certs.serverKey, true);
  await using p = new Proxy(uri, { ssl: { caCerts: certs.caCert }, timeout: 5000 });
  await assert.rejects(p.echo(1), (e: any) => e instanceof CommunicationError);
});

test("wrong CA: the server certificate is not trusted", async () => {
  const uri = await start(certs.serverCert, certs.serverKey, false);
  await using p = new Proxy(uri, { ssl: { caCerts: certs.otherCaCert }, timeout: 5000 });
  await assert.rejects(p.echo(1), (e: any) => e instanceof CommunicationError && /cannot connect to .*(certificate|UNABLE_TO)/i.test(e.message));
});

test("expired server certificate is refused", async () => {
  const uri = await start(certs.expiredCert, certs.expiredKey, false);
  await using p = new Proxy(uri, { ssl: { caCerts: certs.caCert }, timeout: 5000 });
  await assert.rejects(p.echo(1), (e: any) => e instanceof CommunicationError && /expired/i.test(e.message));
});

test("plain client against a TLS daemon fails instead of hanging", async () => {
  const uri = await start(certs.serverCert, certs.serverKey, false);
  await using p = new Proxy(uri, { ssl: false, timeout: 3000 });
  await assert.rejects(p.echo(1), (e: any) => e instanceof CommunicationError);
});
