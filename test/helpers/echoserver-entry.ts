// Standalone entry for `pyro4 echoserver` used by tests (`node --import tsx test/helpers/echoserver-entry.ts`);
// it lives under test/ so that it does not ship in dist/.
import { echoserverMain } from "../../src/cli/echoserver.js";

echoserverMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? `pyro4 echoserver: ${err.message}` : err);
    process.exitCode = 1;
  },
);
