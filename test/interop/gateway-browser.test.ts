// Real-browser test: headless Chromium (Debian's chromium, driven by puppeteer-core) loads the index page our
// gateway serves, runs demo calls and browser-client calls (the pyro4/http module the gateway serves) against a
// Python daemon and our Daemon, and the results shown on the page are checked. A screenshot of the demo page is
// kept in test/.artifacts/gateway-demo.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser } from "puppeteer-core";
import type { HttpGateway } from "../../src/gateway/server.js";
import type { PythonServer } from "../helpers/python.js";
import { startPythonBackend, startPythonNs, startTsBackend, startTsGateway, type PyNs, type TsBackend } from "../helpers/gateway.js";

// page-side code below runs in Chromium; these names exist there (this file is compiled without the DOM lib)
declare const document: any;
declare const window: any;
declare const location: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../.artifacts/", import.meta.url));

let ns: PyNs;
let pyBackend: PythonServer;
let tsBackend: TsBackend;
let gw: HttpGateway;
let browser: Browser | null = null;
let profile = "";

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  ns = await startPythonNs();
  pyBackend = await startPythonBackend(ns);
  tsBackend = await startTsBackend(ns);
  gw = await startTsGateway(ns);
  profile = mkdtempSync(join(tmpdir(), "pyro4-chromium-"));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ],
  });
});

after(async () => {
  const pid = browser?.process()?.pid;
  try {
    await Promise.race([browser?.close(), new Promise((_, rej) => setTimeout(() => rej(new Error("close timed out")), 5000))]);
  } catch {
    if (pid) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
  }
  if (profile) rmSync(profile, { recursive: true, force: true });
  await gw?.close();
  await tsBackend?.close();
  await pyBackend?.stop();
  await ns?.server.stop();
});

test("Chromium: the gateway's demo page and the browser client call a Python and a TypeScript daemon", async () => {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(gw.url, { waitUntil: "load" });
  // the table lists the exposed names with their methods
  const table = await page.$eval("#ns_contents", (el: any) => el.textContent ?? "");
  assert.match(table, /http\.echo/);
  assert.match(table, /http\.ts\.echo/);
  assert.doesNotMatch(table, /hidden\.secret/);

  // a demo link: $meta of the Python echo object, shown in #pyro_response
  await page.click('a[data-name="http.echo"][data-method="$meta"]');
  await page.waitForFunction(() => (document.getElementById("pyro_response")?.textContent ?? "").includes("methods"), { timeout: 10_000 });
  const meta = JSON.parse(await page.$eval("#pyro_response", (el: any) => el.textContent ?? ""));
  assert.ok(meta.methods.includes("echo"));
  assert.deepEqual(meta.attributes, ["verbose"]);

  // the page's demo function against the TypeScript daemon
  await page.evaluate(() => (window as { pyroCall: (n: string, m: string, p: object) => void }).pyroCall("http.ts.echo", "echo", { message: "from the browser" }));
  await page.waitForFunction(() => (document.getElementById("pyro_response")?.textContent ?? "").includes("from the browser"), { timeout: 10_000 });
  assert.equal(JSON.parse(await page.$eval("#pyro_response", (el: any) => el.textContent ?? "")), "from the browser");

  // the browser client module, as a page script would use it; results are written into the page
  await page.evaluate(async () => {
    const { httpProxy, PyroHttpError } = await import("/pyro4-http.js" as string);
    const out: Record<string, unknown> = {};
    for (const name of ["http.echo", "http.ts.echo"]) {
      const p = httpProxy(name, { gateway: location.origin + "/pyro/" });
      const r: Record<string, unknown> = {};
      r.echo = await p.echo("h\u00e9llo \u2603 \u{1F600}");
      r.add = await p.add(40, 2);
      r.oneway = (await p.$oneway.echo("x")) ?? "undefined";
      r.methods = (await p.$meta()).methods.includes("echo");
      const items: unknown[] = [];
      for await (const n of p.$stream.count(4)) items.push(n);
      r.stream = items;
      try {
        await p.error();
        r.error = "no error";
      } catch (e) {
        const x = e as InstanceType<typeof PyroHttpError>;
        r.error = [x instanceof PyroHttpError, x.pythonType, x.status, x.args[0]];
      }
      out[name] = r;
    }
    const py = httpProxy("http.echo", { gateway: location.origin + "/pyro/" });
    try {
      await py.$with({ timeout: 300 }).slow();
      out.timeout = "no timeout";
    } catch (e) {
      out.timeout = `${(e as { code: string }).code}/${(e as { kind: string }).kind}`;
    }
    const ac = new AbortController();
    const pending = py.$with({ signal: ac.signal }).slow();
    ac.abort(new Error("aborted by page"));
    try {
      await pending;
      out.abort = "not aborted";
    } catch (e) {
      out.abort = (e as Error).message;
    }
    const pre = document.createElement("pre");
    pre.id = "client_results";
    pre.textContent = JSON.stringify(out, null, 2);
    document.body.append(pre);
  });
  const shown = JSON.parse(await page.$eval("#client_results", (el: any) => el.textContent ?? ""));
  for (const name of ["http.echo", "http.ts.echo"]) {
    assert.deepEqual(shown[name], {
      echo: "h\u00e9llo \u2603 \u{1F600}",
      add: 42,
      oneway: "undefined",
      methods: true,
      stream: [0, 1, 2, 3],
      error: [true, "builtins.ValueError", 500, "expected error from echoserver error() method"],
    }, name);
  }
  assert.equal(shown.timeout, "ERR_PYRO4_HTTP_TIMEOUT/TIMEOUT");
  assert.equal(shown.abort, "aborted by page");
  assert.deepEqual(errors, []);

  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, "gateway-demo.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(existsSync(shot));
  await page.close();
});
