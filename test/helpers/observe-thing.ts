// The object the observability tests serve from our daemon (observe.test.ts, observe-otel.test.ts), the TS twin
// of test/fixtures/observe_peer.py's Thing: an echo, the correlation id the call arrived with, and a failure.
import { currentContext } from "../../src/server/context.js";
import { expose } from "../../src/server/expose.js";

export class Thing {
  echo(x: unknown): unknown {
    return x;
  }
  correlation(): string | null {
    return currentContext()?.correlationId ?? null;
  }
  fail(): never {
    throw new RangeError("observed failure");
  }
}
expose(Thing);
