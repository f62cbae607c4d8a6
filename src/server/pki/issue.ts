// Certificate builders: the cluster CA and the leaf certificates it signs.
import { canonicalIp, type SanSet } from "./sans.ts";
import { EC_ALG, x509 } from "./x509.ts";

export type Certificate = InstanceType<typeof x509.X509Certificate>;
export type SigningCa = { cert: Certificate; keys: CryptoKeyPair };

const DAY_MS = 24 * 60 * 60 * 1000;
export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
/** Leaf certificates start an hour in the past so a peer whose clock lags a little still accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;

/** A random positive 128-bit serial (the top bit clear keeps the DER integer positive). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

/** RDN values are quoted so that commas or plus signs in a name stay inside it. */
function dn(commonName: string, organizations: string[] = []): string {
  const q = (v: string) => `"${v.replace(/(["\\])/g, "\\$1")}"`;
  return [`CN=${q(commonName)}`, ...organizations.map((o) => `O=${q(o)}`)].join(", ");
}

export async function createCa(keys: CryptoKeyPair, now = new Date()): Promise<Certificate> {
  const name = dn(`skiff-ca@${Math.floor(now.getTime() / 1000)}`);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    keys,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: EC_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

export async function createLeaf(opts: {
  ca: SigningCa;
  publicKey: CryptoKey;
  commonName: string;
  organizations?: string[];
  /** "peer": both, as an etcd member's certificate (it serves, and dials its peers and its own gateway). */
  usage: "server" | "client" | "peer";
  sans?: SanSet;
  now?: Date;
}): Promise<Certificate> {
  const now = opts.now ?? new Date();
  const eku = { server: [x509.ExtendedKeyUsage.serverAuth], client: [x509.ExtendedKeyUsage.clientAuth], peer: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] }[opts.usage];
  const extensions: InstanceType<typeof x509.Extension>[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // ECDSA keys only sign; key encipherment belongs to RSA key exchange.
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(eku),
    await x509.AuthorityKeyIdentifierExtension.create(opts.ca.keys.publicKey),
  ];
  if (opts.sans) {
    const names = [...opts.sans.dns.map((value) => ({ type: "dns" as const, value })), ...opts.sans.ips.map((value) => ({ type: "ip" as const, value }))];
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: dn(opts.commonName, opts.organizations),
    issuer: opts.ca.cert.subject,
    publicKey: opts.publicKey,
    signingKey: opts.ca.keys.privateKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: EC_ALG,
    extensions,
  });
}

/** The DNS names and IPs a certificate names in its SAN extension. */
export function sansOf(cert: Certificate): SanSet {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const set: SanSet = { dns: [], ips: [] };
  for (const n of ext?.names.items ?? []) {
    if (n.type === "dns") set.dns.push(n.value.toLowerCase());
    else if (n.type === "ip") set.ips.push(canonicalIp(n.value));
  }
  return set;
}

/** True when `cert` carries a valid signature of `ca` and names it as issuer. */
export async function signedBy(cert: Certificate, ca: Certificate): Promise<boolean> {
  if (cert.issuer !== ca.subject) return false;
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true }).catch(() => false);
}
