// Standalone entry for `pyro4 echoserver` (tests spawn it with `node --import tsx src/cli/echoserver-entry.ts`).
import { echoserverMain } from "./echoserver.js";

echoserverMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? `pyro4 echoserver: ${err.message}` : err);
    process.exitCode = 1;
  },
);
