// Joining: verify the server against the join token's CA hash, then trade the token (and
// this node's password) for a node credential kept under the data dir (mode 0600).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fetchAndVerifyCa } from "../server/pki/verify-ca.ts";

export type NodeCredential = {
  server: string;
  nodeName: string;
  token: string;
  caPem: string;
  proxyToken: string;
  servingCertPem: string;
  servingKeyPem: string;
  /** The cluster's ClusterIP range, as the server gave it (absent from credentials of older servers). */
  serviceCidr?: string;
};

export class JoinRefused extends Error {}

function readOr(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

/** The node's password: made once per data dir, so the same agent can always re-join. */
function nodePassword(agentDir: string): string {
  const path = join(agentDir, "node-password");
  const existing = readOr(path);
  if (existing) return existing;
  const fresh = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex");
  writeFileSync(path, fresh + "\n", { mode: 0o600 });
  return fresh;
}

/**
 * Returns the stored credential when this data dir already joined this server as this
 * node; otherwise joins. Network errors are retried with back-off by the caller; a
 * wrong token or a refused node name throws JoinRefused.
 */
export async function ensureCredential(opts: { agentDir: string; server: string; knownServers?: string[]; token: string; nodeName: string }): Promise<NodeCredential> {
  mkdirSync(opts.agentDir, { recursive: true, mode: 0o700 });
  const credPath = join(opts.agentDir, "node-credential.json");
  const stored = readOr(credPath);
  if (stored) {
    const cred = JSON.parse(stored) as NodeCredential;
    // A credential from any server of the cluster holds on all of them (they share one store and CA).
    if ((cred.server === opts.server || opts.knownServers?.includes(cred.server)) && cred.nodeName === opts.nodeName) return cred;
  }
  const caPem = await fetchAndVerifyCa(opts.server, opts.token).catch((e: Error) => {
    if (/does not match|is malformed/.test(e.message)) throw new JoinRefused(e.message);
    throw e;
  });
  const cred = await requestNodeCredential({ server: opts.server, token: opts.token, caPem, nodeName: opts.nodeName, password: nodePassword(opts.agentDir) });
  writeFileSync(credPath, JSON.stringify(cred), { mode: 0o600 });
  return cred;
}

/** Trades a join token and a node password for the node's credential (the server's CA already verified). */
export async function requestNodeCredential(opts: { server: string; token: string; caPem: string; nodeName: string; password: string }): Promise<NodeCredential> {
  const res = await fetch(`${opts.server}/v1-skiff/join`, {
    method: "POST",
    headers: { Authorization: `Bearer ${opts.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ nodeName: opts.nodeName, password: opts.password }),
    tls: { ca: opts.caPem },
  } as RequestInit);
  const body = (await res.json().catch(() => ({}))) as { token?: string; proxyToken?: string; servingCertPem?: string; servingKeyPem?: string; serviceCidr?: string; message?: string };
  if (res.status === 401) throw new JoinRefused("the server refused the join token (401 Unauthorized): check --token");
  if (!res.ok || !body.token) throw new JoinRefused(`the server refused to join node "${opts.nodeName}" (${res.status}): ${body.message ?? "no reason given"}`);
  return { server: opts.server, nodeName: opts.nodeName, token: body.token, caPem: opts.caPem, proxyToken: body.proxyToken!, servingCertPem: body.servingCertPem!, servingKeyPem: body.servingKeyPem!, serviceCidr: body.serviceCidr };
}
