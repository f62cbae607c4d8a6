// ECDSA P-256 key pairs as PKCS#8 PEM ("PRIVATE KEY"), the form Bun.serve, Go and openssl all read.
import { EC_ALG, x509 } from "./x509.ts";

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_ALG, true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Reads a PKCS#8 PEM key back into a pair; WebCrypto cannot derive the public half from
 *  a private key, but its JWK form carries the public point, so the pair is rebuilt from that. */
export async function keyPairFromPem(pem: string): Promise<CryptoKeyPair> {
  const der = x509.PemConverter.decodeFirst(pem);
  const privateKey = await crypto.subtle.importKey("pkcs8", der, EC_ALG, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true }, EC_ALG, true, ["verify"]);
  return { privateKey, publicKey };
}

/** True when `publicKey` is the public half of the certificate's key. */
export async function certMatchesKey(cert: InstanceType<typeof x509.X509Certificate>, publicKey: CryptoKey): Promise<boolean> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const certSpki = new Uint8Array(cert.publicKey.rawData);
  return spki.length === certSpki.length && spki.every((b, i) => b === certSpki[i]);
}
