// Turns on the built-in subscribers the environment asks for, once, when the client or daemon modules load:
// NODE_DEBUG=pyro4, PYRO_LOGLEVEL/PYRO_LOGFILE (Pyro4's _configLogging; PYRO_LOGWIRE adds frame records to
// them) and PYRO4_TRACE_DIR.
// Nothing is subscribed when none of them is set.

import { coreLog } from "./log.js";
import { configureLogging, enableNodeDebug } from "./sinks.js";
import { traceWire } from "./trace-dir.js";

function setupFromEnv(env: NodeJS.ProcessEnv): void {
  enableNodeDebug();
  const level = env.PYRO_LOGLEVEL;
  if (level) {
    const file = env.PYRO_LOGFILE ?? "pyro.log";
    if (!configureLogging(level, file === "{stderr}" ? null : file)) coreLog.warning("PYRO_LOGLEVEL %s is not a logging level; logging stays off", level);
  }
  const dir = env.PYRO4_TRACE_DIR;
  if (dir) {
    try {
      traceWire(dir);
    } catch (e) {
      coreLog.warning("PYRO4_TRACE_DIR %s unusable: %s", dir, (e as Error).message);
    }
  }
}

setupFromEnv(process.env);
