// Standalone entry for `pyro4 echoserver` (tests spawn it with `node --import tsx src/cli/echoserver-entry.ts`).
import { echoserverMain } from "./echoserver.js";
import { oneLine } from "./report.js";

echoserverMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pyro4 echoserver: error: ${oneLine(err)}\n`);
    process.exitCode = 1;
  },
);
