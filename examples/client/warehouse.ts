// Port of Pyro4's warehouse tutorial (phase 3 client): people visit the warehouse found through the name
// server, look at its contents, take and store items.
// Server: python3 test/fixtures/client_warehouse.py [--ns host:port]
import { Proxy } from "pyro4";

interface Warehouse {
  list_contents(): string[];
  take(name: string, item: string): void;
  store(name: string, item: string): void;
}

class Person {
  constructor(readonly name: string, private readonly gift: string, private readonly want: string) {}
  async visit(warehouse: Proxy<Warehouse>): Promise<void> {
    console.log(`This is ${this.name}.`);
    console.log("The warehouse contains:", await warehouse.list_contents());
    await warehouse.store(this.name, this.gift);
    await warehouse.take(this.name, this.want);
    console.log("Thank you, come again!");
  }
}

const uri = process.argv[2] ?? "PYRONAME:example.warehouse";
await using warehouse = new Proxy<Warehouse>(uri);
await new Person("Janet", "camera", "laptop").visit(warehouse);
await new Person("Henry", "sweater", "camera").visit(warehouse);
console.log("Final contents:", await warehouse.list_contents());
