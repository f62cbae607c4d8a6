// Secret data at rest: AES-256-GCM under a key kept beside the database, never in it.
import { afterAll, describe, expect, test } from "bun:test";
import { createDecipheriv } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { encryptionKeyPath, SecretBox, SecretBoxError } from "../../../src/server/pki/secret-box.ts";

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-pki-box-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const secretJson = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, data: { password: Buffer.from("hunter2").toString("base64") } });

function payloadOf(stored: string): Buffer {
  return Buffer.from(stored.slice("k8s:enc:aesgcm:v1:skiff:".length), "base64");
}

function withPayload(stored: string, change: (b: Buffer) => void): string {
  const b = payloadOf(stored);
  change(b);
  return "k8s:enc:aesgcm:v1:skiff:" + b.toString("base64");
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e) => e,
  );
}

describe("SecretBox", () => {
  test("creates a 32-byte owner-only key under cred/ and reuses it", async () => {
    const dir = freshDir();
    const box = await SecretBox.load(dir);
    const path = encryptionKeyPath(dir);
    expect(path).toBe(join(dir, "cred", "encryption.key"));
    expect(readFileSync(path).length).toBe(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    const stored = await box.encrypt(secretJson);
    const again = await SecretBox.load(dir);
    expect(await again.decrypt(stored)).toBe(secretJson);
  });

  test("round trip, with upstream's prefix and iv|ciphertext|tag in base64", async () => {
    const box = await SecretBox.load(freshDir());
    for (const plain of [secretJson, "", "ünïcødé ✓ 秘密", "x".repeat(100_000)]) {
      const stored = await box.encrypt(plain);
      expect(stored).toMatch(/^k8s:enc:aesgcm:v1:skiff:[A-Za-z0-9+/]*={0,2}$/);
      expect(payloadOf(stored).length).toBe(12 + Buffer.byteLength(plain) + 16);
      expect(await box.decrypt(stored)).toBe(plain);
    }
  });

  test("the stored form is standard AES-256-GCM: node's cipher reads it with the key file", async () => {
    const dir = freshDir();
    const stored = await (await SecretBox.load(dir)).encrypt(secretJson);
    const bytes = payloadOf(stored);
    const decipher = createDecipheriv("aes-256-gcm", readFileSync(encryptionKeyPath(dir)), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString();
    expect(plain).toBe(secretJson);
  });

  test("each encryption uses a fresh IV and hides the plain text", async () => {
    const box = await SecretBox.load(freshDir());
    const a = await box.encrypt(secretJson);
    const b = await box.encrypt(secretJson);
    expect(a).not.toBe(b);
    expect(payloadOf(a).subarray(0, 12).equals(payloadOf(b).subarray(0, 12))).toBe(false);
    expect(a).not.toContain("hunter2");
    expect(a).not.toContain(Buffer.from("hunter2").toString("base64"));
    expect(a).not.toContain("Secret");
  });

  test("detects tampering with the IV, the ciphertext or the tag", async () => {
    const box = await SecretBox.load(freshDir());
    const stored = await box.encrypt(secretJson);
    const last = payloadOf(stored).length - 1;
    for (const at of [0, 11, 12, 40, last]) {
      const tampered = withPayload(stored, (b) => {
        b[at]! ^= 0x01;
      });
      const err = await errorOf(box.decrypt(tampered));
      expect(err).toBeInstanceOf(SecretBoxError);
      expect(String((err as Error).message)).toContain("altered");
    }
    const truncated = withPayload(stored, () => {});
    expect(await errorOf(box.decrypt(truncated.slice(0, truncated.length - 8)))).toBeInstanceOf(SecretBoxError);
    expect(await errorOf(box.decrypt("k8s:enc:aesgcm:v1:skiff:AAAA"))).toBeInstanceOf(SecretBoxError);
  });

  test("a box with another key cannot read the value", async () => {
    const stored = await (await SecretBox.load(freshDir())).encrypt(secretJson);
    const other = await SecretBox.load(freshDir());
    const err = await errorOf(other.decrypt(stored));
    expect(err).toBeInstanceOf(SecretBoxError);
  });

  test("refuses plain text, other providers and other key names", async () => {
    const box = await SecretBox.load(freshDir());
    const stored = await box.encrypt(secretJson);
    expect(await errorOf(box.decrypt(secretJson))).toBeInstanceOf(SecretBoxError);
    expect(await errorOf(box.decrypt(stored.replace("aesgcm", "aescbc")))).toBeInstanceOf(SecretBoxError);
    const renamed = await errorOf(box.decrypt(stored.replace(":skiff:", ":old-key:")));
    expect(renamed).toBeInstanceOf(SecretBoxError);
    expect(String((renamed as Error).message)).toContain("old-key");
  });

  test("a key file of the wrong size is an error and is left as it is", async () => {
    const dir = freshDir();
    await SecretBox.load(dir);
    const path = encryptionKeyPath(dir);
    writeFileSync(path, "short");
    const err = await errorOf(SecretBox.load(dir));
    expect(err).toBeInstanceOf(SecretBoxError);
    expect(readFileSync(path, "utf8")).toBe("short");
  });
});
