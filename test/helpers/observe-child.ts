// Child process for the logging tests (test/interop/observe.test.ts): the environment it is started with
// (NODE_DEBUG, PYRO_LOGLEVEL, PYRO_LOGFILE, PYRO_LOGWIRE, PYRO4_TRACE_DIR) is what is under test. It calls the
// Python daemon at argv[2] and serves one call of its own (made by itself), then prints "done".
import { Daemon, Proxy, expose } from "../../src/index.js";

class Echo {
  echo(x: unknown): unknown {
    return x;
  }
}
expose(Echo);

async function main(): Promise<void> {
  const pyUri = process.argv[2]!;
  const py = new Proxy<{ echo(x: unknown): Promise<unknown> }>(pyUri, { serializer: "serpent" });
  if ((await py.echo("to python")) !== "to python") throw new Error("python echo failed");
  await py.$release();
  const daemon = await Daemon.create({ host: "127.0.0.1", port: 0 });
  const uri = daemon.register(new Echo(), "child.echo");
  const own = new Proxy<Echo>(uri, { serializer: "json" });
  if ((await own.echo("to node")) !== "to node") throw new Error("own echo failed");
  await own.$release();
  await daemon.close();
  process.stdout.write("done\n");
}

main().catch((e) => {
  process.stdout.write(`child failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
