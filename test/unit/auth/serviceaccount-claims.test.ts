// The claims of service account tokens (as upstream's) and the signer's checks, without a server.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_AUDIENCES, claimsFor, serviceAccountKeyPath, ServiceAccountTokenSigner, SERVICE_ACCOUNT_ISSUER } from "../../../src/server/auth/service-account-tokens.ts";

const dir = mkdtempSync(join(tmpdir(), "skiff-sa-claims-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sa = { name: "builder", uid: "0b6e0f5e-5d1c-4b43-9d3c-2f4bd7d1a001" };

describe("claims", () => {
  test("an unbound token: issuer, subject, default audience, times and the kubernetes.io claim", () => {
    const c = claimsFor({ namespace: "ci", serviceAccount: sa, expirationSeconds: 600, now: 1_000_000 }, "jti-1");
    expect(c).toEqual({
      aud: [SERVICE_ACCOUNT_ISSUER],
      exp: 1_000_600,
      iat: 1_000_000,
      iss: "https://kubernetes.default.svc.cluster.local",
      jti: "jti-1",
      "kubernetes.io": { namespace: "ci", serviceaccount: sa },
      nbf: 1_000_000,
      sub: "system:serviceaccount:ci:builder",
    });
  });

  test("a pod-bound token names the pod; audiences are kept as asked", () => {
    const c = claimsFor({ namespace: "ci", serviceAccount: sa, audiences: ["vault", "nats"], expirationSeconds: 3607, bound: { kind: "Pod", ref: { name: "p", uid: "u" } }, now: 10 });
    expect(c.aud).toEqual(["vault", "nats"]);
    expect(c["kubernetes.io"]).toEqual({ namespace: "ci", serviceaccount: sa, pod: { name: "p", uid: "u" } });
    expect(c.exp).toBe(3617);
  });
});

describe("signer", () => {
  test("the key is made once (0600, under server/cred) and kept: a second open verifies the first one's tokens", async () => {
    const a = await ServiceAccountTokenSigner.open(dir);
    expect(statSync(serviceAccountKeyPath(dir)).mode & 0o777).toBe(0o600);
    expect(serviceAccountKeyPath(dir)).toBe(join(dir, "cred", "service-account.key"));
    const token = await a.sign(claimsFor({ namespace: "ci", serviceAccount: sa, expirationSeconds: 600 }));
    const b = await ServiceAccountTokenSigner.open(dir);
    expect(b.keyId).toBe(a.keyId);
    expect(b.verify(token)?.sub).toBe("system:serviceaccount:ci:builder");
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({ alg: "RS256", kid: a.keyId });
  });

  test("expiry (with a minute of leeway), not-before, audience and shape are checked", async () => {
    const s = await ServiceAccountTokenSigner.open(dir);
    const t = await s.sign(claimsFor({ namespace: "ci", serviceAccount: sa, expirationSeconds: 600, now: 1_000_000 }));
    expect(s.verify(t, API_AUDIENCES, 1_000_300)).toBeDefined();
    expect(s.verify(t, API_AUDIENCES, 1_000_659)).toBeDefined();
    expect(s.verify(t, API_AUDIENCES, 1_000_660)).toBeUndefined();
    expect(s.verify(t, API_AUDIENCES, 999_900)).toBeUndefined();
    expect(s.verify(t, ["vault"], 1_000_300)).toBeUndefined();
    expect(s.verify("a.b.c")).toBeUndefined();
    expect(s.verify("not a token")).toBeUndefined();
    // A subject that does not match the kubernetes.io claim is not trusted, even signed.
    const forged = claimsFor({ namespace: "ci", serviceAccount: sa, expirationSeconds: 600 });
    forged.sub = "system:serviceaccount:kube-system:default";
    expect(s.verify(await s.sign(forged))).toBeUndefined();
  });
});
