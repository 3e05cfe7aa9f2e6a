// TypeScript version of Pyro4's examples/streaming server: lists, iterators and (slow) generators, pulled by
// Pyro4's unchanged Python client item by item. Run: node --import tsx examples/server/streaming.ts
import { config, Daemon, expose } from "pyro4";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

@expose
class Streamer {
  list() {
    return [1, 2, 3, 4, 5, 6, 7, 8, 9];
  }
  iterator() {
    return [1, 2, 3, 4, 5, 6, 7, 8, 9][Symbol.iterator]();
  }
  *generator() {
    for (let i = 1; i < 10; i++) yield i;
  }
  async *slow_generator() {
    for (let i = 1; i < 10; i++) {
      yield i;
      await sleep(500);
    }
  }
}

console.log(
  config.ITER_STREAMING
    ? "Note: iter-streaming has been enabled in the Pyro config."
    : "Note: iter-streaming has not been enabled in the Pyro config (PYRO_ITER_STREAMING).",
);
await using daemon = await Daemon.create();
const uri = daemon.register(Streamer, "example.streamer");
console.log(`Object ${Streamer.name}:\n    uri = ${uri}`);
console.log("Pyro daemon running.");
await daemon.requestLoop();
