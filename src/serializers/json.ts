// PLACEHOLDER: replaced by the real json serializer.
import type { Serializer } from "./types.js";
import { SerializeError } from "../errors.js";

const notYet = (): never => {
  throw new SerializeError("json serializer not implemented yet");
};
export const json: Serializer = {
  name: "json",
  id: 2,
  serializeData: notYet,
  deserializeData: notYet,
  serializeCall: notYet,
  deserializeCall: notYet,
};
