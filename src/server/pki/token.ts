// Join tokens in k3s's format, K10<CA hash>::<credentials>: the hash lets a joining node
// check the server's CA before sending the credentials; the credentials are either
// "server:<cluster secret>" or a bootstrap token "<id>.<secret>". A bare secret is accepted
// too, without the CA check.
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { readIfExists, writePrivateFile } from "./files.ts";

const PREFIX = "K10";
const HASH = /^[0-9a-f]{64}$/i;
const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CLUSTER_USER = "server";

export class TokenError extends Error {}

const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * The CA hash k3s puts in tokens: for a single certificate, the SHA-256 of the PEM text
 * exactly as served (so the bytes matter, trailing newline included); for a bundle, the
 * SHA-256 of the DER of the root that the first certificate chains to, so a renewed
 * intermediate keeps old tokens valid. A bundle that does not chain falls back to the bytes.
 */
export function caHash(caPem: string): string {
  const blocks = caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length > 1) {
    const root = rootOf(blocks.map((b) => new X509Certificate(b)));
    if (root) return sha256Hex(new Uint8Array(root.raw));
  }
  return sha256Hex(caPem);
}

/** Follows issuers from the first certificate through the rest of the bundle to a self-signed root. */
function rootOf(certs: X509Certificate[]): X509Certificate | undefined {
  const [first, ...others] = certs;
  let current = first!;
  for (let depth = 0; depth < others.length; depth++) {
    const issuer = others.find((c) => c !== current && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer) return undefined;
    if (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey)) return issuer;
    current = issuer;
  }
  return undefined;
}

/** K10<hash>::server:<secret>, or K10<hash>::<id>.<secret> for a bootstrap token. */
export function formatJoinToken(caPem: string, secret: string): string {
  const creds = BOOTSTRAP_TOKEN.test(secret) ? secret : `${CLUSTER_USER}:${secret}`;
  return `${PREFIX}${caHash(caPem)}::${creds}`;
}

/**
 * Splits a token into its CA hash (absent for bare secrets and for an empty hash), user
 * name ("" for bare secrets and bootstrap tokens) and secret; null when it is malformed.
 */
export function parseJoinToken(token: string): { caHash?: string; username: string; secret: string } | null {
  const t = token.trim();
  if (!t) return null;
  const sep = t.indexOf("::");
  if (!t.startsWith(PREFIX) || sep < 0) return { username: "", secret: t };
  const hash = t.slice(PREFIX.length, sep);
  const creds = t.slice(sep + 2);
  if (hash !== "" && !HASH.test(hash)) return null;
  const withHash = hash ? { caHash: hash.toLowerCase() } : {};
  if (BOOTSTRAP_TOKEN.test(creds)) return { ...withHash, username: "", secret: creds };
  const colon = creds.indexOf(":");
  if (colon < 0 || colon === creds.length - 1) return null;
  return { ...withHash, username: creds.slice(0, colon), secret: creds.slice(colon + 1) };
}

/** Random bytes as hex; 16 bytes (128 bits) by default, as k3s generates its server token. */
export function randomSecret(bytes = 16): string {
  return randomBytes(bytes).toString("hex");
}

/**
 * Loads or creates DIR/server/token (the join token, 0600) and DIR/server/admin-token (the
 * admin bearer token, 0600). `secret` (the --token flag: a bare secret or a full K10 token)
 * sets the cluster secret; otherwise the stored one is kept, or a random one made. The
 * token file is rewritten whenever its text differs, so its CA hash always matches the CA.
 */
export async function ensureTokens(serverDir: string, caPem: string, opts: { secret?: string }): Promise<{ joinToken: string; secret: string; adminToken: string }> {
  const tokenPath = join(serverDir, "token");
  const stored = readIfExists(tokenPath)?.trim();

  let secret: string;
  if (opts.secret !== undefined && opts.secret.trim() !== "") {
    const given = parseJoinToken(opts.secret);
    if (!given) throw new TokenError("the --token value is not a valid join token");
    if (given.caHash && given.caHash !== caHash(caPem)) throw new TokenError("the CA hash in --token does not match this server's CA certificate");
    secret = given.secret;
  } else if (stored) {
    const parsed = parseJoinToken(stored);
    if (!parsed) throw new TokenError(`${tokenPath} does not hold a valid join token: fix it, or remove it to create a new one`);
    secret = parsed.secret;
  } else {
    secret = randomSecret();
  }

  const joinToken = formatJoinToken(caPem, secret);
  if (stored !== joinToken) writePrivateFile(tokenPath, joinToken + "\n");

  return { joinToken, secret, adminToken: ensureAdminToken(serverDir) };
}

/** DIR/server/admin-token (the admin bearer token, 0600), made on first use. */
export function ensureAdminToken(serverDir: string): string {
  const adminPath = join(serverDir, "admin-token");
  let adminToken = readIfExists(adminPath)?.trim();
  if (!adminToken) {
    adminToken = randomSecret(32);
    writePrivateFile(adminPath, adminToken + "\n");
  }
  return adminToken;
}
