// The HTTP gateway with a name server found by broadcast (no -n host, issue #25 item 4), Pyro4 and Pyro5: Python's
// name server with its broadcast responder on loopback (a port of its own, so no other name server on the machine
// can answer) and a Python backend; Python's gateway and ours (the `pyroN httpgateway` command, and the library's
// HttpGateway with no nsHost) configured only with PYRO_BROADCAST_ADDRS / PYRO_NS_BCPORT and a PYRO_NS_PORT where
// nothing listens, so the direct attempt fails and only the broadcast can find the name server. They must print
// the same start-up lines and give the same answers. Pyro5 also with the name server and backend on TLS only.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HttpGateway } from "../../src/gateway/server.js";
import { config } from "../../src/config.js";
import { makeTestCerts } from "../helpers/certs.js";
import { startPython, type PythonServer } from "../helpers/python.js";
import { PYRO5_ENV, withBroadcastOnly } from "../helpers/pyro5.js";
import { rawRequest, startBinGateway, startPythonBackend, startPythonGateway, startPythonGatewayOverTls, startupLines, pythonTlsEnv, type PyNs } from "../helpers/gateway.js";
import { C, compareGateways, type DiffCase, type GatewayPairs } from "../helpers/gateway-diff.js";

const certs = makeTestCerts();
const TLS_ENV = pythonTlsEnv(certs, false);

type Gw = "bin" | "lib";

const cases: DiffCase<Gw>[] = [
  { name: "echo", path: "/pyro/http.echo/echo?message=bc", headers: C },
  { name: "$meta", path: "/pyro/http.echo/$meta", headers: C, unordered: true },
  { name: "attribute", path: "/pyro/http.attrs/value", headers: C },
  { name: "remote exception", path: "/pyro/http.echo/error", headers: C },
  { name: "unknown name", path: "/pyro/http.nope/echo", headers: C },
  { name: "index page", path: "/pyro/", headOnly: true },
];

/**
 * Python's name server answering broadcasts on 127.0.0.1:<bcport>. Pyro4: naming_pyns_bc.py (pyro4-ns starts no
 * responder on loopback). Pyro5: `python -m Pyro5.nameserver` on 0.0.0.0 (it answers with 127.0.0.1) with
 * --bchost 127.0.0.1.
 */
async function startBroadcastNs(v: 4 | 5, env: Record<string, string>): Promise<{ ns: PyNs; bcport: number }> {
  const server =
    v === 5
      ? await startPython(["-m", "Pyro5.nameserver", "-n", "0.0.0.0", "-p", "0", "--bchost", "127.0.0.1", "--bcport", "0"], /NS running on 0\.0\.0\.0:(\d+)/, { env: { ...PYRO5_ENV, ...env } })
      : await startPython(["naming_pyns_bc.py"], /URI = PYRO:Pyro\.NameServer@127\.0\.0\.1:(\d+)/, { env });
  const out = server.output.join("\n");
  const bcport = Number((/BCPORT (\d+)/.exec(out) ?? /Broadcast server running on 127\.0\.0\.1:(\d+)/.exec(out))?.[1]);
  if (!(bcport > 0)) {
    await server.stop();
    throw new Error(`no broadcast responder:\n${out}`);
  }
  return { ns: { server, host: "127.0.0.1", port: Number(server.ready), protocol: v }, bcport };
}

/** Our config (Pyro4's or Pyro5's) set as BC_ENV sets Python's while `fn` runs. */
async function withBroadcast<T>(v: 4 | 5, bcport: number, fn: () => Promise<T>): Promise<T> {
  if (v === 5) return withBroadcastOnly(bcport, fn);
  const saved = { addrs: config.BROADCAST_ADDRS, port: config.NS_PORT, bcport: config.NS_BCPORT, host: config.NS_HOST };
  Object.assign(config, { BROADCAST_ADDRS: "127.0.0.1", NS_PORT: 1, NS_BCPORT: bcport, NS_HOST: "localhost" });
  try {
    return await fn();
  } finally {
    Object.assign(config, { BROADCAST_ADDRS: saved.addrs, NS_PORT: saved.port, NS_BCPORT: saved.bcport, NS_HOST: saved.host });
  }
}

for (const [v, tls] of [[4, false], [5, false], [5, true]] as const) {
  describe(`Pyro${v}${tls ? " over TLS" : ""}: the HTTP gateway finds the name server by broadcast`, () => {
    let ns: PyNs;
    let bcport: number;
    let backend: PythonServer;
    let python: { server: PythonServer; url: string };
    let bin: Awaited<ReturnType<typeof startBinGateway>>;
    let lib: HttpGateway;
    const tlsEnv = tls ? TLS_ENV : {};
    /** Only the broadcast can find the name server: localhost:1 refuses, PYRO_NS_HOST names no host to try. */
    let bcEnv: Record<string, string>;

    before(async () => {
      ({ ns, bcport } = await startBroadcastNs(v, tlsEnv));
      bcEnv = { PYRO_NS_HOST: "localhost", PYRO_NS_PORT: "1", PYRO_BROADCAST_ADDRS: "127.0.0.1", PYRO_NS_BCPORT: String(bcport), ...tlsEnv };
      backend = await startPythonBackend(ns, "http.", tlsEnv);
      python = await (tls ? startPythonGatewayOverTls : startPythonGateway)(ns, [], bcEnv);
      bin = await startBinGateway(v, [], { ...bcEnv, ...(v === 5 ? PYRO5_ENV : {}) });
      lib = new HttpGateway({
        protocol: v, host: "127.0.0.1", port: 0,
        ...(tls ? { ssl: { caCerts: certs.caCert, clientCert: certs.clientCert, clientKey: certs.clientKey } } : {}),
      });
      await lib.listen();
    });

    after(async () => {
      await lib?.close();
      await bin?.stop();
      await python?.server.stop();
      await backend?.stop();
      await ns?.server.stop();
    });

    test("the command prints Python's start-up lines: connected to the name server the broadcast found", () => {
      const theirs = startupLines(python.server.output);
      assert.ok(theirs.includes(`Connected to name server at:  PYRO:Pyro.NameServer@127.0.0.1:${ns.port}`), python.server.output.join("\n"));
      assert.deepEqual(startupLines(bin.lines), theirs);
    });

    test("the same answers as Python's gateway, from the command and from HttpGateway without nsHost", async (t) => {
      // the library gateway locates the name server on first use: with our config as bcEnv sets Python's
      assert.equal(await withBroadcast(v, bcport, () => lib.nameServerLocation()), `127.0.0.1:${ns.port}`);
      const pairs: GatewayPairs<Gw> = {
        python: { bin: python, lib: python },
        ours: { bin: { url: bin.url } as HttpGateway, lib },
        close: async () => {},
      };
      const all = [...cases, ...cases.map((c) => ({ ...c, name: `library: ${c.name}`, gw: "lib" as const }))];
      const { identical, diffs } = await compareGateways(all.map((c) => ({ gw: "bin" as const, ...c })), pairs, {
        headers: v === 5 ? ["access-control-allow-origin"] : [],
      });
      t.diagnostic(`${identical} of ${all.length} identical`);
      assert.deepEqual(diffs, [], diffs.join("\n"));
      assert.equal((await rawRequest(bin.url, "GET", "/pyro/http.echo/echo?message=bc", C)).text, '"bc"');
    });
  });
}
