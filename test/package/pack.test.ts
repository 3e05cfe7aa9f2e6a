// The artifact users get, tested the way they get it: the package is built into a staging copy, packed with
// `npm pack`, installed from the tarball into a temporary project outside the repository (no network, no
// other dependencies), then imported from ESM, require()d from CommonJS, type-checked against the shipped
// .d.ts, and its `npx pyro4 echoserver` is called by a Python Pyro4 client; publint and arethetypeswrong check
// the tarball's metadata. The repository's own dist/ is not touched, so tests that run at the same time keep theirs.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const PYTHON = process.env.PYRO4_PYTHON ?? "/usr/bin/python3";
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
const HAS_NODE_SQLITE = major > 22 || (major === 22 && minor >= 13);

let work = "";
let project = "";
let tarball = "";
let tarballFiles: string[] = [];
const timings: Record<string, number> = {};

function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), "pyro4-pack-"));
  const stage = join(work, "stage");
  mkdirSync(stage);
  timed("build", () =>
    run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(stage, "dist")], ROOT),
  );
  cpSync(join(ROOT, "package.json"), join(stage, "package.json"));
  cpSync(join(ROOT, "README.md"), join(stage, "README.md"));
  cpSync(join(ROOT, "LICENSE"), join(stage, "LICENSE")); // npm packs a LICENSE whatever `files` says
  const packed = timed("pack", () => JSON.parse(run(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", work], stage)));
  tarballFiles = (packed[0].files as { path: string }[]).map((f) => f.path).sort();
  tarball = join(work, packed[0].filename as string);
  project = join(work, "consumer");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  timed("install", () => run(NPM, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`pack test timings (ms): ${JSON.stringify(timings)}`);
});

test("the tarball holds dist/ (js + d.ts), package.json, README.md and LICENSE only: no tests, no source maps", () => {
  assert.ok(tarballFiles.includes("package.json") && tarballFiles.includes("README.md") && tarballFiles.includes("LICENSE"));
  assert.ok(tarballFiles.includes("dist/index.js") && tarballFiles.includes("dist/index.d.ts"));
  assert.ok(tarballFiles.includes("dist/protocol/index.js") && tarballFiles.includes("dist/cli/main.js"));
  const stray = tarballFiles.filter((f) => !/^dist\/.*\.(js|d\.ts)$/.test(f) && !["package.json", "README.md", "LICENSE"].includes(f));
  assert.deepEqual(stray, []);
  assert.deepEqual(tarballFiles.filter((f) => /test|fixture|\.map$/.test(f)), []);
});

test("publint finds nothing in the tarball, not even a suggestion", async () => {
  const { publint } = await import("publint");
  const { formatMessage } = await import("publint/utils");
  const data = readFileSync(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: "suggestion", strict: true });
  assert.equal(pkg.name, "pyro4");
  assert.deepEqual(messages.map((m) => `${m.type} ${m.code}: ${formatMessage(m, pkg, { color: false })}`), []);
});

test("arethetypeswrong: every entry point resolves with types for ESM, bundlers and require(esm) (profile esm-only)", () => {
  // The package is ESM only and needs Node 20.19+, where require() loads ESM (proved by the CommonJS test above):
  // the esm-only profile leaves out node10 resolution and the "CommonJS resolves to ESM" notice, and nothing else.
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js"), tarball, "--profile", "esm-only", "--format", "json"], {
    encoding: "utf8",
  });
  const out = JSON.parse(r.stdout) as { analysis: { entrypoints: Record<string, unknown>; problems: { kind: string; entrypoint: string; resolutionKind?: string }[] } };
  assert.deepEqual(Object.keys(out.analysis.entrypoints).sort(), [".", "./http", "./package.json", "./protocol"]);
  const counted = out.analysis.problems.filter((p) => p.resolutionKind !== "node10" && p.resolutionKind !== "node16-cjs");
  assert.deepEqual(counted, []);
  const tolerated = [...new Set(out.analysis.problems.map((p) => `${p.resolutionKind} ${p.kind}`))].sort();
  assert.deepEqual(tolerated, ["node10 NoResolution", "node16-cjs CJSResolvesToESM"], "only what the esm-only profile ignores");
  assert.equal(r.status, 0, r.stderr);
});

test("installing the tarball brings no dependency: node_modules holds pyro4 alone", () => {
  const installed = readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith("."));
  assert.deepEqual(installed, ["pyro4"]);
  const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as { packages: Record<string, unknown> };
  assert.deepEqual(Object.keys(lock.packages).filter((k) => k !== ""), ["node_modules/pyro4"]);
});

test("ESM import: the user API at the root, wire internals at pyro4/protocol, package.json exported", () => {
  writeFileSync(
    join(project, "esm.mjs"),
    `import * as pyro4 from "pyro4";
import * as protocol from "pyro4/protocol";
import { createRequire } from "node:module";
const pkg = createRequire(import.meta.url)("pyro4/package.json");
const e = new pyro4.TimeoutError("slow");
console.log(JSON.stringify({
  proxy: typeof pyro4.Proxy, daemon: typeof pyro4.Daemon, locateNS: typeof pyro4.locateNS, config: typeof pyro4.config,
  rootHasReader: "MessageReader" in pyro4, rootHasProtocol: "protocol" in pyro4,
  reader: typeof protocol.MessageReader, msgInvoke: protocol.MSG_INVOKE, serpent: protocol.getSerializer("serpent").name,
  code: e.code, isPyro: e instanceof pyro4.PyroError, remoteIsPyro: new pyro4.RemoteError("builtins.ValueError", ["x"]) instanceof pyro4.PyroError,
  version: pkg.version,
}));
`,
  );
  const out = JSON.parse(run(process.execPath, ["esm.mjs"], project));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  assert.deepEqual(out, {
    proxy: "function", daemon: "function", locateNS: "function", config: "object",
    rootHasReader: false, rootHasProtocol: false,
    reader: "function", msgInvoke: 4, serpent: "serpent",
    code: "ERR_PYRO4_TIMEOUT", isPyro: true, remoteIsPyro: true,
    version: pkg.version,
  });
});

test("CommonJS require('pyro4') loads the ESM build (require(esm), Node >= 20.19)", () => {
  writeFileSync(
    join(project, "cjs.cjs"),
    `const pyro4 = require("pyro4");
const protocol = require("pyro4/protocol");
const uri = new pyro4.URI("PYRO:obj@localhost:9999");
console.log(JSON.stringify({ proxy: typeof pyro4.Proxy, uri: String(uri), port: uri.port, header: protocol.HEADER_SIZE }));
`,
  );
  const out = JSON.parse(run(process.execPath, ["--no-warnings", "cjs.cjs"], project));
  assert.deepEqual(out, { proxy: "function", uri: "PYRO:obj@localhost:9999", port: 9999, header: 24 });
});

test("a consumer .ts file type-checks against the shipped .d.ts (NodeNext), and a wrong use fails", () => {
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true,
        skipLibCheck: false, types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")],
        lib: ["ES2022", "ESNext.Disposable"],
      },
      include: ["consumer.ts", "consumer-bad.ts"],
    }),
  );
  const good = `import { Proxy, Daemon, expose, TimeoutError, PyroError, type PyroErrorCode, type SerializerName } from "pyro4";
import { MessageReader, MSG_INVOKE } from "pyro4/protocol";
interface Echo { echo(x: string): Promise<string> }
const ser: SerializerName = "json";
export async function main(): Promise<void> {
  await using p = new Proxy<Echo>("PYRO:test.echoserver@localhost:9999", { timeout: 2000, serializer: ser });
  const s: string = await p.echo("hi");
  const code: PyroErrorCode = new TimeoutError("x").code;
  console.log(s, code, new PyroError() instanceof Error, typeof Daemon, typeof expose, typeof MessageReader, MSG_INVOKE);
}
`;
  // one tsc run checks both files (tsc is the slow part of this test): the good one must be clean and the
  // wrong one must fail on exactly its wrong line
  writeFileSync(join(project, "consumer.ts"), good);
  writeFileSync(join(project, "consumer-bad.ts"), good.replace('"json"', '"pickle5"'));
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
  const errors = r.stdout.split("\n").filter((l) => /error TS/.test(l));
  assert.equal(errors.length, 1, r.stdout + r.stderr);
  assert.match(errors[0]!, /^consumer-bad\.ts\(4,\d+\): error TS(2322|2820): Type '"pickle5"' is not assignable to type 'SerializerName'/);
});

test(
  HAS_NODE_SQLITE ? "sql: storage works without better-sqlite3 (node:sqlite)" : "sql: storage without a driver says what to install",
  () => {
    writeFileSync(
      join(project, "sql.mjs"),
      `import { createStorage } from "pyro4/protocol";
try {
  const s = createStorage("sql:" + process.argv[2]);
  s.set("x", "PYRO:x@localhost:1", ["t"]);
  console.log(JSON.stringify({ ok: true, uri: s.get("x").uri, count: s.count() }));
} catch (e) { console.log(JSON.stringify({ ok: false, name: e.name, code: e.code, message: e.message })); }
`,
    );
    const out = JSON.parse(run(process.execPath, ["--no-warnings", "sql.mjs", join(work, "ns.sqlite")], project));
    if (HAS_NODE_SQLITE) assert.deepEqual(out, { ok: true, uri: "PYRO:x@localhost:1", count: 1 });
    else {
      assert.equal(out.ok, false);
      assert.equal(out.code, "ERR_PYRO4_NAMING");
      assert.match(out.message, /npm i better-sqlite3@12/);
      assert.match(out.message, /Node 22\.13 or newer/);
      assert.match(out.message, new RegExp(`Node ${process.versions.node.replace(/\./g, "\\.")} has no built-in node:sqlite`));
    }
  },
);

test("the installed project has the pyro5 bin too: node_modules/.bin/pyro5 --version", () => {
  assert.ok(tarballFiles.includes("dist/cli/pyro5.js"));
  // the .bin link itself (npx would take --version as its own flag): proves the link, the shebang and the exec bit
  const out = execFileSync(join(project, "node_modules", ".bin", "pyro5"), ["--version"], { cwd: project, encoding: "utf8", timeout: 30_000 });
  assert.match(out, /^pyro5 \(pyro4 \d+\.\d+\.\d+, Pyro5 compatible, protocol 502\) on Node /);
});

test("npx pyro4 echoserver from the installed project answers a Python Pyro4 client", async () => {
  const child: ChildProcess = spawn("npx", ["--offline", "--no", "pyro4", "echoserver", "-p", "0"], {
    cwd: project, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_update_notifier: "false" },
  });
  try {
    const uri = await new Promise<string>((resolveUri, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`no echo uri within 30 s:\n${out}\n${err}`)), 30_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /echo uri: (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveUri(m[1]!);
        }
      });
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      child.on("exit", (code) => reject(new Error(`echoserver exited (${code}):\n${out}\n${err}`)));
    });
    const py = execFileSync(
      PYTHON,
      ["-c", "import sys, Pyro4\np = Pyro4.Proxy(sys.argv[1]); p._pyroTimeout = 10\nprint(repr(p.echo(['hi', 42, (1.5, None)])))", uri],
      { encoding: "utf8", timeout: 20_000 },
    );
    assert.equal(py.trim(), "['hi', 42, (1.5, None)]");
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
  }
});
