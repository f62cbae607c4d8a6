// The one place @peculiar/x509 is loaded: it needs a Reflect metadata polyfill evaluated
// before it, and a WebCrypto provider (Bun's global crypto).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };

/** ECDSA P-256 with SHA-256: small keys and signatures, accepted by every TLS stack we meet. */
export const EC_ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
