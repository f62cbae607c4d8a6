// Encryption of Secret data at rest. The key lives in DIR/server/cred/encryption.key, never
// in the database, so a copied database alone reveals no Secret. Values carry upstream's
// self-describing prefix (k8s:enc:<provider>:v1:<key name>:), so a future key rotation can
// tell which key wrote each value.
import { join } from "node:path";
import { createPrivateFileOnce, readBytesIfExists } from "./files.ts";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_NAME = "skiff";
const ENVELOPE = /^k8s:enc:([a-z0-9]+):(v[0-9]+):([^:]+):(.*)$/s;

export class SecretBoxError extends Error {}

export function encryptionKeyPath(serverDir: string): string {
  return join(serverDir, "cred", "encryption.key");
}

export class SecretBox {
  private constructor(
    private readonly key: CryptoKey,
    readonly keyName: string,
  ) {}

  /** Loads the key, creating 32 random bytes on first use. A key of the wrong size is an error,
   *  never replaced: a new key could not read the Secrets already stored. */
  static async load(serverDir: string): Promise<SecretBox> {
    const path = encryptionKeyPath(serverDir);
    const bytes = readBytesIfExists(path) ?? createPrivateFileOnce(path, crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
    if (bytes.length !== KEY_BYTES) throw new SecretBoxError(`${path} holds ${bytes.length} bytes, not ${KEY_BYTES}: restore the original key (Secrets stored with it cannot be read otherwise)`);
    const key = await crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    return new SecretBox(key, KEY_NAME);
  }

  /** AES-256-GCM with a fresh random 12-byte IV: "k8s:enc:aesgcm:v1:skiff:<base64(iv|ciphertext|tag)>". */
  async encrypt(plain: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, tagLength: TAG_BYTES * 8 }, this.key, new TextEncoder().encode(plain)));
    const out = new Uint8Array(IV_BYTES + sealed.length);
    out.set(iv);
    out.set(sealed, IV_BYTES);
    return `k8s:enc:aesgcm:v1:${this.keyName}:${Buffer.from(out).toString("base64")}`;
  }

  /** Reverses encrypt; throws SecretBoxError for plain text, another provider or key, or any alteration. */
  async decrypt(stored: string): Promise<string> {
    const m = ENVELOPE.exec(stored);
    if (!m) throw new SecretBoxError("the stored Secret is not encrypted (no k8s:enc: prefix)");
    const [, provider, version, keyName, payload] = m;
    if (provider !== "aesgcm" || version !== "v1") throw new SecretBoxError(`the stored Secret uses the unsupported provider ${provider}:${version}`);
    if (keyName !== this.keyName) throw new SecretBoxError(`the stored Secret was encrypted with key "${keyName}", which this server does not have`);
    const bytes = Uint8Array.from(Buffer.from(payload!, "base64"));
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError("the stored Secret is truncated");
    try {
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), tagLength: TAG_BYTES * 8 }, this.key, bytes.subarray(IV_BYTES));
      return new TextDecoder().decode(plain);
    } catch {
      throw new SecretBoxError("cannot decrypt the stored Secret: it was encrypted with another key or has been altered");
    }
  }
}
