// How a joining node learns to trust a server it has never seen: fetch the CA from the
// unauthenticated /cacerts without checking TLS, compare its hash with the one in the join
// token, then connect again trusting only that CA, so the server proves it holds a
// certificate the CA signed (the CA itself is public; a copy proves nothing).
import { caHash, parseJoinToken } from "./token.ts";

export const CA_MISMATCH_MESSAGE = "the server's CA certificate does not match the hash in the join token";
const TIMEOUT_MS = 10_000;

/** Error codes with which TLS verification fails (OpenSSL's names, as Bun reports them). */
const CERT_FAILURE = /CERT|SIGNATURE|ALTNAME|SELF_SIGNED|ISSUER/;

function errCode(e: unknown): string {
  return String((e as { code?: unknown })?.code ?? "");
}

/**
 * Returns the server's CA bundle (PEM, exactly as served) once it matches the token's CA
 * hash and the server's certificate verifies against it. A bare secret carries no hash:
 * the CA is then trusted as first seen, as k3s does. Errors whose message contains
 * "does not match" are permanent (wrong server, wrong token, missing certificate name);
 * others (network, server not up yet) are worth retrying.
 */
export async function fetchAndVerifyCa(serverUrl: string, token: string): Promise<string> {
  const parsed = parseJoinToken(token);
  if (!parsed) throw new Error("the join token is malformed: expected K10<CA hash>::server:<secret>, K10<CA hash>::<id>.<secret> or a bare secret");
  let url: URL;
  try {
    url = new URL("/cacerts", serverUrl);
  } catch {
    throw new Error(`invalid server URL "${serverUrl}"`);
  }
  if (url.protocol !== "https:") throw new Error(`the server URL must use https:// (got ${serverUrl})`);

  let caPem: string;
  try {
    const res = await fetch(url, { tls: { rejectUnauthorized: false }, signal: AbortSignal.timeout(TIMEOUT_MS) } as RequestInit);
    if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
    caPem = await res.text();
  } catch (e) {
    throw new Error(`cannot fetch the CA certificate from ${url}: ${(e as Error).message}`);
  }
  if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`${url} did not return a PEM certificate`);

  if (parsed.caHash) {
    let actual = "";
    try {
      actual = caHash(caPem);
    } catch {
      // An unparsable bundle cannot match any hash.
    }
    if (actual !== parsed.caHash) throw new Error(CA_MISMATCH_MESSAGE);
  }

  try {
    await fetch(url, { tls: { ca: caPem }, signal: AbortSignal.timeout(TIMEOUT_MS) } as RequestInit);
  } catch (e) {
    const code = errCode(e);
    if (/ALTNAME/.test(code)) throw new Error(`the server's TLS certificate does not match the address ${url.hostname}: the server's serving certificate must name it (an extra SAN)`);
    if (CERT_FAILURE.test(code)) throw new Error(`the server's TLS certificate does not match its CA certificate (${code})`);
    throw new Error(`cannot verify the server's TLS certificate at ${url}: ${(e as Error).message}`);
  }
  return caPem;
}
