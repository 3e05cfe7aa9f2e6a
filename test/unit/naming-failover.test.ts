// Several name-server addresses (issue 19, our extension): address parsing, PYRO_NS_HOSTS, locateNS trying the
// list in order, the failover client moving to the next name server (retrying idempotent calls only), and
// PYRONAME resolution through setNameServerAddresses.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNameServer, type RunningNameServer } from "../../src/naming/server.js";
import { locateNS, nsAddressesFromEnv, nsUriForAddress } from "../../src/naming/locate.js";
import { resolve, setNameServerAddresses } from "../../src/client/resolve.js";
import { freePort } from "../helpers/postgres.js";
import { CommunicationError, NamingError } from "../../src/errors.js";

test("address forms", () => {
  assert.equal(nsUriForAddress("h1:9999"), "PYRO:Pyro.NameServer@h1:9999");
  assert.equal(nsUriForAddress(" h1 "), "PYRO:Pyro.NameServer@h1:9090");
  assert.equal(nsUriForAddress("[::1]:5"), "PYRO:Pyro.NameServer@[::1]:5");
  assert.equal(nsUriForAddress("[::1]"), "PYRO:Pyro.NameServer@[::1]:9090");
  assert.equal(nsUriForAddress("fe80::1"), "PYRO:Pyro.NameServer@[fe80::1]:9090");
  assert.equal(nsUriForAddress("./u:/tmp/ns.sock"), "PYRO:Pyro.NameServer@./u:/tmp/ns.sock");
  assert.throws(() => nsUriForAddress("h1:port"), (e: Error) => e instanceof NamingError && /invalid name server address 'h1:port'/.test(e.message));
});

test("PYRO_NS_HOSTS", () => {
  assert.deepEqual(nsAddressesFromEnv({ PYRO_NS_HOSTS: "h1:9090, h2:9091,," }), ["h1:9090", "h2:9091"]);
  assert.equal(nsAddressesFromEnv({ PYRO_NS_HOSTS: " " }), null);
  assert.equal(nsAddressesFromEnv({}), null);
});

describe("failover between two name servers", () => {
  let a: RunningNameServer;
  let b: RunningNameServer;
  let dead: string;
  before(async () => {
    a = await startNameServer({ host: "127.0.0.1", port: 0 });
    b = await startNameServer({ host: "127.0.0.1", port: 0 });
    // separate memory storages, so where an answer came from is visible
    await a.nameserver.register("where", "PYRO:a@h:1");
    await b.nameserver.register("where", "PYRO:b@h:1");
    dead = `127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    setNameServerAddresses(null);
    await a.close();
    await b.close();
  });

  test("locateNS skips an address that does not answer", async () => {
    const ns = await locateNS(null, null, { nsAddresses: [dead, b.uri.location!] });
    assert.equal(String(await ns.lookup("where")), "PYRO:b@h:1");
    await ns.release();
  });

  test("PYRO_NS_HOSTS is used when no addresses are given", async () => {
    process.env.PYRO_NS_HOSTS = `${dead},${a.uri.location}`;
    try {
      const ns = await locateNS();
      assert.equal(String(await ns.lookup("where")), "PYRO:a@h:1");
      await ns.release();
    } finally {
      delete process.env.PYRO_NS_HOSTS;
    }
  });

  test("no address answers: one NamingError naming each", async () => {
    const other = `127.0.0.1:${await freePort()}`;
    await assert.rejects(locateNS(null, null, { nsAddresses: [dead, other], connectTimeout: 500 }), (e: Error) => {
      assert.ok(e instanceof NamingError);
      assert.match(e.message, new RegExp(`Failed to locate the nameserver; tried:\\n  - PYRO:Pyro.NameServer@${dead}: .+\\n  - PYRO:Pyro.NameServer@${other}: .+`));
      return true;
    });
  });

  test("the client moves to the next name server; idempotent calls are retried, remove is not", async () => {
    const c = await startNameServer({ host: "127.0.0.1", port: 0 });
    await c.nameserver.register("where", "PYRO:c@h:1");
    const ns = await locateNS(null, null, { nsAddresses: [c.uri.location!, b.uri.location!] });
    assert.equal(String(await ns.lookup("where")), "PYRO:c@h:1");
    await c.close();
    assert.equal(String(await ns.lookup("where")), "PYRO:b@h:1"); // retried on b
    assert.equal(ns.uri.port, b.uri.port);
    // a non-idempotent call on a dead name server
    const d = await startNameServer({ host: "127.0.0.1", port: 0 });
    const ns2 = await locateNS(null, null, { nsAddresses: [d.uri.location!, a.uri.location!] });
    await d.close();
    await assert.rejects(ns2.remove("where"), CommunicationError); // not retried: it may have been applied
    assert.equal(ns2.uri.port, a.uri.port); // but the client already points at the next one
    assert.equal(String(await ns2.lookup("where")), "PYRO:a@h:1");
    await ns.release();
    await ns2.release();
  });

  test("PYRONAME: without a location resolves through setNameServerAddresses", async () => {
    setNameServerAddresses([dead, b.uri.location!]);
    assert.equal(String(await resolve("PYRONAME:where")), "PYRO:b@h:1");
    // an explicit location still wins, as in Pyro4
    assert.equal(String(await resolve(`PYRONAME:where@${a.uri.location}`)), "PYRO:a@h:1");
  });
});
