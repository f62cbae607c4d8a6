// What every server of one cluster must share — the CA, the Secret-encryption key, the
// service-account signing key and the admin token — kept in etcd beside the objects,
// encrypted with the cluster secret (the --token), as k3s's bootstrap data: a server that
// starts with the first one's token finds them there and needs no files copied by hand.
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { b64, EtcdClient, prefixEnd, unb64 } from "../store/etcd/client.ts";
import { writePrivateFile } from "./pki/files.ts";
import { parseJoinToken } from "./pki/token.ts";

/** Files under DATA/server that the servers of one cluster share. */
export const SHARED_FILES = ["tls/ca.crt", "tls/ca.key", "cred/encryption.key", "cred/service-account.key", "admin-token"] as const;

/** Keys of the cluster secrets sit beside the objects' prefix ("/registry/" → "/bootstrap/", as k3s). */
export function secretsKeyBase(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed.endsWith("/registry") || trimmed === "/registry" ? `${trimmed.slice(0, -"registry".length)}bootstrap/` : `${trimmed}.bootstrap/`;
}

/** The key for one secret: a hash of it, so the key does not reveal the secret. */
export const sealedSecretsKey = (base: string, secret: string) => base + createHash("sha256").update(secret).digest("hex").slice(0, 12);

function seal(secret: string, plain: Buffer): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = pbkdf2Sync(secret, salt, 100_000, 32, "sha256");
  const c = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return JSON.stringify({ v: 1, salt: salt.toString("base64"), iv: iv.toString("base64"), tag: c.getAuthTag().toString("base64"), data: body.toString("base64") });
}

function open(secret: string, sealed: string): Buffer {
  const s = JSON.parse(sealed) as { salt: string; iv: string; tag: string; data: string };
  const key = pbkdf2Sync(secret, Buffer.from(s.salt, "base64"), 100_000, 32, "sha256");
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(s.iv, "base64"));
  d.setAuthTag(Buffer.from(s.tag, "base64"));
  return Buffer.concat([d.update(Buffer.from(s.data, "base64")), d.final()]);
}

export class ClusterSecretsError extends Error {}

/** The cluster secret this start uses: from --token, else from the token file of an earlier start. */
export function clusterSecretOf(serverDir: string, token: string | undefined): string | undefined {
  const text = token?.trim() || (existsSync(join(serverDir, "token")) ? readFileSync(join(serverDir, "token"), "utf8").trim() : "");
  if (!text) return undefined;
  return parseJoinToken(text)?.secret;
}

/**
 * Before the server makes its own PKI: when etcd holds this cluster's secrets, write them
 * into `serverDir` and say "joined"; when it holds none, "first" (the caller publishes its own).
 * A start without a secret on an etcd that holds a cluster's secrets is refused: it could
 * read none of its Secrets.
 */
export async function fetchClusterSecrets(client: EtcdClient, base: string, serverDir: string, secret: string | undefined): Promise<"joined" | "first"> {
  if (secret) {
    const found = await client.range(b64(sealedSecretsKey(base, secret)), undefined);
    const kv = found.kvs?.[0];
    if (kv) {
      writeShared(serverDir, decode(secret, unb64(kv.value)));
      return "joined";
    }
  }
  const any = await client.range(b64(base), prefixEnd(base), { count_only: true });
  if (Number(any.count ?? 0) > 0) {
    throw new ClusterSecretsError(secret ? "the datastore holds another cluster (its data is sealed with another token): start with the first server's --token" : "the datastore already holds a cluster: start with --token set to the first server's token (DATA/server/token on it)");
  }
  return "first";
}

/**
 * After the first server made its PKI and keys: store them, sealed with the secret, unless
 * another server stored its own first; then theirs are written here and "adopted" says so
 * (the caller loads its PKI again).
 */
export async function publishClusterSecrets(client: EtcdClient, base: string, serverDir: string, secret: string): Promise<"published" | "adopted"> {
  const key = b64(sealedSecretsKey(base, secret));
  const files: Record<string, string> = {};
  for (const f of SHARED_FILES) files[f] = readFileSync(join(serverDir, f)).toString("base64");
  const value = b64(seal(secret, Buffer.from(JSON.stringify(files))));
  const res = await client.txn({
    compare: [{ key, target: "CREATE", create_revision: "0", result: "EQUAL" }],
    success: [{ request_put: { key, value } }],
    failure: [{ request_range: { key } }],
  });
  if (res.succeeded) return "published";
  const theirs = res.responses?.[0]?.response_range?.kvs?.[0];
  // Re-sent after a member failed and applied the first time: the stored value is ours.
  if (!theirs || theirs.value === value) return "published";
  writeShared(serverDir, decode(secret, unb64(theirs.value)));
  return "adopted";
}

function decode(secret: string, sealed: string): Record<string, string> {
  try {
    return JSON.parse(open(secret, sealed).toString("utf8")) as Record<string, string>;
  } catch {
    throw new ClusterSecretsError("the cluster secrets in the datastore do not open with this --token");
  }
}

function writeShared(serverDir: string, files: Record<string, string>) {
  const tls = join(serverDir, "tls");
  const caChanged = existsSync(join(tls, "ca.crt")) && files["tls/ca.crt"] !== readFileSync(join(tls, "ca.crt")).toString("base64");
  for (const f of SHARED_FILES) {
    const data = files[f];
    if (data === undefined) continue;
    mkdirSync(dirname(join(serverDir, f)), { recursive: true, mode: 0o700 });
    writePrivateFile(join(serverDir, f), Buffer.from(data, "base64"));
  }
  // A serving certificate of another CA is made again from the cluster's.
  if (caChanged) for (const f of ["serving.crt", "serving.key"]) rmSync(join(tls, f), { force: true });
}

/** A joining server's copy of the secrets (sealed, as a running server handed them over): opened and written into `serverDir`. */
export function adoptSealedSecrets(serverDir: string, secret: string, sealed: string): void {
  writeShared(serverDir, decode(secret, sealed));
}
