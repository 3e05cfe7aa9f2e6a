// PLACEHOLDER: replaced by the real msgpack serializer.
import type { Serializer } from "./types.js";
import { SerializeError } from "../errors.js";

const notYet = (): never => {
  throw new SerializeError("msgpack serializer not implemented yet");
};
export const msgpack: Serializer = {
  name: "msgpack",
  id: 6,
  serializeData: notYet,
  deserializeData: notYet,
  serializeCall: notYet,
  deserializeCall: notYet,
};
