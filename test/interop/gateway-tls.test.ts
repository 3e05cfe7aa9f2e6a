// The HTTP gateway over TLS (issue #25 item 4), Pyro4 and Pyro5: a Python name server and a Python backend daemon
// that speak only TLS and require client certificates (2-way TLS, set through PYRO_SSL and the PYRO_SSL_* variables
// as a Python user sets them), with Python's gateway (the same variables) and ours (the `ssl` option; the
// command with the same variables, and with our --ssl-* flags) in front of them. The same requests must give the
// same answers from both gateways; without TLS, or with a CA that does not sign the servers' certificates, ours
// answers with the error, not a hang or a crash. Our own Daemon serving TLS sits behind the gateways too.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Daemon, locateNS, PythonError, type NameServerClient } from "../../src/index.js";
import { makeTestCerts } from "../helpers/certs.js";
import type { PythonServer } from "../helpers/python.js";
import { PYRO5_ENV } from "../helpers/pyro5.js";
import { rawRequest, startBinGateway, startupLines, startPythonBackend, startPythonGatewayOverTls, startPythonGateway, startPythonNs, pythonTlsEnv, startTsGateway, type PyNs } from "../helpers/gateway.js";
import { C, compareGateways, type DiffCase, type GatewayPairs } from "../helpers/gateway-diff.js";
import type { GatewayOptions, HttpGateway } from "../../src/gateway/server.js";
import { httpgatewayMain } from "../../src/cli/httpgateway.js";

const certs = makeTestCerts();
/** 2-way TLS: the servers present server.pem and require a client certificate. */
const TLS_ENV = pythonTlsEnv(certs, true);
const CLIENT_TLS = { caCerts: certs.caCert, clientCert: certs.clientCert, clientKey: certs.clientKey };

type Gw = "plain" | "open" | "wrongCa";

const cases: DiffCase<Gw>[] = [
  { name: "echo", path: "/pyro/http.echo/echo?message=tls", headers: C },
  { name: "echo, no correlation id", path: "/pyro/http.echo/echo?message=fresh" },
  { name: "two parameters", path: "/pyro/http.echo/add?a=1&b=2", headers: C },
  { name: "$meta", path: "/pyro/http.echo/$meta", headers: C, unordered: true },
  { name: "attribute", path: "/pyro/http.attrs/value", headers: C },
  { name: "remote exception with traceback", path: "/pyro/http.echo/error", headers: C },
  { name: "unknown method", path: "/pyro/http.echo/nope", headers: C },
  { name: "unknown name (the name server's NamingError)", path: "/pyro/http.nope/echo", headers: C },
  { name: "object exposing nothing", path: "/pyro/http.bare/nothing", headers: C },
  { name: "daemon not running", path: "/pyro/http.gone/x", headers: C },
  { name: "server-declared oneway", path: "/pyro/http.echo/oneway_echo?message=x", headers: C },
  { name: "oneway option", path: "/pyro/http.echo/echo?message=x", headers: { ...C, "X-Pyro-Options": "oneway" } },
  { name: "index page", path: "/pyro/", headOnly: true },
  { name: "name outside expose regex", path: "/pyro/hidden.secret/secret", headers: C },
  { name: "open: name server list", gw: "open", path: "/pyro/Pyro.NameServer/list?prefix=http.echo", headers: C },
  { name: "open: name server lookup", gw: "open", path: "/pyro/Pyro.NameServer/lookup?name=http.attrs", headers: C },
  { name: "a CA that did not sign the name server's certificate", gw: "wrongCa", path: "/pyro/http.echo/echo?message=x", headers: C },
  { name: "a CA that did not sign the name server's certificate: index page", gw: "wrongCa", path: "/pyro/" },
  { name: "TLS TS backend: echo", path: "/pyro/http.ts.echo/echo?message=ts%20tls", headers: C },
  { name: "TLS TS backend: $meta", path: "/pyro/http.ts.echo/$meta", headers: C, unordered: true },
  { name: "TLS TS backend: remote exception", path: "/pyro/http.ts.echo/error", headers: C },
  { name: "backend whose certificate no trusted CA signed", path: "/pyro/http.ts.badcert/echo?message=x", headers: C },
];

class TlsEcho {
  echo(message: unknown) {
    return message;
  }
  error() {
    throw new PythonError("ValueError", "expected error over TLS");
  }
}

/**
 * Our Daemons serving TLS only (2-way), registered in the TLS name server over TLS: http.ts.echo with the test
 * CA's server certificate, http.ts.badcert with a self-signed one no client trusts.
 */
async function startTlsTsBackends(ns: PyNs): Promise<{ close(): Promise<void> }> {
  const protocol = ns.protocol ?? 4;
  const serve = async (serverCert: string, serverKey: string) => {
    const d = new Daemon({ host: "127.0.0.1", port: 0, protocol, ssl: { serverCert, serverKey, caCerts: certs.caCert, requireClientCert: true } });
    await d.start();
    return d;
  };
  const good = await serve(certs.serverCert, certs.serverKey);
  const bad = await serve(certs.otherCaCert, join(certs.dir, "otherca.key"));
  const echo = good.register(new TlsEcho(), undefined, { expose: ["echo", "error"], params: { echo: ["message"] } });
  const badEcho = bad.register(new TlsEcho(), undefined, { expose: ["echo", "error"], params: { echo: ["message"] } });
  const client = (await locateNS(ns.host, ns.port, { protocol, ssl: CLIENT_TLS })) as NameServerClient;
  await client.register("http.ts.echo", echo);
  await client.register("http.ts.badcert", badEcho);
  return {
    async close() {
      await client.$release().catch(() => {});
      await good.close();
      await bad.close();
    },
  };
}

/** Python's gateway and ours per configuration, in front of `ns`. */
async function startPairs(ns: PyNs, specs: Record<Gw, { args?: string[]; env: Record<string, string>; options: GatewayOptions }>): Promise<GatewayPairs<Gw>> {
  const python = {} as GatewayPairs<Gw>["python"];
  const ours = {} as Record<Gw, HttpGateway>;
  const close = async () => {
    await Promise.all(Object.values<HttpGateway>(ours).map((g) => g.close()));
    await Promise.all(Object.values<{ server: PythonServer }>(python).map((p) => p.server.stop()));
  };
  try {
    for (const [g, spec] of Object.entries(specs) as [Gw, (typeof specs)[Gw]][]) {
      python[g] = await startPythonGatewayOverTls(ns, spec.args ?? [], spec.env);
      ours[g] = await startTsGateway(ns, spec.options);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { python, ours, close };
}

for (const v of [4, 5] as const) {
  describe(`Pyro${v}: the HTTP gateway in front of a TLS-only name server and backends`, () => {
    let ns: PyNs;
    const procs: PythonServer[] = [];
    let ts: { close(): Promise<void> } | undefined;
    let pairs: GatewayPairs<Gw>;

    before(async () => {
      ns = await startPythonNs(undefined, v, TLS_ENV);
      procs.push(await startPythonBackend(ns, "http.", TLS_ENV));
      ts = await startTlsTsBackends(ns);
      pairs = await startPairs(ns, {
        plain: { env: TLS_ENV, options: { ssl: CLIENT_TLS } },
        open: { args: ["-e", ""], env: TLS_ENV, options: { ssl: CLIENT_TLS, expose: "" } },
        wrongCa: { env: { ...TLS_ENV, PYRO_SSL_CACERTS: certs.otherCaCert }, options: { ssl: { ...CLIENT_TLS, caCerts: certs.otherCaCert } } },
      });
    });

    after(async () => {
      await pairs?.close();
      await ts?.close();
      await Promise.all(procs.map((p) => p.stop()));
      await ns?.server.stop();
    });

    test(`differential: ${cases.length} requests over TLS give the same answer from Python's Pyro${v} gateway and ours`, async (t) => {
      // the name server really is TLS-only: a plain connection gets no Pyro answer
      const plain = await startTsGateway(ns, { ssl: false, timeout: 5 });
      try {
        const r = await rawRequest(plain.url, "GET", "/pyro/http.echo/echo?message=x", C);
        assert.equal(r.status, 500);
        assert.match(r.text, new RegExp(`"Pyro${v}.errors.(NamingError|CommunicationError|ConnectionClosedError|ProtocolError|TimeoutError)"`));
      } finally {
        await plain.close();
      }
      const { identical, diffs } = await compareGateways(cases, pairs, {
        headers: v === 5 ? ["access-control-allow-origin"] : [],
        // Python's ssl module ends its messages with the C source line that raised them
        text: (text) => text.replace(/ \(_ssl\.c:\d+\)/g, ""),
      });
      t.diagnostic(`${identical} of ${cases.length} identical`);
      assert.deepEqual(diffs, [], diffs.join("\n"));
      assert.equal(identical, cases.length);
      // the answers are the backends' own, over TLS
      assert.equal((await rawRequest(pairs.ours.plain.url, "GET", "/pyro/http.echo/echo?message=tls", C)).text, '"tls"');
      assert.equal((await rawRequest(pairs.ours.plain.url, "GET", "/pyro/http.ts.echo/echo?message=ts", C)).text, '"ts"');
      // the failures are TLS ones, worded as Python words them
      const bad = await rawRequest(pairs.ours.plain.url, "GET", "/pyro/http.ts.badcert/echo?message=x", C);
      assert.match(bad.text, new RegExp(`^\\{"__class__": "Pyro${v}.errors.CommunicationError", .*cannot connect to \\('127.0.0.1', \\d+\\): \\[SSL: CERTIFICATE_VERIFY_FAILED\\] certificate verify failed: self.signed certificate"`));
      const wrongCa = await rawRequest(pairs.ours.wrongCa.url, "GET", "/pyro/http.echo/echo?message=x", C);
      assert.match(wrongCa.text, new RegExp(`^\\{"__class__": "Pyro${v}.errors.NamingError", "__exception__": true, "args": \\["Failed to locate the nameserver"\\]`));
    });

    if (v === 5) {
      test("Python's Pyro5 gateway, unmodified, answers calls over TLS with wsgiref's 500; ours answers them", async () => {
        const theirs = await startPythonGateway(ns, [], TLS_ENV);
        try {
          for (const path of ["/pyro/http.echo/echo?message=x", "/pyro/http.echo/error"]) {
            const a = await rawRequest(theirs.url, "GET", path, C);
            assert.deepEqual([a.status, a.text], [500, "A server error occurred.  Please contact the administrator."], path);
            assert.match(theirs.server.output.join("\n"), /write\(\) argument must be a bytes instance/);
            const b = await rawRequest(pairs.ours.plain.url, "GET", path, C);
            const shimmed = await rawRequest(pairs.python.plain.url, "GET", path, C);
            assert.deepEqual([b.status, b.text], [shimmed.status, shimmed.text], path);
            assert.equal(b.headers["content-type"], "application/json; charset=utf-8");
          }
        } finally {
          await theirs.server.stop();
        }
      });
    }

    test(`a certificate file that cannot be read is refused when the gateway is made (Pyro${v})`, async () => {
      await assert.rejects(
        async () => startTsGateway(ns, { ssl: { caCerts: join(certs.dir, "missing.pem") } }),
        (e: Error & { code?: string }) => e.code === "ERR_PYRO4_COMMUNICATION" && /missing\.pem/.test(e.message),
      );
      let err = "";
      const code = await httpgatewayMain(["--ssl-cacerts", join(certs.dir, "missing.pem")], { protocol: v, out: () => {}, err: (t) => (err += t) });
      assert.equal(code, 2);
      assert.match(err, /^error: cannot read CA certificates '.*missing\.pem'/);
    });

    test(`\`pyro${v} httpgateway\` over TLS: from PYRO_SSL_* variables as Python's, and from --ssl-* flags`, async () => {
      const nsEnv = { PYRO_NS_HOST: ns.host, PYRO_NS_PORT: String(ns.port), ...(v === 5 ? PYRO5_ENV : {}) };
      const fromEnv = await startBinGateway(v, [], { ...nsEnv, ...TLS_ENV });
      const fromFlags = await startBinGateway(v, ["--ssl-cacerts", certs.caCert, "--ssl-clientcert", certs.clientCert, "--ssl-clientkey", certs.clientKey], nsEnv);
      try {
        const theirs = pairs.python.plain;
        const norm = startupLines;
        assert.deepEqual(norm(fromEnv.lines), norm(theirs.server.output));
        assert.deepEqual(norm(fromFlags.lines), norm(theirs.server.output));
        assert.ok(norm(fromEnv.lines).includes(`Connected to name server at:  PYRO:Pyro.NameServer@127.0.0.1:${ns.port}`), fromEnv.lines.join("\n"));
        for (const path of ["/pyro/http.echo/echo?message=bin", "/pyro/http.attrs/value", "/pyro/http.echo/error", "/pyro/http.ts.echo/echo?message=ts"]) {
          const a = await rawRequest(theirs.url, "GET", path, C);
          for (const g of [fromEnv, fromFlags]) {
            const b = await rawRequest(g.url, "GET", path, C);
            assert.deepEqual([b.status, b.text.replace(/:\d+/g, ":<port>")], [a.status, a.text.replace(/:\d+/g, ":<port>")], path);
          }
        }
      } finally {
        await fromEnv.stop();
        await fromFlags.stop();
      }
    });
  });
}
