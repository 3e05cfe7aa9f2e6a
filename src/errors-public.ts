// The `errors` namespace of the package root (`import { errors } from "pyro4"`): every error class a user can
// receive or throw, with its stable `code`, and the remote-traceback helpers, grouped as undici groups its errors.
// src/errors.ts also holds internals (the exception-dict table, call-site stitching); this list is the public part.

export {
  PyroError, CommunicationError, ConnectionClosedError, TimeoutError, ProtocolError, MessageTooLargeError,
  SerializeError, NamingError, DaemonError, SecurityError, AttributeError, BatchSkippedError, CancelledError,
  RemoteError, ConfigValueError, InvalidArgumentError, remoteTraceback, formatRemoteTraceback, type PyroErrorCode,
} from "./errors.js";
export { PythonError } from "./python/exceptions.js";
