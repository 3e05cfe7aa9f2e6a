// TypeScript version of Pyro4's examples/attributes server: properties (getters/setters) are remote attributes
// that Python clients read and write with plain attribute syntax; read-only properties refuse writes, and plain
// data fields and _private names are not reachable at all.
// Run: node --import tsx examples/server/attributes.ts
import { Daemon, expose } from "pyro4";

const something = "Something";

@expose
class Thingy {
  // plain fields: never remote (like instance variables in Pyro4, which only exposes properties)
  sub: Record<string, string> = { name: "value" };
  value = 42;
  _value = 123;
  private dict: Record<string, number> = { one: 1, two: 2, three: 3 };

  getSubValue(): string {
    return this.sub.name!;
  }
  setSubValue(value: string): void {
    this.sub.name = value;
  }

  /** A remote attribute holding a dict: a client gets a copy, so changing it there does not change it here. */
  get dictionary(): Record<string, number> {
    return this.dict;
  }
  printDict(): Record<string, number> {
    console.log("dict contents:", this.dict);
    return this.dict;
  }

  get readonly_prop1(): string {
    console.log("readonly_prop1 accessed");
    return something;
  }

  get prop1(): number {
    console.log("prop1 accessed");
    return this._value;
  }
  set prop1(value: number) {
    console.log("prop1 set to", value);
    this._value = value;
  }

  get prop2(): number {
    return this.value;
  }
  set prop2(value: number) {
    this.value = value;
  }
}

await using daemon = await Daemon.create();
const uri = daemon.register(Thingy, "example.attributes");
console.log(`Object ${Thingy.name}:\n    uri = ${uri}`);
console.log("Pyro daemon running.");
await daemon.requestLoop();
