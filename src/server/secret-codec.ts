// Secrets are encrypted at rest; the key lives under the data dir, never in the database.
import type { ValueCodec } from "../store/store.ts";
import { SecretBox } from "./pki/secret-box.ts";

export async function secretCodec(serverDir: string): Promise<ValueCodec> {
  const box = await SecretBox.load(serverDir);
  return {
    encode: (resource, json) => (resource === "secrets" ? box.encrypt(json) : Promise.resolve(json)),
    decode: (resource, stored) => (resource === "secrets" ? box.decrypt(stored) : Promise.resolve(stored)),
  };
}
