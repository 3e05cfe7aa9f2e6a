// Server-side public API: the Daemon, exposure decorators, call context and Python exception helpers.
export { Daemon, DAEMON_NAME, type DaemonOptions, type RegisterOptions, type Registration, type ProxyDict, type AnnotationsInput } from "./daemon.js";
export { expose, oneway, callback, behavior, isPrivateName, type InstanceMode, type InstanceCreator, type ExposeOptions, type ExposureOptions } from "./expose.js";
export { currentContext, type CallContext, type ClientConnection, type Resource } from "./context.js";
export { PythonError } from "../python/exceptions.js";
export { DaemonObject } from "./daemon-object.js";
