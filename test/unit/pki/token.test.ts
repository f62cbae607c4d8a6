// Join tokens: k3s's K10 format, its CA hash, parsing, and the token files of a server.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureServerPki, tlsPaths } from "../../../src/server/pki/ca.ts";
import { createLeaf } from "../../../src/server/pki/issue.ts";
import { generateKeyPair, keyPairFromPem } from "../../../src/server/pki/keys.ts";
import { caHash, ensureTokens, formatJoinToken, parseJoinToken, randomSecret, TokenError } from "../../../src/server/pki/token.ts";
import { x509 } from "../../../src/server/pki/x509.ts";

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-pki-token-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** sha256sum, the tool k3s's docs point to for checking a token's hash by hand. */
function sha256sumOf(data: string | Uint8Array): string {
  const file = join(freshDir(), "data");
  writeFileSync(file, data);
  const r = Bun.spawnSync(["sha256sum", file]);
  if (r.exitCode !== 0) throw new Error(`sha256sum failed (apt-get install -y coreutils): ${r.stderr.toString()}`);
  return r.stdout.toString().split(" ")[0]!;
}

async function newCaPem(): Promise<string> {
  return (await ensureServerPki(freshDir(), { hostname: "h", bindAddress: "0.0.0.0" })).caPem;
}

describe("caHash", () => {
  test("is the SHA-256 of the CA file's bytes, as sha256sum prints it", async () => {
    const pem = await newCaPem();
    expect(caHash(pem)).toBe(sha256sumOf(pem));
    // The bytes matter: the same certificate without its trailing newline hashes differently.
    expect(caHash(pem.trimEnd())).not.toBe(caHash(pem));
  });

  test("for a bundle, hashes the DER of the root the first certificate chains to", async () => {
    const dir = freshDir();
    const { caPem } = await ensureServerPki(dir, { hostname: "h", bindAddress: "0.0.0.0" });
    const caKeys = await keyPairFromPem(await Bun.file(tlsPaths(dir).caKey).text());
    const root = new x509.X509Certificate(caPem);
    const inter = await createLeaf({ ca: { cert: root, keys: caKeys }, publicKey: (await generateKeyPair()).publicKey, commonName: "intermediate", usage: "server" });
    const bundle = `${inter.toString("pem")}\n${caPem}`;
    const rootDerHash = sha256sumOf(new Uint8Array(root.rawData));
    expect(caHash(bundle)).toBe(rootDerHash);
    // Re-formatting the bundle text keeps the hash: it is the root's, not the file's.
    expect(caHash(bundle.replace(/\n/g, "\r\n") + "\n\n")).toBe(rootDerHash);
  });

  test("a bundle that does not chain falls back to the bytes", async () => {
    const a = await newCaPem();
    const b = await newCaPem();
    expect(caHash(a + b)).toBe(sha256sumOf(a + b));
  });
});

describe("formatJoinToken / parseJoinToken", () => {
  test("round trip of the cluster secret", async () => {
    const pem = await newCaPem();
    const secret = randomSecret();
    const token = formatJoinToken(pem, secret);
    expect(token).toBe(`K10${sha256sumOf(pem)}::server:${secret}`);
    expect(parseJoinToken(token)).toEqual({ caHash: caHash(pem), username: "server", secret });
  });

  test("a bootstrap token keeps k3s's <id>.<secret> credentials without a user name", async () => {
    const pem = await newCaPem();
    const token = formatJoinToken(pem, "abcdef.0123456789abcdef");
    expect(token).toBe(`K10${caHash(pem)}::abcdef.0123456789abcdef`);
    expect(parseJoinToken(token)).toEqual({ caHash: caHash(pem), username: "", secret: "abcdef.0123456789abcdef" });
  });

  test("a secret with colons survives the round trip", async () => {
    const pem = await newCaPem();
    expect(parseJoinToken(formatJoinToken(pem, "a:b::c"))?.secret).toBe("a:b::c");
  });

  test("accepts a bare secret, without a CA hash", () => {
    expect(parseJoinToken("  s3cret \n")).toEqual({ username: "", secret: "s3cret" });
    expect(parseJoinToken("abcdef.0123456789abcdef")).toEqual({ username: "", secret: "abcdef.0123456789abcdef" });
  });

  test("an empty hash means no CA check; an upper-case hash is read as lower case", () => {
    expect(parseJoinToken("K10::server:x")).toEqual({ username: "server", secret: "x" });
    const h = "AB".repeat(32);
    expect(parseJoinToken(`K10${h}::node:y`)).toEqual({ caHash: h.toLowerCase(), username: "node", secret: "y" });
  });

  test("rejects malformed tokens", () => {
    const h = "0".repeat(64);
    for (const bad of ["", "   ", `K10${h.slice(1)}::server:x`, `K10${"z".repeat(64)}::server:x`, `K10${h}::nocolon`, `K10${h}::server:`, `K10${h}::`]) {
      expect(parseJoinToken(bad)).toBeNull();
    }
  });

  test("random secrets are hex of the requested length and differ", () => {
    expect(randomSecret()).toMatch(/^[0-9a-f]{32}$/);
    expect(randomSecret(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(randomSecret()).not.toBe(randomSecret());
  });
});

describe("ensureTokens", () => {
  test("creates the join token and admin token files once, mode 0600", async () => {
    const dir = freshDir();
    const pem = await newCaPem();
    const first = await ensureTokens(dir, pem, {});
    expect(first.joinToken).toBe(formatJoinToken(pem, first.secret));
    expect((await Bun.file(join(dir, "token")).text()).trim()).toBe(first.joinToken);
    expect((await Bun.file(join(dir, "admin-token")).text()).trim()).toBe(first.adminToken);
    expect(statSync(join(dir, "token")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "admin-token")).mode & 0o777).toBe(0o600);
    expect(first.adminToken).not.toBe(first.secret);
    expect(await ensureTokens(dir, pem, {})).toEqual(first);
  });

  test("--token sets the secret, as a bare secret or a full token", async () => {
    const dir = freshDir();
    const pem = await newCaPem();
    const before = await ensureTokens(dir, pem, {});
    const bare = await ensureTokens(dir, pem, { secret: "my-cluster-secret" });
    expect(bare.secret).toBe("my-cluster-secret");
    expect(bare.adminToken).toBe(before.adminToken);
    expect((await Bun.file(join(dir, "token")).text()).trim()).toBe(`K10${caHash(pem)}::server:my-cluster-secret`);
    const full = await ensureTokens(dir, pem, { secret: formatJoinToken(pem, "other") });
    expect(full.secret).toBe("other");
    // Without --token the stored secret stays.
    expect((await ensureTokens(dir, pem, {})).secret).toBe("other");
  });

  test("a --token whose CA hash names another CA is refused", async () => {
    const pem = await newCaPem();
    const foreign = formatJoinToken(await newCaPem(), "x");
    const err = await ensureTokens(freshDir(), pem, { secret: foreign }).catch((e) => e);
    expect(err).toBeInstanceOf(TokenError);
  });

  test("a new CA rewrites the stored token's hash and keeps its secret", async () => {
    const dir = freshDir();
    const old = await ensureTokens(dir, await newCaPem(), {});
    const pem = await newCaPem();
    const now = await ensureTokens(dir, pem, {});
    expect(now.secret).toBe(old.secret);
    expect(now.joinToken).toBe(formatJoinToken(pem, old.secret));
    expect((await Bun.file(join(dir, "token")).text()).trim()).toBe(now.joinToken);
  });
});
