// @expose, @oneway, @callback and @behavior work in projects compiled with standard decorators (TypeScript's
// default) and in projects with `experimentalDecorators: true` (NestJS, TypeORM, Angular): the same user file is
// compiled both ways by tsc against the package as installed ("pyro4" -> dist/), each build is run, and a Python
// client must see and call exactly the same members of both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { FIXTURES, runPythonAsync } from "../helpers/python.js";
import { expose, oneway, callback } from "../../src/server/expose.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Compile test/fixtures/decorated_service.ts in a fresh project; returns the emitted JavaScript's path. */
async function compile(dir: string, experimentalDecorators: boolean): Promise<string> {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  copyFileSync(join(FIXTURES, "decorated_service.ts"), join(dir, "service.ts"));
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    types: ["node"],
    outDir: "out",
    ...(experimentalDecorators ? { experimentalDecorators: true } : {}),
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["service.ts"] }));
  const tsc = spawn(process.execPath, [TSC, "-p", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  tsc.stdout.setEncoding("utf8").on("data", (d) => (output += d));
  tsc.stderr.setEncoding("utf8").on("data", (d) => (output += d));
  const timer = setTimeout(() => tsc.kill("SIGKILL"), 120_000);
  const status = await new Promise<number | null>((r) => tsc.on("close", (code) => r(code)));
  clearTimeout(timer);
  assert.equal(status, 0, `tsc (experimentalDecorators: ${experimentalDecorators}):\n${output}`);
  return join(dir, "out", "service.js");
}

/** Run the compiled service, ask the Python client, stop the service. */
async function askPython(js: string): Promise<unknown> {
  const child = spawn(process.execPath, [js], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  try {
    const first = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout });
      rl.once("line", (l) => resolve(l));
      child.once("close", (code) => reject(new Error(`service exited (${code}) before printing its URIs:\n${stderr}`)));
    });
    const { calc, partial } = JSON.parse(first) as { calc: string; partial: string };
    return JSON.parse(await runPythonAsync(["decorators_client.py", calc, partial], { timeoutMs: 60_000 }));
  } finally {
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    assert.equal(await exited, 0, stderr);
    clearTimeout(timer);
  }
}

test("a service compiled with standard decorators and with experimentalDecorators exposes the same members", { timeout: 240_000 }, async () => {
  const dirs = [mkdtempSync(join(tmpdir(), "pyro4-dec-std-")), mkdtempSync(join(tmpdir(), "pyro4-dec-legacy-"))];
  try {
    const [standardJs, legacyJs] = await Promise.all([compile(dirs[0]!, false), compile(dirs[1]!, true)]);
    // each build really uses its decorator implementation (TypeScript's helpers differ)
    assert.match(readFileSync(standardJs, "utf8"), /__esDecorate\(/);
    assert.doesNotMatch(readFileSync(standardJs, "utf8"), /__decorate\(/);
    assert.match(readFileSync(legacyJs, "utf8"), /__decorate\(/);
    assert.doesNotMatch(readFileSync(legacyJs, "utf8"), /__esDecorate\(/);

    // ports differ between the two runs
    const norm = (v: unknown) => JSON.parse(JSON.stringify(v).replace(/@127\.0\.0\.1:\d+/g, "@127.0.0.1:PORT"));
    const [standard, legacy] = (await Promise.all([askPython(standardJs), askPython(legacyJs)])).map(norm);
    assert.deepEqual(legacy, standard);
    assert.deepEqual(standard, {
      calc: { methods: ["add", "count", "ping"], oneway: ["ping"], attrs: ["ready"] },
      // add, count on two connections sharing the single instance, the attribute, the oneway call
      calc_calls: [3, 1, 2, true, null],
      calc_private: "remote object 'PYRO:calc@127.0.0.1:PORT' has no exposed attribute or method '_secret'",
      partial: { methods: ["fire", "mul", "notify", "twice"], oneway: ["fire"], attrs: ["value"] },
      // mul, twice(x=5) bound by the declared params, the getter, the callback method, the oneway, the setter's effect
      partial_calls: [12, 10, 42, "notified", null, 7],
      partial_hidden: "remote object 'PYRO:partial@127.0.0.1:PORT' has no exposed attribute or method 'hidden'",
    });
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test("legacy decorator calls are recognised, and misuse says what to change", () => {
  class Svc {
    run(): number {
      return 1;
    }
    get v(): number {
      return 1;
    }
  }
  const proto = Svc.prototype;
  const desc = (name: string) => Object.getOwnPropertyDescriptor(proto, name)!;
  // (prototype, name, descriptor) as TypeScript's __decorate passes them
  assert.equal(expose(proto, "run", desc("run")), undefined);
  assert.equal(oneway(proto, "run", desc("run")), undefined);
  assert.equal(callback(proto, "run", desc("run")), undefined);
  assert.equal(expose(proto, "v", desc("v")), undefined);
  assert.throws(() => expose(proto, "field", undefined), /@expose cannot be used on a plain field \('field'\): use a method or a getter\/setter.*experimentalDecorators off/);
  assert.throws(() => oneway(proto, "v", desc("v")), /@oneway can only be used on methods \('v' is an accessor\)/);
  assert.throws(() => expose(proto, "_hidden", desc("run")), /exposing private names/);
  assert.throws(() => (expose as (...a: unknown[]) => unknown)(proto, "run", 0), /@expose cannot be used on a parameter/);
  assert.throws(() => (oneway as (...a: unknown[]) => unknown)(1, 2), /experimentalDecorators/);
});
