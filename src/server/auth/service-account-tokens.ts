// Service account tokens as upstream's kube-apiserver issues and checks them: RS256 JWTs
// signed by a key under DATA/server/cred (made at first start, kept across restarts), with
// the issuer, audiences, expiry and the `kubernetes.io` claim naming the namespace, the
// service account and, when bound, the pod.
//
// Signing goes through jose. Checking is synchronous (authentication runs on every request
// and is synchronous): one RSA verification of node:crypto, then the claims.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify as verifySignature, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { SignJWT, importPKCS8 } from "jose";
import { createPrivateFileOnce, readIfExists } from "../pki/files.ts";

export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** The API server's own audiences (--api-audiences defaults to the issuer). */
export const API_AUDIENCES = [SERVICE_ACCOUNT_ISSUER];
/** A projected token lives an hour and 7 s, as the ServiceAccount admission asks; one second more than the hour the agent refreshes at 80 % of. */
export const PROJECTED_TOKEN_SECONDS = 3607;
const ALG = "RS256";
/** Clocks of the nodes and the server may differ a little (upstream allows a minute). */
const LEEWAY_S = 60;

export type ObjectRef = { name: string; uid: string };

export type ServiceAccountClaims = {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  "kubernetes.io": {
    namespace: string;
    serviceaccount: ObjectRef;
    pod?: ObjectRef;
    secret?: ObjectRef;
    node?: ObjectRef;
    warnafter?: number;
  };
};

export type TokenGrant = {
  namespace: string;
  serviceAccount: ObjectRef;
  audiences?: string[];
  expirationSeconds: number;
  bound?: { kind: "Pod" | "Secret" | "Node"; ref: ObjectRef };
  /** Seconds since the epoch; now by default. */
  now?: number;
};

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The claims of a token for this grant (the payload, before signing). */
export function claimsFor(grant: TokenGrant, jti: string = crypto.randomUUID()): ServiceAccountClaims {
  const now = grant.now ?? Math.floor(Date.now() / 1000);
  const k8s: ServiceAccountClaims["kubernetes.io"] = { namespace: grant.namespace, serviceaccount: { name: grant.serviceAccount.name, uid: grant.serviceAccount.uid } };
  if (grant.bound?.kind === "Pod") k8s.pod = grant.bound.ref;
  if (grant.bound?.kind === "Secret") k8s.secret = grant.bound.ref;
  if (grant.bound?.kind === "Node") k8s.node = grant.bound.ref;
  return {
    aud: grant.audiences?.length ? [...grant.audiences] : [...API_AUDIENCES],
    exp: now + grant.expirationSeconds,
    iat: now,
    iss: SERVICE_ACCOUNT_ISSUER,
    jti,
    "kubernetes.io": k8s,
    nbf: now,
    sub: serviceAccountUsername(grant.namespace, grant.serviceAccount.name),
  };
}

/** The signing key of a data dir: DIR/server/cred/service-account.key, made once. */
export function serviceAccountKeyPath(serverDir: string): string {
  return join(serverDir, "cred", "service-account.key");
}

export class ServiceAccountTokenSigner {
  /** Key id as upstream derives it: the unpadded base64url SHA-256 of the public key's DER. */
  readonly keyId: string;
  private readonly publicKey: KeyObject;
  /** Verified signatures by token, so a client's repeated requests cost one RSA check. */
  private readonly verified = new Map<string, ServiceAccountClaims>();

  private constructor(
    private readonly signingKey: CryptoKey,
    privatePem: string,
  ) {
    this.publicKey = createPublicKey(createPrivateKey(privatePem));
    this.keyId = createHash("sha256").update(this.publicKey.export({ type: "spki", format: "der" })).digest("base64url");
  }

  /** Loads the key of this server dir, making it on first start (two racing starts keep the first one's). */
  static async open(serverDir: string): Promise<ServiceAccountTokenSigner> {
    const path = serviceAccountKeyPath(serverDir);
    let pem = readIfExists(path);
    if (!pem) {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      pem = Buffer.from(createPrivateFileOnce(path, new TextEncoder().encode(privateKey.export({ type: "pkcs8", format: "pem" }) as string))).toString("utf8");
    }
    return new ServiceAccountTokenSigner(await importPKCS8(pem, ALG), pem);
  }

  async sign(claims: ServiceAccountClaims): Promise<string> {
    return new SignJWT({ ...claims }).setProtectedHeader({ alg: ALG, kid: this.keyId }).sign(this.signingKey);
  }

  /**
   * The claims of a token this server signed that is valid now for one of `audiences`;
   * undefined for anything else (another key, a changed byte, expired, not yet valid, wrong
   * audience or issuer). Whether its objects still exist is the caller's question.
   */
  verify(token: string, audiences: string[] = API_AUDIENCES, nowS = Math.floor(Date.now() / 1000)): ServiceAccountClaims | undefined {
    let claims = this.verified.get(token);
    if (!claims) {
      claims = this.checkSignature(token);
      if (!claims) return undefined;
      if (this.verified.size >= 4096) this.verified.clear();
      this.verified.set(token, claims);
    }
    if (claims.iss !== SERVICE_ACCOUNT_ISSUER) return undefined;
    if (!(nowS < claims.exp + LEEWAY_S) || !(claims.nbf <= nowS + LEEWAY_S)) return undefined;
    if (!claims.aud.some((a) => audiences.includes(a))) return undefined;
    return claims;
  }

  private checkSignature(token: string): ServiceAccountClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string; kid?: string; crit?: unknown };
    let payload: unknown;
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
      if (header?.alg !== ALG || (header.kid !== undefined && header.kid !== this.keyId) || header.crit !== undefined) return undefined;
      if (!verifySignature("sha256", Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, "base64url"))) return undefined;
      payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    return wellFormed(payload) ? payload : undefined;
  }
}

const isRef = (r: unknown): r is ObjectRef => typeof r === "object" && r !== null && typeof (r as ObjectRef).name === "string" && typeof (r as ObjectRef).uid === "string";

function wellFormed(c: unknown): c is ServiceAccountClaims {
  if (typeof c !== "object" || c === null) return false;
  const x = c as Record<string, unknown>;
  if (typeof x.aud === "string") x.aud = [x.aud];
  const k = x["kubernetes.io"] as Record<string, unknown> | undefined;
  return (
    typeof x.iss === "string" &&
    typeof x.sub === "string" &&
    Array.isArray(x.aud) &&
    typeof x.exp === "number" &&
    typeof x.nbf === "number" &&
    typeof k === "object" &&
    k !== null &&
    typeof k.namespace === "string" &&
    isRef(k.serviceaccount) &&
    (k.pod === undefined || isRef(k.pod)) &&
    (k.secret === undefined || isRef(k.secret)) &&
    (k.node === undefined || isRef(k.node)) &&
    x.sub === serviceAccountUsername(k.namespace, k.serviceaccount.name)
  );
}
