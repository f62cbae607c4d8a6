// Service accounts through the real API: the default account and kube-root-ca.crt of each
// namespace, the TokenRequest API (official client and kubectl create token), the tokens'
// authentication (expired, tampered, wrong audience, deleted account or pod: 401), the
// ServiceAccount admission of pods, and what a node may ask for.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, tempDir, type TestServer } from "../support/server.ts";
import { kubectl } from "../support/kubectl.ts";
import { eventually } from "../support/cluster.ts";
import { ServiceAccountTokenSigner, claimsFor, SERVICE_ACCOUNT_ISSUER } from "../../src/server/auth/service-account-tokens.ts";
import { ensureCredential } from "../../src/agent/credentials.ts";
import { ApiClient } from "../../src/client/api-client.ts";
import { ProjectedTokens, refreshAt } from "../../src/agent/projected-tokens.ts";
import type { Pod } from "../../src/agent/pod-source.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
const NS = "sa-tokens";

beforeAll(async () => {
  server = await startTestServer({ runControllers: true });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
afterAll(() => server.cleanup());

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
const requestToken = (sa: string, spec: Record<string, unknown> = {}, token?: string) =>
  apiFetch(server, `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { method: "POST", body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec }), token });
const statusWith = (token: string, path = "/api") => apiFetch(server, path, { token }).then((r) => r.status);
const pod = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });

describe("each namespace", () => {
  test("gets a default ServiceAccount and kube-root-ca.crt holding the cluster CA, made again when deleted", async () => {
    const sa = await eventually("the default ServiceAccount", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    expect(sa.metadata?.uid).toBeTruthy();
    const cm = await eventually("kube-root-ca.crt", () => core.readNamespacedConfigMap({ namespace: NS, name: "kube-root-ca.crt" }).catch(() => undefined), 10_000, 100);
    expect(cm.data).toEqual({ "ca.crt": server.caPem });
    for (const ns of ["default", "kube-system"]) expect((await core.readNamespacedServiceAccount({ namespace: ns, name: "default" })).metadata?.name).toBe("default");

    await core.deleteNamespacedServiceAccount({ namespace: NS, name: "default" });
    const again = await eventually("a new default ServiceAccount", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).then((s) => (s.metadata?.uid !== sa.metadata?.uid ? s : undefined)).catch(() => undefined), 10_000, 100);
    expect(again.metadata?.uid).not.toBe(sa.metadata?.uid);
    await core.replaceNamespacedConfigMap({ namespace: NS, name: "kube-root-ca.crt", body: { metadata: { name: "kube-root-ca.crt" }, data: { "ca.crt": "tampered" } } });
    await eventually("kube-root-ca.crt written back", () => core.readNamespacedConfigMap({ namespace: NS, name: "kube-root-ca.crt" }).then((c) => (c.data?.["ca.crt"] === server.caPem ? c : undefined)), 10_000, 100);
  });
});

describe("TokenRequest", () => {
  test("the official client gets a JWT with upstream's claims, accepted as the service account", async () => {
    const sa = await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    const tr = await core.createNamespacedServiceAccountToken({ namespace: NS, name: "default", body: { spec: { audiences: [], expirationSeconds: 600 } } as k8s.AuthenticationV1TokenRequest });
    const token = tr.status!.token!;
    const c = claimsOf(token);
    expect(c.iss).toBe(SERVICE_ACCOUNT_ISSUER);
    expect(c.sub).toBe(`system:serviceaccount:${NS}:default`);
    expect(c.aud).toEqual([SERVICE_ACCOUNT_ISSUER]);
    expect(c.exp - c.iat).toBe(600);
    expect(c.nbf).toBe(c.iat);
    expect(c["kubernetes.io"]).toEqual({ namespace: NS, serviceaccount: { name: "default", uid: sa.metadata!.uid! } });
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).alg).toBe("RS256");
    expect(Math.abs(new Date(tr.status!.expirationTimestamp!).getTime() / 1000 - c.exp)).toBeLessThanOrEqual(1);

    // Authenticated (discovery needs no permission); not an admin: listing pods is forbidden, naming the account.
    expect(await statusWith(token)).toBe(200);
    const denied = await apiFetch(server, `/api/v1/namespaces/${NS}/pods`, { token });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).message).toContain(`User "system:serviceaccount:${NS}:default" cannot list resource "pods"`);
  });

  test("a Role and RoleBinding for the account let its token list pods in its namespace, and nowhere else", async () => {
    await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: "lister" } } });
    const token = ((await (await requestToken("lister")).json()) as any).status.token as string;
    expect((await apiFetch(server, `/api/v1/namespaces/${NS}/pods`, { token })).status).toBe(403);
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    const post = (path: string, body: object) => apiFetch(server, path, { method: "POST", body: JSON.stringify(body) }).then((r) => r.status);
    expect(await post(`${rbac}/namespaces/${NS}/roles`, { metadata: { name: "pod-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }] })).toBe(201);
    expect(await post(`${rbac}/namespaces/${NS}/rolebindings`, { metadata: { name: "lister-reads-pods" }, subjects: [{ kind: "ServiceAccount", name: "lister", namespace: NS }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" } })).toBe(201);
    const allowed = await eventually("the binding in force", async () => {
      const r = await apiFetch(server, `/api/v1/namespaces/${NS}/pods`, { token });
      return r.status === 200 ? ((await r.json()) as any) : undefined;
    }, 10_000, 50);
    expect(allowed.kind).toBe("PodList");
    expect((await apiFetch(server, "/api/v1/namespaces/default/pods", { token })).status).toBe(403);
    expect((await apiFetch(server, `/api/v1/namespaces/${NS}/configmaps`, { token })).status).toBe(403);
    // The group system:serviceaccounts:NS is the account's too.
    expect(await post(`${rbac}/namespaces/${NS}/rolebindings`, { metadata: { name: "all-accounts-read-configmaps" }, subjects: [{ kind: "Group", name: `system:serviceaccounts:${NS}`, apiGroup: "rbac.authorization.k8s.io" }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" } })).toBe(201);
    await eventually("the group binding in force", async () => ((await apiFetch(server, `/api/v1/namespaces/${NS}/configmaps`, { token })).status === 200 ? true : undefined), 10_000, 50);
  });

  test("kubectl create token with --duration and --audience", async () => {
    await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    const r = await kubectl(server.kubeconfigPath, ["create", "token", "default", "-n", NS, "--duration", "20m", "--audience", "vault"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const c = claimsOf(r.stdout.trim());
    expect(c.aud).toEqual(["vault"]);
    expect(c.exp - c.iat).toBe(1200);
    // Meant for another audience: not accepted by the API server.
    expect(await statusWith(r.stdout.trim())).toBe(401);
  });

  test("kubectl create token bound to a pod; the token ends with the pod", async () => {
    const p = await core.createNamespacedPod({ namespace: NS, body: pod("bound") });
    const r = await kubectl(server.kubeconfigPath, ["create", "token", "default", "-n", NS, "--bound-object-kind", "Pod", "--bound-object-name", "bound"]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(claimsOf(token)["kubernetes.io"].pod).toEqual({ name: "bound", uid: p.metadata!.uid });
    // kubectl sends protobuf: the bound object's uid arrives and is checked.
    const wrongUid = await kubectl(server.kubeconfigPath, ["create", "token", "default", "-n", NS, "--bound-object-kind", "Pod", "--bound-object-name", "bound", "--bound-object-uid", "not-the-uid"]);
    expect(wrongUid.code).not.toBe(0);
    expect(wrongUid.stderr).toContain("the UID in the bound object reference (not-the-uid) does not match the UID in record");
    expect(await statusWith(token)).toBe(200);
    await core.deleteNamespacedPod({ namespace: NS, name: "bound", gracePeriodSeconds: 0 });
    await eventually("pod gone", () => core.readNamespacedPod({ namespace: NS, name: "bound" }).then(() => undefined, () => true), 10_000, 100);
    expect(await statusWith(token)).toBe(401);
  });

  test("expired, not yet valid, tampered, foreign-key and deleted-account tokens get 401", async () => {
    const sa = await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    const signer = await ServiceAccountTokenSigner.open(join(server.dataDir, "server"));
    const grant = { namespace: NS, serviceAccount: { name: "default", uid: sa.metadata!.uid! }, expirationSeconds: 600 };
    const now = Math.floor(Date.now() / 1000);
    expect(await statusWith(await signer.sign(claimsFor({ ...grant, now })))).toBe(200);
    expect(await statusWith(await signer.sign(claimsFor({ ...grant, now: now - 3600 })))).toBe(401);
    expect(await statusWith(await signer.sign(claimsFor({ ...grant, now: now + 3600 })))).toBe(401);
    expect(await statusWith(await signer.sign(claimsFor({ ...grant, serviceAccount: { name: "default", uid: "not-the-uid" } })))).toBe(401);

    const good = await signer.sign(claimsFor({ ...grant, now }));
    const [h, p, s] = good.split(".");
    const claims = claimsOf(good);
    claims["kubernetes.io"].namespace = "kube-system";
    claims.sub = "system:serviceaccount:kube-system:default";
    expect(await statusWith(`${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`)).toBe(401);
    expect(await statusWith(`${h}.${p}.${s!.slice(0, -4)}AAAA`)).toBe(401);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${p}.`;
    expect(await statusWith(unsigned)).toBe(401);
    // Another server's key (another data dir).
    const other = await ServiceAccountTokenSigner.open(join(tempDir(), "server"));
    expect(await statusWith(await other.sign(claimsFor({ ...grant, now })))).toBe(401);

    // The account deleted and made again: same name, new uid, the old token is dead.
    await core.deleteNamespacedServiceAccount({ namespace: NS, name: "default" });
    await eventually("a new default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).then((x) => (x.metadata?.uid !== sa.metadata?.uid ? x : undefined)).catch(() => undefined), 10_000, 100);
    expect(await statusWith(good)).toBe(401);
  });

  test("bad requests get upstream's Status codes", async () => {
    await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    const expectStatus = async (res: Promise<Response>, code: number, message: string) => {
      const r = await res;
      const body = (await r.json()) as any;
      expect({ code: r.status, kind: body.kind }).toEqual({ code, kind: "Status" });
      expect(body.message).toContain(message);
    };
    await expectStatus(requestToken("nobody"), 404, 'serviceaccounts "nobody" not found');
    await expectStatus(requestToken("default", { expirationSeconds: 60 }), 422, "may not specify a duration less than 10 minutes");
    await expectStatus(requestToken("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "absent" } }), 404, 'pods "absent" not found');
    await expectStatus(requestToken("default", { boundObjectRef: { kind: "Deployment", apiVersion: "apps/v1", name: "x" } }), 400, "cannot bind token for object of type apps/v1, Kind=Deployment");
    const p = await core.createNamespacedPod({ namespace: NS, body: pod("uid-check") });
    await expectStatus(requestToken("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "uid-check", uid: "wrong" } }), 409, "does not match the UID in record");
    expect((await requestToken("default", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "uid-check", uid: p.metadata!.uid } })).status).toBe(201);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: "other" } } });
    await expectStatus(requestToken("other", { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "uid-check" } }), 400, "to pod running with different serviceaccount name");
    await expectStatus(apiFetch(server, `/api/v1/namespaces/${NS}/serviceaccounts/default/token`, { method: "POST", body: "{not json" }), 400, "not valid JSON");
    await expectStatus(apiFetch(server, `/api/v1/namespaces/${NS}/serviceaccounts/default/token`), 405, "GET");
    // Discovery lists the subresource as upstream does.
    const v1 = (await (await apiFetch(server, "/api/v1")).json()) as any;
    expect(v1.resources.find((r: { name: string }) => r.name === "serviceaccounts/token")).toMatchObject({ group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] });
  });
});

describe("ServiceAccount admission of pods", () => {
  test("a pod gets the kube-api-access volume in every container; automount false on the pod or its account gives none", async () => {
    await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    const p = await core.createNamespacedPod({ namespace: NS, body: pod("mounted", { initContainers: [{ name: "init", image: "busybox" }] }) });
    expect(p.spec!.serviceAccountName).toBe("default");
    expect(p.spec!.serviceAccount).toBe("default");
    const vol = p.spec!.volumes!.find((v) => v.name.startsWith("kube-api-access-"))!;
    expect(vol.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(vol.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" }, path: "namespace" }] } },
      ],
    });
    for (const c of [...p.spec!.containers, ...p.spec!.initContainers!]) expect(c.volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }]);

    const off = await core.createNamespacedPod({ namespace: NS, body: pod("no-mount", { automountServiceAccountToken: false }) });
    expect(off.spec!.volumes ?? []).toEqual([]);
    expect(off.spec!.containers[0]!.volumeMounts ?? []).toEqual([]);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: "quiet" }, automountServiceAccountToken: false, imagePullSecrets: [{ name: "regcred" }] } });
    const quiet = await core.createNamespacedPod({ namespace: NS, body: pod("quiet", { serviceAccountName: "quiet" }) });
    expect(quiet.spec!.volumes ?? []).toEqual([]);
    expect(quiet.spec!.imagePullSecrets).toEqual([{ name: "regcred" }]);
    // The pod's own word wins over its account's.
    const loud = await core.createNamespacedPod({ namespace: NS, body: pod("loud", { serviceAccountName: "quiet", automountServiceAccountToken: true }) });
    expect(loud.spec!.volumes!.some((v) => v.name.startsWith("kube-api-access-"))).toBe(true);
  });

  test("a pod naming a service account that does not exist is refused with 403", async () => {
    const r = await apiFetch(server, `/api/v1/namespaces/${NS}/pods`, { method: "POST", body: JSON.stringify(pod("ghost", { serviceAccountName: "ghost" })) });
    expect(r.status).toBe(403);
    const body = (await r.json()) as any;
    expect(body.message).toBe(`pods "ghost" is forbidden: error looking up service account ${NS}/ghost: serviceaccount "ghost" not found`);
  });
});

describe("a node", () => {
  test("gets tokens only for its own pods' accounts, bound to those pods", async () => {
    await eventually("default SA", () => core.readNamespacedServiceAccount({ namespace: NS, name: "default" }).catch(() => undefined), 10_000, 100);
    const cred = await ensureCredential({ agentDir: tempDir(), server: server.url, token: server.joinToken, nodeName: "sa-node" });
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: "runner" } } });
    const mine = await core.createNamespacedPod({ namespace: NS, body: pod("on-node", { serviceAccountName: "runner", nodeName: "sa-node" }) });
    const theirs = await core.createNamespacedPod({ namespace: NS, body: pod("elsewhere", { nodeName: "other-node" }) });
    const bound = (p: k8s.V1Pod) => ({ boundObjectRef: { kind: "Pod", apiVersion: "v1", name: p.metadata!.name, uid: p.metadata!.uid } });

    const ok = await requestToken("runner", { ...bound(mine), expirationSeconds: 3607 }, cred.token);
    expect(ok.status).toBe(201);
    const token = ((await ok.json()) as any).status.token;
    expect(claimsOf(token)["kubernetes.io"].pod).toEqual({ name: "on-node", uid: mine.metadata!.uid });
    expect(await statusWith(token)).toBe(200);

    // An account none of its pods uses, a pod on another node, no pod at all: 403.
    expect((await requestToken("default", bound(theirs), cred.token)).status).toBe(403);
    expect((await requestToken("runner", {}, cred.token)).status).toBe(403);
    const other = await core.createNamespacedPod({ namespace: NS, body: pod("elsewhere-runner", { serviceAccountName: "runner", nodeName: "other-node" }) });
    const r = await requestToken("runner", bound(other), cred.token);
    expect(r.status).toBe(403);
    expect(((await r.json()) as any).message).toContain("node requested token bound to a pod scheduled on a different node");
  });

  test("the agent's token source asks for a pod-bound token, and a new one once 80 % of its life has passed", async () => {
    const cred = await ensureCredential({ agentDir: tempDir(), server: server.url, token: server.joinToken, nodeName: "refresh-node" });
    const p = (await core.createNamespacedPod({ namespace: NS, body: pod("refreshing", { nodeName: "refresh-node" }) })) as unknown as Pod;
    let offsetMs = 0;
    const woken: number[] = [];
    const tokens = new ProjectedTokens(new ApiClient(server.url, cred.token, server.caPem), (_uid, after) => woken.push(after ?? 0), () => Date.now() + offsetMs);
    const src = { path: "token", expirationSeconds: 3607 };
    expect(tokens.token(p, src)).toBeUndefined();
    const first = await eventually("a first token", async () => tokens.token(p, src), 10_000, 20);
    const c = claimsOf(first);
    expect(c["kubernetes.io"].pod).toEqual({ name: "refreshing", uid: p.metadata.uid });
    expect(c.exp - c.iat).toBe(3607);
    // Woken right away and again when the token is due (80 % of 3607 s, a little after).
    expect(woken.some((ms) => Math.abs(ms - 0.8 * 3607_000) < 5_000)).toBe(true);
    expect(refreshAt(0, 3607_000)).toBe(0.8 * 3607_000);
    // Before 80 %: the same token, nothing asked.
    offsetMs = 0.79 * 3607_000;
    expect(tokens.token(p, src)).toBe(first);
    // Past 80 %: the old one still serves until the new one arrives, then the new one.
    offsetMs = 0.81 * 3607_000;
    expect(tokens.token(p, src)).toBe(first);
    const second = await eventually("a renewed token", async () => (tokens.token(p, src) !== first ? tokens.token(p, src) : undefined), 10_000, 20);
    expect(claimsOf(second).jti).not.toBe(c.jti);
    expect(await statusWith(second!)).toBe(200);
    // A refusal is kept for the pod's status (its account does not exist).
    const orphan = { ...p, spec: { ...p.spec, serviceAccountName: "missing" } } as Pod;
    expect(tokens.token(orphan, src)).toBeUndefined();
    const why = await eventually("a refusal", async () => tokens.failure(orphan, src), 10_000, 20);
    expect(why).toContain("missing");
  });
});
