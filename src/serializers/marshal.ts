// PLACEHOLDER: replaced by the real marshal serializer.
import type { Serializer } from "./types.js";
import { SerializeError } from "../errors.js";

const notYet = (): never => {
  throw new SerializeError("marshal serializer not implemented yet");
};
export const marshal: Serializer = {
  name: "marshal",
  id: 3,
  serializeData: notYet,
  deserializeData: notYet,
  serializeCall: notYet,
  deserializeCall: notYet,
};
