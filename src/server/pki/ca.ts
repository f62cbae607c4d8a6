// The server's TLS material under DIR/server/tls: a long-lived cluster CA and a serving
// certificate it signs. The CA is made once and kept; the serving certificate is derived
// data, re-issued with the same CA whenever it no longer fits (as k3s does), so clients
// that trust the CA (kubeconfigs, joined agents) keep working across re-issues.
import { join } from "node:path";
import { createCa, createLeaf, sansOf, signedBy, type Certificate, type SigningCa } from "./issue.ts";
import { certMatchesKey, generateKeyPair, keyPairFromPem, privateKeyToPem } from "./keys.ts";
import { readIfExists, writePrivateFile } from "./files.ts";
import { missingSans, requestedSans, sanSetOf, unionSans } from "./sans.ts";
import { x509 } from "./x509.ts";

/** A serving certificate closer than this to its end is re-issued at startup. */
export const RENEW_BEFORE_MS = 90 * 24 * 60 * 60 * 1000;

export function tlsPaths(serverDir: string) {
  const dir = join(serverDir, "tls");
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    servingCert: join(dir, "serving.crt"),
    servingKey: join(dir, "serving.key"),
  };
}

export class PkiError extends Error {}

function parseCert(pem: string): Certificate {
  return new x509.X509Certificate(pem);
}

/** Loads the CA with its key; throws PkiError when it is absent, half present or broken. */
async function readCa(serverDir: string): Promise<{ ca: SigningCa; pem: string } | undefined> {
  const paths = tlsPaths(serverDir);
  const certPem = readIfExists(paths.caCert);
  const keyPem = readIfExists(paths.caKey);
  if (certPem === undefined && keyPem === undefined) return undefined;
  // Making a new CA here would silently cut off every agent and kubeconfig that trusts the old one.
  if (certPem === undefined || keyPem === undefined) {
    const missing = certPem === undefined ? paths.caCert : paths.caKey;
    throw new PkiError(`${missing} is missing while its pair exists: restore it, or remove both ca.crt and ca.key to create a new CA`);
  }
  let cert: Certificate;
  let keys: CryptoKeyPair;
  try {
    cert = parseCert(certPem);
    keys = await keyPairFromPem(keyPem);
  } catch (e) {
    throw new PkiError(`cannot read the CA in ${paths.dir}: ${(e as Error).message}`);
  }
  if (!(await certMatchesKey(cert, keys.publicKey))) throw new PkiError(`${paths.caKey} is not the key of ${paths.caCert}`);
  return { ca: { cert, keys }, pem: certPem };
}

async function loadOrCreateCa(serverDir: string): Promise<{ ca: SigningCa; pem: string }> {
  const existing = await readCa(serverDir);
  if (existing) return existing;
  const paths = tlsPaths(serverDir);
  const keys = await generateKeyPair();
  const cert = await createCa(keys);
  const pem = cert.toString("pem") + "\n";
  // Key first: a crash between the writes leaves a key without a cert, which readCa reports.
  writePrivateFile(paths.caKey, await privateKeyToPem(keys.privateKey));
  writePrivateFile(paths.caCert, pem);
  return { ca: { cert, keys }, pem };
}

/** The existing serving key pair, when it is readable. */
async function readServingKey(path: string): Promise<{ keys: CryptoKeyPair; pem: string } | undefined> {
  const pem = readIfExists(path);
  if (pem === undefined) return undefined;
  try {
    return { keys: await keyPairFromPem(pem), pem };
  } catch {
    return undefined;
  }
}

function readServingCert(path: string): Certificate | undefined {
  const pem = readIfExists(path);
  if (pem === undefined) return undefined;
  try {
    return parseCert(pem);
  } catch {
    return undefined;
  }
}

/**
 * Loads DIR/server/tls/{ca.crt,ca.key,serving.crt,serving.key}, creating what is missing.
 * The serving certificate names localhost, the in-cluster kubernetes names, the host name,
 * loopback addresses, the bind address (unless a wildcard) and `extraSans`. It is re-issued
 * with the same CA when it lacks a requested name, nears expiry, does not match its key or
 * was not signed by this CA. Names of the old certificate are kept, so alternating options
 * do not re-issue it at every start.
 */
export async function ensureServerPki(
  serverDir: string,
  opts: { hostname: string; bindAddress: string; extraSans?: string[] },
): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const paths = tlsPaths(serverDir);
  const { ca, pem: caPem } = await loadOrCreateCa(serverDir);
  const wanted = requestedSans(opts);

  const servingKey = await readServingKey(paths.servingKey);
  const current = readServingCert(paths.servingCert);
  if (current && servingKey) {
    const covers = (() => {
      const missing = missingSans(sansOf(current), wanted);
      return missing.dns.length === 0 && missing.ips.length === 0;
    })();
    const fresh = current.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS;
    if (covers && fresh && (await certMatchesKey(current, servingKey.keys.publicKey)) && (await signedBy(current, ca.cert))) {
      return { caPem, certPem: readIfExists(paths.servingCert)!, keyPem: servingKey.pem };
    }
  }

  // Keep the serving key across re-issues (clients pinning it, if any, keep working).
  const keys = servingKey?.keys ?? (await generateKeyPair());
  const keyPem = servingKey?.pem ?? (await privateKeyToPem(keys.privateKey));
  const sans = current && (await signedBy(current, ca.cert)) ? unionSans(sansOf(current), wanted) : wanted;
  const cert = await createLeaf({ ca, publicKey: keys.publicKey, commonName: "skiff", organizations: ["skiff"], usage: "server", sans });
  const certPem = cert.toString("pem") + "\n";
  if (!servingKey) writePrivateFile(paths.servingKey, keyPem);
  writePrivateFile(paths.servingCert, certPem);
  return { caPem, certPem, keyPem };
}

async function requireCa(serverDir: string): Promise<SigningCa> {
  const loaded = await readCa(serverDir);
  if (!loaded) throw new PkiError(`no CA in ${tlsPaths(serverDir).dir}: start the server once to create it`);
  return loaded.ca;
}

/** Issues a client certificate (e.g. for a node agent) signed by the server's CA. The key never touches disk here. */
export async function issueClientCert(serverDir: string, commonName: string, organizations: string[]): Promise<{ certPem: string; keyPem: string }> {
  const ca = await requireCa(serverDir);
  const keys = await generateKeyPair();
  const cert = await createLeaf({ ca, publicKey: keys.publicKey, commonName, organizations, usage: "client" });
  return { certPem: cert.toString("pem") + "\n", keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * Issues the serving certificate of a node agent's HTTPS port, signed by the server's CA,
 * named as upstream names kubelet serving certificates (CN system:node:NAME, O system:nodes).
 * SANs: the node name, localhost and loopback, plus `extraSans` (e.g. the node's addresses).
 */
export async function issueServingCert(serverDir: string, nodeName: string, extraSans: string[] = []): Promise<{ certPem: string; keyPem: string }> {
  const ca = await requireCa(serverDir);
  const keys = await generateKeyPair();
  const sans = sanSetOf([nodeName, "localhost", "127.0.0.1", "::1", ...extraSans]);
  const cert = await createLeaf({ ca, publicKey: keys.publicKey, commonName: `system:node:${nodeName}`, organizations: ["system:nodes"], usage: "server", sans });
  return { certPem: cert.toString("pem") + "\n", keyPem: await privateKeyToPem(keys.privateKey) };
}

/** Issues an etcd member's certificate (server and client use: it serves clients and peers, and dials both). */
export async function issuePeerCert(serverDir: string, commonName: string, names: string[]): Promise<{ certPem: string; keyPem: string }> {
  const ca = await requireCa(serverDir);
  const keys = await generateKeyPair();
  const cert = await createLeaf({ ca, publicKey: keys.publicKey, commonName, organizations: ["skiff-etcd"], usage: "peer", sans: sanSetOf(["localhost", "127.0.0.1", "::1", ...names]) });
  return { certPem: cert.toString("pem") + "\n", keyPem: await privateKeyToPem(keys.privateKey) };
}
