// Public entry point of the `pyro4` package: re-exports only; every implementation lives in its own module.

export * from "./errors.js";
export { URI, type UriProtocol } from "./uri.js";
export { config, Config, configNames, type ConfigItems, type ConfigName } from "./config.js";
export {
  Tuple, tuple, toTuple, isTuple, Complex, Float, float,
  registerClassToDict, unregisterClassToDict, registerDictToClass, unregisterDictToClass,
  ExceptionWrapper, errorToDict, dictToError,
} from "./serializers/values.js";
export { getSerializer, hasSerializer, serializerIds } from "./serializers/index.js";
export type { Serializer, SerializerName, Call, SerializeOptions } from "./serializers/index.js";
export * as protocol from "./protocol/message.js";
export { MessageReader, type ReaderOptions } from "./protocol/reader.js";
