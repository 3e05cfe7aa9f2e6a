// The protocol profiles (src/profiles) are the one place where Pyro4 and Pyro5 differ. This keeps it so: no line
// in the client, daemon, name server or gateway code compares a protocol or version number (the count was 13 lines
// before the profiles, and the issue counted about 35 branches in 16 files with the CLI), the profiles import
// nothing above them, and each profile answers with its protocol's rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO } from "../helpers/ns-process.js";
import { PYRO4_PROFILE, PYRO5_PROFILE, profileFor, profileOfDialect } from "../../src/profiles/index.js";
import { Config5, config5 } from "../../src/config5.js";
import { ConfigValueError, ProtocolError } from "../../src/errors.js";
import { URI } from "../../src/uri.js";

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** The issue's own measure: `grep -rnE "(protocol|version|proto)[A-Za-z.]* *[!=]==? *[45]\b|[!=]== *PYRO[45]\b"`. */
const BRANCH = /(protocol|version|proto)[A-Za-z.]* *[!=]==? *[45]\b|[!=]== *PYRO[45]\b/;

test("no protocol-version branch in src/client, src/server, src/naming, src/gateway (the profiles decide)", () => {
  const hits: string[] = [];
  for (const dir of ["client", "server", "naming", "gateway"])
    for (const file of tsFiles(join(REPO, "src", dir)))
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (BRANCH.test(line)) hits.push(`${relative(REPO, file)}:${i + 1}: ${line.trim()}`);
        });
  assert.deepEqual(hits, [], `protocol branches outside the profiles:\n${hits.join("\n")}`);
});

test("the CLI asks the profile too: no `pyro5` flag computed from the protocol number", () => {
  const hits: string[] = [];
  for (const file of tsFiles(join(REPO, "src", "cli")))
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (BRANCH.test(line) || /\bpyro5\s*[?&|]|!pyro5\b|const pyro5 =/.test(line)) hits.push(`${relative(REPO, file)}:${i + 1}: ${line.trim()}`);
      });
  assert.deepEqual(hits, []);
});

test("the profiles import nothing above them (client, server, naming, gateway, cli)", () => {
  for (const file of tsFiles(join(REPO, "src", "profiles"))) {
    const imports = [...readFileSync(file, "utf8").matchAll(/from "(\.\.\/[^"]+)"/g)].map((m) => m[1]!);
    for (const i of imports) assert.ok(!/^\.\.\/(client|server|naming|gateway|cli)\//.test(i), `${relative(REPO, file)} imports ${i}`);
  }
});

test("profileFor: 4 (and nothing) is Pyro4, 5 is Pyro5, anything else a ProtocolError", () => {
  assert.equal(profileFor(undefined), PYRO4_PROFILE);
  assert.equal(profileFor(null), PYRO4_PROFILE);
  assert.equal(profileFor(4), PYRO4_PROFILE);
  assert.equal(profileFor(5), PYRO5_PROFILE);
  assert.throws(() => profileFor(3 as 4), ProtocolError);
  assert.equal(profileOfDialect(PYRO5_PROFILE.values), PYRO5_PROFILE);
  assert.equal(PYRO4_PROFILE.wire.version, 48);
  assert.equal(PYRO5_PROFILE.wire.version, 502);
});

test("each profile has its protocol's rules", () => {
  assert.deepEqual([...PYRO5_PROFILE.daemonDefaults().serializersAccepted].sort(), ["json", "marshal", "msgpack", "serpent"]);
  assert.equal(PYRO5_PROFILE.metadataDefault(), true);
  assert.equal(PYRO5_PROFILE.correlationOnEveryReply, true);
  assert.equal(PYRO4_PROFILE.correlationOnEveryReply, false);
  assert.equal(PYRO5_PROFILE.wire.hmac, false);
  assert.equal(PYRO5_PROFILE.serializer("msgpack").id, 4);
  assert.equal(PYRO4_PROFILE.serializer("msgpack").id, 6);
  assert.deepEqual(PYRO5_PROFILE.metadataLookup(new Set(["a"])), { method: "yplookup", args: [new Set(["a"]), null, false], kwargs: null });
  assert.deepEqual(PYRO4_PROFILE.metadataLookup(new Set(["a"])), { method: "list", args: [], kwargs: { metadata_all: new Set(["a"]) } });
  const src = { uri: new URI("PYRO:o@h:1"), oneways: ["w"], methods: ["m"], attrs: [], timeout: 1500, hmacKey: null, handshake: "hi", maxRetries: 2 };
  assert.equal(PYRO5_PROFILE.encodeProxyState(src, "json").length, 6);
  assert.equal(PYRO4_PROFILE.encodeProxyState(src, null).length, 9);
  const back = PYRO5_PROFILE.decodeProxyState(PYRO5_PROFILE.encodeProxyState(src, "json"));
  assert.equal(back.options.protocol, 5);
  assert.equal(back.options.serializer, "json");
  assert.match(PYRO5_PROFILE.proxyRepr("7f01", "IPv4", "PYRO:o@h:1"), /^<Pyro5\.client\.Proxy at 0x7f01; connected IPv4; for PYRO:o@h:1; owner \d+>$/);
  assert.equal(PYRO4_PROFILE.proxyRepr("7f01", null, "PYRO:o@h:1"), "<Pyro4.core.Proxy at 0x7f01; not connected; for PYRO:o@h:1>");
});

test("Config5: Pyro5's defaults and casting; unknown or malformed PYRO_* variables are problems, the first thrown by check()", () => {
  const c = new Config5(null);
  assert.equal(c.MAX_MESSAGE_SIZE, 1073741824);
  assert.equal(c.THREADPOOL_SIZE, 80);
  assert.equal(c.PREFER_IP_VERSION, 0);
  assert.deepEqual(c.BROADCAST_ADDRS, ["<broadcast>", "0.0.0.0"]);
  assert.equal(c.get("SERIALIZERS_ACCEPTED"), undefined);
  assert.equal(c.get("constructor"), undefined);
  c.reset({ PYRO_BROADCAST_ADDRS: " a , b", PYRO_COMMTIMEOUT: "1_0.5", PYRO_NATHOST: "x", PYRO_COMPRESSION: "ON", PYRO_NS_HOSTS: "h:1" });
  assert.deepEqual(c.BROADCAST_ADDRS, ["a", "b"]);
  assert.equal(c.COMMTIMEOUT, 10.5);
  assert.equal(c.NATHOST, "x");
  assert.equal(c.COMPRESSION, true);
  assert.deepEqual(c.problems(), []); // PYRO_NS_HOSTS is our extension, allowed
  c.reset({ PYRO_FOO: "1", PYRO_NS_PORT: "x" });
  assert.deepEqual(
    c.problems().map((p) => p.error.message),
    ["invalid Pyro environment config variable: PYRO_FOO", "invalid Pyro environment config value: PYRO_NS_PORT=x"],
  );
  assert.throws(() => c.check(), (e: unknown) => e instanceof ConfigValueError && e.message === "invalid Pyro environment config variable: PYRO_FOO");
  assert.equal(c.NS_PORT, 9090);
  assert.ok(c.dumpItems().includes("BROADCAST_ADDRS = ['<broadcast>', '0.0.0.0']"));
  assert.equal(c.copy().NS_PORT, 9090);
  assert.equal(config5.asDict().SERIALIZER, config5.SERIALIZER);
});
