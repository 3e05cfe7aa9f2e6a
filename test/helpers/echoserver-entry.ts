// Standalone entry for `pyro4 echoserver` used by tests (`node --import tsx test/helpers/echoserver-entry.ts`);
// it lives under test/ so that it does not ship in dist/.
import { echoserverMain } from "../../src/cli/echoserver.js";
import { oneLine } from "../../src/cli/report.js";

echoserverMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pyro4 echoserver: error: ${oneLine(err)}\n`);
    process.exitCode = 1;
  },
);
