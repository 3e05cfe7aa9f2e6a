import { HttpGateway } from "../src/gateway/server.ts";
import { Agent, request } from "node:http";
const nsPort = Number(process.argv[2]);
const g = new HttpGateway({ host: "127.0.0.1", port: 0, nsHost: "127.0.0.1", nsPort });
await g.listen();
const proto = Object.getPrototypeOf(g);
const orig = proto.processPyroRequest;
const T: number[] = [];
proto.processPyroRequest = async function (r: unknown, res: unknown) { const t0 = performance.now(); await orig.call(this, r, res); T.push(performance.now() - t0); };
const u = new URL(g.url);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const C: number[] = [];
for (let i = 0; i < 450; i++) {
  const t0 = performance.now();
  await new Promise<void>((res, rej) => request({ host: u.hostname, port: u.port, path: u.pathname + "http.echo/echo?message=hello", agent }, (r) => { r.resume(); r.on("end", res); }).on("error", rej).end());
  C.push(performance.now() - t0);
}
const med = (a: number[]) => [...a.slice(50)].sort((x, y) => x - y)[200]!;
console.log("client", med(C).toFixed(3), "processPyroRequest", med(T).toFixed(3));
await g.close(); agent.destroy();
