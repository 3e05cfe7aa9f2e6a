// `pyro4 --version`, `pyro4 help` and `pyro4 help <command>`: the entry points a newcomer tries first.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

function pyro4(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("pyro4 --version and -V print package.json's version, the Pyro4 version it follows and Node's", () => {
  for (const flag of ["--version", "-V"]) {
    const r = pyro4(flag);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), `pyro4 ${pkg.version} (Pyro4 4.82 compatible, protocol 48) on Node ${process.versions.node}`);
  }
});

test("pyro4 help lists every command; pyro4 help <command> prints that command's own help", () => {
  const r = pyro4("help");
  assert.equal(r.code, 0, r.err);
  for (const c of ["ns", "nsc", "echoserver", "check-config", "help", "--version"]) assert.match(r.out, new RegExp(`^  ${c}\\s`, "m"));
  const nsc = pyro4("help", "nsc");
  assert.equal(nsc.code, 0, nsc.err);
  assert.equal(nsc.out, pyro4("nsc", "-h").out);
  assert.match(nsc.out, /^Usage: pyro4 nsc \[options\] command/m);
  const echo = pyro4("help", "echoserver");
  assert.equal(echo.code, 0, echo.err);
  assert.match(echo.out, /--port=PORT/);
});

test("pyro4 help <unknown> says so, shows the commands and exits 2 without a stack", () => {
  const r = pyro4("help", "bogus");
  assert.equal(r.code, 2);
  assert.match(r.err, /^pyro4: unknown command 'bogus'/);
  assert.match(r.err, /echoserver/);
  assert.doesNotMatch(r.err, /\n\s+at /);
});
