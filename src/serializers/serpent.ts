// PLACEHOLDER: replaced by the real serpent serializer.
import type { Serializer } from "./types.js";
import { SerializeError } from "../errors.js";

const notYet = (): never => {
  throw new SerializeError("serpent serializer not implemented yet");
};
export const serpent: Serializer = {
  name: "serpent",
  id: 1,
  serializeData: notYet,
  deserializeData: notYet,
  serializeCall: notYet,
  deserializeCall: notYet,
};
