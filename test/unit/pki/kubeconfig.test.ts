// The admin kubeconfig: valid YAML in k3s's shape, and read back by a real kubectl, which
// also uses it to reach a TLS server signed by the CA with the bearer token.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ensureServerPki } from "../../../src/server/pki/ca.ts";
import { renderKubeconfig, writeKubeconfig } from "../../../src/server/pki/kubeconfig.ts";
import { randomSecret } from "../../../src/server/pki/token.ts";

const KUBECTL = "/usr/bin/kubectl";
const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-pki-kubeconfig-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs kubectl without blocking, so a server in this process can answer it. */
async function kubectl(args: string[]): Promise<string> {
  if (!existsSync(KUBECTL)) throw new Error(`kubectl is missing at ${KUBECTL}: install it (e.g. apt-get install -y kubectl from the Kubernetes apt repository)`);
  const p = Bun.spawn([KUBECTL, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: freshDir() }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${err}`);
  return out;
}

const caPem = (await ensureServerPki(freshDir(), { hostname: "h", bindAddress: "127.0.0.1" })).caPem;

describe("renderKubeconfig", () => {
  test("has k3s's shape: cluster, user and context named default, CA inline", () => {
    const doc = parse(renderKubeconfig({ server: "https://127.0.0.1:6443", caPem, token: "t0k" }));
    expect(doc).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "default", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
      contexts: [{ name: "default", context: { cluster: "default", user: "default" } }],
      "current-context": "default",
      preferences: {},
      users: [{ name: "default", user: { token: "t0k" } }],
    });
  });

  test("names the cluster and user as asked, the context stays default", () => {
    const doc = parse(renderKubeconfig({ server: "https://[::1]:1", caPem, token: "x", clusterName: "edge", user: "admin" }));
    expect(doc.clusters[0].name).toBe("edge");
    expect(doc.users[0].name).toBe("admin");
    expect(doc.contexts[0]).toEqual({ name: "default", context: { cluster: "edge", user: "admin" } });
    expect(doc.clusters[0].cluster.server).toBe("https://[::1]:1");
  });

  test("values YAML would read as other types or structure come back as the same strings", () => {
    for (const token of ["true", "0x1f", "1e3", "a: b", "#x", "line\nbreak", 'q"uote']) {
      expect(parse(renderKubeconfig({ server: "https://h:1", caPem, token })).users[0].user.token).toBe(token);
    }
  });
});

describe("writeKubeconfig", () => {
  test("an unchanged kubeconfig is left alone (a restart on a full disk needs no write); a changed one is replaced", async () => {
    const path = join(freshDir(), "kubeconfig.yaml");
    const opts = { server: "https://127.0.0.1:6443", caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", token: randomSecret() };
    await writeKubeconfig(path, opts);
    const first = statSync(path);
    await writeKubeconfig(path, opts);
    expect(statSync(path).ino).toBe(first.ino);
    await writeKubeconfig(path, { ...opts, server: "https://127.0.0.1:7443" });
    expect(statSync(path).ino).not.toBe(first.ino);
    expect(parse(await Bun.file(path).text()).clusters[0].cluster.server).toBe("https://127.0.0.1:7443");
  });

  test("creates folders, writes mode 0600, and kubectl config view --raw reads it back", async () => {
    const path = join(freshDir(), "nested", "dir", "kubeconfig.yaml");
    const token = randomSecret(32);
    await writeKubeconfig(path, { server: "https://127.0.0.1:6443", caPem, token });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const view = JSON.parse(await kubectl(["--kubeconfig", path, "config", "view", "--raw", "-o", "json"]));
    expect(view["current-context"]).toBe("default");
    expect(view.clusters[0].cluster.server).toBe("https://127.0.0.1:6443");
    expect(Buffer.from(view.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(caPem);
    expect(view.users[0].user.token).toBe(token);
  });

  test("kubectl trusts the CA and sends the token to a server signed by it", async () => {
    const dir = freshDir();
    const pki = await ensureServerPki(dir, { hostname: "h", bindAddress: "127.0.0.1" });
    const token = randomSecret(32);
    const seen: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: pki.certPem, key: pki.keyPem },
      fetch(req) {
        seen.push(req.headers.get("authorization") ?? "");
        return Response.json({ major: "1", minor: "32", gitVersion: "v1.32.0-test" });
      },
    });
    try {
      const path = join(dir, "kubeconfig.yaml");
      await writeKubeconfig(path, { server: `https://127.0.0.1:${server.port}`, caPem: pki.caPem, token });
      const out = await kubectl(["--kubeconfig", path, "get", "--raw", "/version"]);
      expect(JSON.parse(out).gitVersion).toBe("v1.32.0-test");
      expect(seen).toContain(`Bearer ${token}`);
    } finally {
      server.stop(true);
    }
  });
});
