// The server's CA and serving certificate: persistence, names, re-issue rules, and a real
// TLS handshake against them.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureServerPki, issueClientCert, issueServingCert, PkiError, tlsPaths } from "../../../src/server/pki/ca.ts";
import { createCa, createLeaf, sansOf } from "../../../src/server/pki/issue.ts";
import { generateKeyPair, keyPairFromPem } from "../../../src/server/pki/keys.ts";
import { x509 } from "../../../src/server/pki/x509.ts";

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-pki-ca-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const opts = { hostname: "Edge-Box-1", bindAddress: "0.0.0.0" };
const DAY = 24 * 60 * 60 * 1000;

function cert(pem: string) {
  return new x509.X509Certificate(pem);
}

async function verifiesWith(leafPem: string, caPem: string): Promise<boolean> {
  return cert(leafPem).verify({ publicKey: cert(caPem).publicKey, signatureOnly: true });
}

describe("ensureServerPki", () => {
  test("creates the CA and serving pair as owner-only files", async () => {
    const dir = freshDir();
    const out = await ensureServerPki(dir, opts);
    const paths = tlsPaths(dir);
    for (const f of [paths.caCert, paths.caKey, paths.servingCert, paths.servingKey]) {
      expect(existsSync(f)).toBe(true);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(await Bun.file(paths.caCert).text()).toBe(out.caPem);
    expect(await Bun.file(paths.servingCert).text()).toBe(out.certPem);
    expect(await Bun.file(paths.servingKey).text()).toBe(out.keyPem);
  });

  test("the CA is a self-signed ten-year ECDSA P-256 CA named skiff-ca@<unix time>", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { caPem } = await ensureServerPki(freshDir(), opts);
    const ca = cert(caPem);
    const cn = ca.subjectName.getField("CN")[0]!;
    expect(cn).toMatch(/^skiff-ca@\d+$/);
    const stamp = Number(cn.split("@")[1]);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(ca.subject).toBe(ca.issuer);
    expect(await ca.verify({ signatureOnly: true })).toBe(true);
    expect(ca.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect((ca.publicKey.algorithm as { namedCurve?: string }).namedCurve).toBe("P-256");
    const years = (ca.notAfter.getTime() - Date.now()) / (365 * DAY);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
  });

  test("keeps the same CA and serving certificate across calls", async () => {
    const dir = freshDir();
    const first = await ensureServerPki(dir, opts);
    const second = await ensureServerPki(dir, opts);
    expect(second.caPem).toBe(first.caPem);
    expect(second.certPem).toBe(first.certPem);
    expect(second.keyPem).toBe(first.keyPem);
  });

  test("the serving certificate names localhost, kubernetes names, the host, loopback and extra SANs", async () => {
    const { certPem, caPem } = await ensureServerPki(freshDir(), { hostname: "Edge-Box-1", bindAddress: "192.168.7.20", extraSans: ["skiff.example.org", "10.1.2.3", "fd00::0:1"] });
    const sans = sansOf(cert(certPem));
    expect(sans.dns.sort()).toEqual(
      ["edge-box-1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", "skiff.example.org"].sort(),
    );
    expect(sans.ips.sort()).toEqual(["10.1.2.3", "127.0.0.1", "192.168.7.20", "::1", "fd00::1"].sort());
    expect(await verifiesWith(certPem, caPem)).toBe(true);
    const eku = cert(certPem).getExtension(x509.ExtendedKeyUsageExtension)!;
    expect(eku.usages).toContain(x509.ExtendedKeyUsage.serverAuth);
    expect(cert(certPem).getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
  });

  test("a wildcard bind address is not a SAN", async () => {
    for (const bindAddress of ["0.0.0.0", "::"]) {
      const { certPem } = await ensureServerPki(freshDir(), { hostname: "h", bindAddress });
      expect(sansOf(cert(certPem)).ips.sort()).toEqual(["127.0.0.1", "::1"]);
    }
  });

  test("re-issues with the same CA and key when a new SAN is requested, keeping the old names", async () => {
    const dir = freshDir();
    const first = await ensureServerPki(dir, { ...opts, extraSans: ["first.example"] });
    const second = await ensureServerPki(dir, { ...opts, extraSans: ["10.9.8.7"] });
    expect(second.caPem).toBe(first.caPem);
    expect(second.certPem).not.toBe(first.certPem);
    expect(second.keyPem).toBe(first.keyPem);
    const sans = sansOf(cert(second.certPem));
    expect(sans.ips).toContain("10.9.8.7");
    expect(sans.dns).toContain("first.example");
    expect(await verifiesWith(second.certPem, first.caPem)).toBe(true);
    // The names are now covered: a third call with either option keeps the certificate.
    expect((await ensureServerPki(dir, { ...opts, extraSans: ["first.example"] })).certPem).toBe(second.certPem);
  });

  test("re-issues a serving certificate that is near its expiry", async () => {
    const dir = freshDir();
    const first = await ensureServerPki(dir, opts);
    const paths = tlsPaths(dir);
    const caKeys = await keyPairFromPem(await Bun.file(paths.caKey).text());
    const servingKeys = await keyPairFromPem(first.keyPem);
    // Issued 300 days ago with a one-year life: 65 days left.
    const old = await createLeaf({
      ca: { cert: cert(first.caPem), keys: caKeys },
      publicKey: servingKeys.publicKey,
      commonName: "skiff",
      usage: "server",
      sans: sansOf(cert(first.certPem)),
      now: new Date(Date.now() - 300 * DAY),
    });
    writeFileSync(paths.servingCert, old.toString("pem"));
    const renewed = await ensureServerPki(dir, opts);
    expect(renewed.caPem).toBe(first.caPem);
    expect(cert(renewed.certPem).notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * DAY);
    expect(await verifiesWith(renewed.certPem, first.caPem)).toBe(true);
  });

  test("re-issues the serving certificate when the CA was replaced", async () => {
    const dir = freshDir();
    const first = await ensureServerPki(dir, opts);
    const paths = tlsPaths(dir);
    unlinkSync(paths.caCert);
    unlinkSync(paths.caKey);
    const second = await ensureServerPki(dir, opts);
    expect(second.caPem).not.toBe(first.caPem);
    expect(await verifiesWith(second.certPem, second.caPem)).toBe(true);
  });

  test("refuses to replace a CA whose key or certificate alone is missing", async () => {
    const dir = freshDir();
    await ensureServerPki(dir, opts);
    unlinkSync(tlsPaths(dir).caKey);
    const err = await ensureServerPki(dir, opts).catch((e) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect(String(err.message)).toContain("ca.key is missing");
  });
});

describe("TLS with the issued certificates", () => {
  test("a client trusting only the CA completes the handshake on 127.0.0.1 and localhost", async () => {
    const pki = await ensureServerPki(freshDir(), { hostname: "h", bindAddress: "127.0.0.1" });
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: pki.certPem, key: pki.keyPem }, fetch: () => new Response("hello over tls") });
    try {
      for (const host of ["127.0.0.1", "localhost"]) {
        const res = await fetch(`https://${host}:${server.port}/`, { tls: { ca: pki.caPem } } as RequestInit);
        expect(await res.text()).toBe("hello over tls");
      }
      // A client trusting another CA must refuse the same server.
      const other = await ensureServerPki(freshDir(), { hostname: "h", bindAddress: "127.0.0.1" });
      const refused = await fetch(`https://127.0.0.1:${server.port}/`, { tls: { ca: other.caPem } } as RequestInit).then(
        () => "accepted",
        () => "refused",
      );
      expect(refused).toBe("refused");
    } finally {
      server.stop(true);
    }
  });
});

describe("issueClientCert", () => {
  test("issues a client-auth certificate with the given subject, signed by the CA", async () => {
    const dir = freshDir();
    const { caPem } = await ensureServerPki(dir, opts);
    const client = await issueClientCert(dir, "system:node:edge-1", ["system:nodes"]);
    const c = cert(client.certPem);
    expect(c.subjectName.getField("CN")).toEqual(["system:node:edge-1"]);
    expect(c.subjectName.getField("O")).toEqual(["system:nodes"]);
    expect(c.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(await verifiesWith(client.certPem, caPem)).toBe(true);
    const keys = await keyPairFromPem(client.keyPem);
    expect(new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey))).toEqual(new Uint8Array(c.publicKey.rawData));
  });

  test("fails clearly when the server has no CA yet", async () => {
    const err = await issueClientCert(freshDir(), "x", []).catch((e) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect(String(err.message)).toContain("no CA");
  });
});

describe("issueServingCert", () => {
  test("issues a node serving certificate that a client trusting the CA accepts", async () => {
    const dir = freshDir();
    const { caPem } = await ensureServerPki(dir, opts);
    const serving = await issueServingCert(dir, "edge-1", ["10.0.0.5"]);
    const c = cert(serving.certPem);
    expect(c.subjectName.getField("CN")).toEqual(["system:node:edge-1"]);
    expect(c.subjectName.getField("O")).toEqual(["system:nodes"]);
    const sans = sansOf(c);
    expect(sans.dns.sort()).toEqual(["edge-1", "localhost"]);
    expect(sans.ips.sort()).toEqual(["10.0.0.5", "127.0.0.1", "::1"]);
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: serving.certPem, key: serving.keyPem }, fetch: () => new Response("agent") });
    try {
      const res = await fetch(`https://localhost:${server.port}/`, { tls: { ca: caPem } } as RequestInit);
      expect(await res.text()).toBe("agent");
    } finally {
      server.stop(true);
    }
  });
});

test("createCa names the CA after the given time", async () => {
  const at = new Date("2030-01-02T03:04:05Z");
  const ca = await createCa(await generateKeyPair(), at);
  expect(ca.subjectName.getField("CN")).toEqual([`skiff-ca@${Math.floor(at.getTime() / 1000)}`]);
});
