// TypeScript version of Pyro4's examples/warehouse (phase 3) server: one shared Warehouse registered in the name
// server as "example.warehouse"; Pyro4's unchanged visit.py/person.py clients use it.
// Run a name server first (`pyro4 ns` or `pyro4-ns`), then: node --import tsx examples/server/warehouse.ts
import { Daemon, expose, behavior, locateNS, PythonError } from "pyro4";

@expose
@behavior("single")
class Warehouse {
  contents = ["chair", "bike", "flashlight", "laptop", "couch"];

  list_contents(): string[] {
    return this.contents;
  }
  take(name: string, item: string): void {
    const i = this.contents.indexOf(item);
    // Python's list.remove raises ValueError for a missing item; Python clients see the same exception.
    if (i < 0) throw new PythonError("ValueError", "list.remove(x): x not in list");
    this.contents.splice(i, 1);
    console.log(`${name} took the ${item}.`);
  }
  store(name: string, item: string): void {
    this.contents.push(item);
    console.log(`${name} stored the ${item}.`);
  }
}

await using daemon = await Daemon.create();
const uri = daemon.register(Warehouse);
await using ns = await locateNS();
await ns.register("example.warehouse", uri);
console.log(`Object ${Warehouse.name}:\n    uri = ${uri}\n    name = example.warehouse`);
console.log("Pyro daemon running.");
await daemon.requestLoop();
