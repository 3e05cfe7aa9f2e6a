// Protocol 5 against real Python Pyro5 for what the echo/daemon/name-server tests do not reach: TLS both ways
// (Pyro5's SSL_* config on the Python side, our `ssl` option on ours), callbacks both ways (a Python Pyro5 client
// passing an object served by its own daemon to our daemon, which calls it back; our proxy passing an object of our
// daemon to a Python Pyro5 daemon, which calls it back), and broadcast name-server discovery both ways (Python
// `locate_ns()` finding our protocol-5 name server; our `locateNS({protocol: 5})` finding `python3 -m Pyro5.nameserver`).
// The Python side is test/fixtures/pyro5_features_interop.py.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Daemon, type ClientConnection } from "../../src/index.js";
import { callback, expose } from "../../src/server/expose.js";
import { Proxy } from "../../src/client/proxy.js";
import { startNameServer } from "../../src/naming/server.js";
import { locateNS } from "../../src/naming/locate.js";
import { config5 } from "../../src/config5.js";
import { CommunicationError, RemoteError } from "../../src/errors.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { runPythonAsync, startPython } from "../helpers/python.js";
import { PYRO5_ENV, startPyro5NsWithBroadcast, withBroadcastOnly } from "../helpers/pyro5.js";

const FIXTURE = "pyro5_features_interop.py";
const py = (args: string[], env: Record<string, string> = {}) =>
  runPythonAsync([FIXTURE, ...args], { env: { ...PYRO5_ENV, ...env }, timeoutMs: 30_000 });

let certs: TestCerts;
before(() => {
  certs = makeTestCerts();
});

class Secure {
  @expose echo(x: unknown) {
    return x;
  }
  @expose whoami() {
    return "served over TLS";
  }
}

interface EchoServer {
  echo<T>(x: T): T;
}

describe("TLS with protocol 5", () => {
  const daemons: Daemon[] = [];
  after(async () => {
    await Promise.all(daemons.map((d) => d.close()));
  });

  async function serve(requireClientCert: boolean, seen: string[]) {
    const daemon = await Daemon.create({
      protocol: 5,
      host: "127.0.0.1",
      port: 0,
      ssl: { serverCert: certs.serverCert, serverKey: certs.serverKey, caCerts: certs.caCert, requireClientCert },
      validateHandshake: (conn: ClientConnection, data: unknown) => {
        const cert = conn.getPeerCertificate();
        seen.push(cert ? String(cert.subject.CN) : "none");
        return data;
      },
    });
    daemons.push(daemon);
    return String(daemon.register(new Secure(), "secure"));
  }

  test("a Python Pyro5 client verifies our daemon's certificate (one-way TLS)", async () => {
    const seen: string[] = [];
    const uri = await serve(false, seen);
    const out = await py(["client", uri], { PYRO_SSL: "1", PYRO_SSL_CACERTS: certs.caCert });
    assert.equal(out.trim(), "OK hello tls served over TLS");
    assert.deepEqual(seen, ["none"]);
  });

  test("two-way TLS: our daemon sees the Python Pyro5 client's certificate, and refuses a client without one", async () => {
    const seen: string[] = [];
    const uri = await serve(true, seen);
    const tls = { PYRO_SSL: "1", PYRO_SSL_CACERTS: certs.caCert };
    const ok = await py(["client", uri], { ...tls, PYRO_SSL_CLIENTCERT: certs.clientCert, PYRO_SSL_CLIENTKEY: certs.clientKey });
    assert.equal(ok.trim(), "OK hello tls served over TLS");
    assert.deepEqual(seen, ["pyro4-test-client"]);
    assert.match((await py(["client", uri], tls)).trim(), /^ERROR (CommunicationError|ConnectionClosedError)/);
    assert.match((await py(["client", uri], { PYRO_SSL: "1", PYRO_SSL_CACERTS: certs.otherCaCert })).trim(), /^ERROR CommunicationError: .*certificate verify failed/);
    assert.deepEqual(seen, ["pyro4-test-client"], "no handshake reached the daemon without a valid TLS session");
  });

  test("our protocol-5 proxy over TLS to Python's Pyro5 echo server (server and client certificates)", async () => {
    const echo = await startPython(["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"], /echo uri: (PYRO:\S+)/, {
      env: {
        ...PYRO5_ENV,
        PYRO_SSL: "1",
        PYRO_SSL_SERVERCERT: certs.serverCert,
        PYRO_SSL_SERVERKEY: certs.serverKey,
        PYRO_SSL_CACERTS: certs.caCert,
        PYRO_SSL_REQUIRECLIENTCERT: "1",
      },
    });
    try {
      const ssl = { caCerts: certs.caCert, clientCert: certs.clientCert, clientKey: certs.clientKey };
      {
        await using p = new Proxy<EchoServer>(echo.ready, { protocol: 5, ssl, timeout: 5000 });
        assert.equal(await p.echo("over tls ✓"), "over tls ✓");
        assert.deepEqual(await p.echo({ n: [1, 2.5, null] }), { n: [1, 2.5, null] });
      }
      // no client certificate: Python's server refuses the TLS session
      await using noCert = new Proxy<EchoServer>(echo.ready, { protocol: 5, ssl: { caCerts: certs.caCert }, timeout: 5000, maxRetries: 0 });
      await assert.rejects(noCert.echo(1), (e: unknown) => e instanceof CommunicationError);
      // a CA that did not sign Python's certificate: we refuse the server
      await using wrongCa = new Proxy<EchoServer>(echo.ready, { protocol: 5, ssl: { ...ssl, caCerts: certs.otherCaCert }, timeout: 5000, maxRetries: 0 });
      await assert.rejects(wrongCa.echo(1), (e: unknown) => e instanceof CommunicationError && /certificate/i.test((e as Error).message));
    } finally {
      await echo.stop();
    }
  });

  test("our protocol-5 name server over TLS: Python Pyro5 locate_ns(host, port) and a PYRONAME: proxy through it", async () => {
    const uri = await serve(false, []);
    const ns = await startNameServer({
      protocol: 5,
      host: "127.0.0.1",
      port: 0,
      enableBroadcast: false,
      daemonOptions: { ssl: { serverCert: certs.serverCert, serverKey: certs.serverKey } },
    });
    try {
      await ns.nameserver.register("p5.secure", uri);
      const tls = { PYRO_SSL: "1", PYRO_SSL_CACERTS: certs.caCert };
      const out = await py(["locate", "127.0.0.1", String(ns.uri.port)], tls);
      assert.match(out, new RegExp(`^LOCATED ${ns.uri.asString().replace(/[.[\]]/g, "\\$&")}$`, "m"));
      assert.match(out, /^LOOKUP PYRO:bcobj@127\.0\.0\.1:7000$/m);
      const named = await py(["named", "p5.secure"], { ...tls, PYRO_NS_HOST: "127.0.0.1", PYRO_NS_PORT: String(ns.uri.port) });
      assert.equal(named.trim(), "OK hello tls served over TLS");
    } finally {
      await ns.close();
    }
  });

  test("our locateNS({protocol: 5}) reaches Python's Pyro5 name server over TLS (Pyro5 config SSL_*)", async () => {
    const pyns = await startPython(["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0"], /NS running on 127\.0\.0\.1:(\d+)/, {
      env: { ...PYRO5_ENV, PYRO_SSL: "1", PYRO_SSL_SERVERCERT: certs.serverCert, PYRO_SSL_SERVERKEY: certs.serverKey },
    });
    const saved = { ssl: config5.SSL, ca: config5.SSL_CACERTS };
    try {
      config5.SSL = true;
      config5.SSL_CACERTS = certs.caCert;
      const ns = await locateNS("127.0.0.1", Number(pyns.ready), { protocol: 5, timeout: 5000 });
      try {
        await ns.register("p5.tls", "PYRO:obj@127.0.0.1:7002");
        assert.equal((await ns.lookup("p5.tls")).asString(), "PYRO:obj@127.0.0.1:7002");
        assert.equal(await ns.count(), 2);
      } finally {
        await ns.release();
      }
      // without TLS the name server cannot be reached: nothing is silently sent in the clear
      config5.SSL = false;
      await assert.rejects(locateNS("127.0.0.1", Number(pyns.ready), { protocol: 5, timeout: 3000 }), (e: unknown) => e instanceof Error && e.name === "NamingError");
    } finally {
      config5.SSL = saved.ssl;
      config5.SSL_CACERTS = saved.ca;
      await pyns.stop();
    }
  });
});

describe("callbacks with protocol 5", () => {
  test("a Python Pyro5 client passes an object of its own daemon; our daemon calls it back", async () => {
    const errors: Error[] = [];
    const daemon = await Daemon.create({ protocol: 5, host: "127.0.0.1", port: 0 });
    daemon.callbackError = (e) => errors.push(e);
    interface Listener {
      notify(n: number): Promise<string>;
      fail(): Promise<void>;
      ping(): Promise<string>;
    }
    class Callbacks {
      @expose async call_me_back(listener: Proxy<Listener>, n: number) {
        assert.ok(listener instanceof Proxy, `got ${String(listener)}`);
        const got: string[] = [];
        for (let i = 0; i < n; i++) got.push(await listener.notify(i));
        return ["our Proxy", got, await listener.ping()];
      }
      @expose async fail_back(listener: Proxy<Listener>) {
        try {
          await listener.fail();
          return "no error";
        } catch (e) {
          const r = e as RemoteError;
          throw new RemoteError("builtins.RuntimeError", [`callback failed: ${r.pythonType} ${String(r.args[0])}`]);
        }
      }
    }
    try {
      const uri = String(daemon.register(new Callbacks(), "callbacks"));
      const out = (await py(["callback_client", uri])).trim().split("\n");
      assert.deepEqual(out, [
        "RESULT ['our Proxy', ['python got 0', 'python got 1', 'python got 2'], 'pong from python']",
        "FAILED RuntimeError: callback failed: builtins.ValueError listener refuses",
        "SEEN [0, 1, 2, 'fail']",
      ]);
      assert.deepEqual(errors, [], "the errors were raised on the Python side, not in one of our @callback methods");
    } finally {
      await daemon.close();
    }
  });

  test("our proxy passes an object of our protocol-5 daemon; Python's Pyro5 daemon calls it back", async () => {
    const server = await startPython([FIXTURE, "callback_server"], /^URI (PYRO:\S+)/, { env: PYRO5_ENV });
    const daemon = await Daemon.create({ protocol: 5, host: "127.0.0.1", port: 0 });
    const callbackErrors: Error[] = [];
    daemon.callbackError = (e) => callbackErrors.push(e);
    const seen: unknown[] = [];
    let onewayDone: () => void = () => {};
    const onewaySeen = new Promise<void>((res) => (onewayDone = res));
    @expose
    class Listener {
      @callback notify(n: number) {
        seen.push(n);
        if (n === 42) onewayDone();
        return `ts got ${n}`;
      }
      @callback fail() {
        seen.push("fail");
        throw new RangeError("listener refuses");
      }
      ping() {
        return "pong from ts";
      }
    }
    interface Server {
      call_me_back(l: Listener, n: number): Promise<unknown>;
      fail_back(l: Listener): Promise<string>;
      oneway_back(l: Listener, n: number): Promise<void>;
    }
    try {
      const listener = new Listener();
      daemon.register(listener);
      await using p = new Proxy<Server>(server.ready, { protocol: 5, timeout: 10_000 });
      assert.deepEqual(await p.call_me_back(listener, 3), ["Pyro5.client.Proxy", ["ts got 0", "ts got 1", "ts got 2"], "pong from ts"]);
      assert.equal(await p.fail_back(listener), "ValueError: listener refuses");
      // @callback: the error raised in our callback is also reported on our side
      assert.equal(callbackErrors.length, 1);
      assert.match(callbackErrors[0]!.message, /listener refuses/);
      await p.oneway_back(listener, 42);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no oneway callback; Python said:\n${server.output.join("\n")}`)), 5000)));
      await Promise.race([onewaySeen, late]).finally(() => clearTimeout(timer));
      assert.deepEqual(seen, [0, 1, 2, "fail", 42]);
    } finally {
      await daemon.close();
      await server.stop();
    }
  });
});

describe("broadcast discovery with protocol 5", () => {
  test("Python Pyro5 locate_ns() finds our protocol-5 name server by broadcast", async () => {
    const ns = await startNameServer({ protocol: 5, host: "127.0.0.1", port: 0, bchost: "127.0.0.1", bcport: 0 });
    try {
      assert.ok(ns.broadcast, "responder started for an explicit bchost");
      const out = await py(["locate"], {
        PYRO_BROADCAST_ADDRS: "127.0.0.1",
        PYRO_NS_BCPORT: String(ns.broadcast!.getPort()),
        PYRO_NS_PORT: "1", // nothing listens there: the direct localhost attempt fails, broadcast must find it
      });
      assert.match(out, new RegExp(`^LOCATED ${ns.uri.asString().replace(/[.[\]]/g, "\\$&")}$`, "m"));
      assert.match(out, /^LOOKUP PYRO:bcobj@127\.0\.0\.1:7000$/m);
      assert.match(out, /^COUNT 2$/m);
      assert.equal(String(ns.nameserver.lookup("p5.bc")), "PYRO:bcobj@127.0.0.1:7000");
    } finally {
      await ns.close();
    }
  });

  test("our locateNS({protocol: 5}) finds `python3 -m Pyro5.nameserver` by broadcast", async () => {
    // Pyro5's name server answers with the interface address facing the asker (127.0.0.1 here)
    const pyns = await startPyro5NsWithBroadcast();
    try {
      await withBroadcastOnly(pyns.bcport, async () => {
        const ns = await locateNS(null, pyns.bcport, { protocol: 5, timeout: 5000 });
        try {
          assert.equal(ns.uri.asString(), `PYRO:Pyro.NameServer@127.0.0.1:${pyns.port}`);
          await ns.ping();
          await ns.register("p5.from.ts", "PYRO:obj@127.0.0.1:7001");
          assert.equal((await ns.lookup("p5.from.ts")).asString(), "PYRO:obj@127.0.0.1:7001");
          assert.equal(await ns.count(), 2);
        } finally {
          await ns.release();
        }
        // a PYRONAME: proxy with protocol 5 resolves through the same broadcast search (NS_BCPORT)
        await using named = new Proxy<{ lookup(name: string): Promise<unknown> }>("PYRONAME:Pyro.NameServer", { protocol: 5, timeout: 5000 });
        assert.equal(String(await named.lookup("p5.from.ts")), "PYRO:obj@127.0.0.1:7001");
      });
    } finally {
      await pyns.server.stop();
    }
  });
});
