// RBAC end to end against a real server (real SQLite, real HTTPS): the default roles, a user
// made by `skiff kubeconfig create` refused with upstream's message then allowed by a
// RoleBinding, kubectl auth can-i / whoami, escalation prevention, aggregation of `view`,
// non-resource URLs, SubjectAccessReview, service-account subjects and a real helm install
// by a namespace admin of a chart with a ServiceAccount, a Role and a RoleBinding.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk, layerBinary } from "../support/kubectl.ts";
import { eventually } from "../support/cluster.ts";

let server: TestServer;
let admin: k8s.KubeConfig;
let work: string;
const root = join(import.meta.dir, "../..");
const RBAC = "rbac.authorization.k8s.io";

beforeAll(async () => {
  server = await startTestServer();
  admin = new k8s.KubeConfig();
  admin.loadFromFile(server.kubeconfigPath);
  work = mkdtempSync(join(tmpdir(), "skiff-rbac-"));
  const core = admin.makeApiClient(k8s.CoreV1Api);
  for (const name of ["team", "other", "charts"]) await core.createNamespace({ body: { metadata: { name } } });
});
afterAll(async () => {
  await server?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `skiff kubeconfig create` as a user runs it: the CLI in a process of its own. */
async function skiffKubeconfig(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([process.execPath, join(root, "src/main.ts"), "kubeconfig", ...args, "--data-dir", server.dataDir], { stdout: "pipe", stderr: "pipe", env: process.env });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

async function makeUser(name: string, role: string, namespace?: string, extra: string[] = []): Promise<string> {
  const file = join(work, `${name}.kubeconfig`);
  const r = await skiffKubeconfig(["create", name, "--role", role, "--output", file, ...(namespace ? ["--namespace", namespace] : []), ...extra]);
  if (r.code !== 0) throw new Error(`skiff kubeconfig create exited ${r.code}: ${r.err}${r.out}`);
  return file;
}

const tokenOf = (kubeconfig: string) => /token: (\S+)/.exec(readFileSync(kubeconfig, "utf8"))![1]!;

describe("the default roles and bindings", () => {
  test("exist with upstream's bootstrap label and autoupdate annotation, bound as upstream binds them", async () => {
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    for (const name of ["cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user", "system:public-info-viewer"]) {
      const role = await rbac.readClusterRole({ name });
      expect(role.metadata?.labels?.["kubernetes.io/bootstrapping"]).toBe("rbac-defaults");
      expect(role.metadata?.annotations?.["rbac.authorization.kubernetes.io/autoupdate"]).toBe("true");
    }
    expect((await rbac.readClusterRole({ name: "view" })).aggregationRule?.clusterRoleSelectors).toEqual([{ matchLabels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } }]);
    expect((await rbac.readClusterRole({ name: "edit" })).metadata?.labels?.["rbac.authorization.k8s.io/aggregate-to-admin"]).toBe("true");
    const subjects = async (name: string) => ((await rbac.readClusterRoleBinding({ name })).subjects ?? []).map((s) => `${s.kind}/${s.name}`);
    expect(await subjects("cluster-admin")).toEqual(["Group/system:masters"]);
    expect(await subjects("system:discovery")).toEqual(["Group/system:authenticated"]);
    expect(await subjects("system:basic-user")).toEqual(["Group/system:authenticated"]);
    expect(await subjects("system:public-info-viewer")).toEqual(["Group/system:authenticated", "Group/system:unauthenticated"]);
    // The aggregation controller filled the aggregated roles from the aggregate-to-* ones.
    const view = await eventually("view aggregated", async () => {
      const v = await rbac.readClusterRole({ name: "view" });
      return v.rules?.length ? v : undefined;
    }, 10_000, 50);
    expect(view.rules!.some((r) => r.apiGroups?.includes("") && r.resources?.includes("configmaps") && r.verbs.includes("list"))).toBe(true);
    const editRules = (await rbac.readClusterRole({ name: "edit" })).rules ?? [];
    expect(editRules.some((r) => r.resources?.includes("pods/exec") && r.verbs.includes("create"))).toBe(true);
    expect(view.rules!.some((r) => r.apiGroups?.includes("metrics.k8s.io") && r.resources?.includes("pods"))).toBe(true);
    const adminRules = (await rbac.readClusterRole({ name: "admin" })).rules ?? [];
    expect(adminRules.some((r) => r.apiGroups?.includes(RBAC) && r.resources?.includes("rolebindings"))).toBe(true);
  });

  test("kubectl prints roles and bindings with upstream's columns", async () => {
    expect(await kubectlOk(server.kubeconfigPath, ["get", "clusterrole", "view"])).toMatch(/^NAME\s+CREATED AT\nview\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const wide = await kubectlOk(server.kubeconfigPath, ["get", "clusterrolebinding", "system:public-info-viewer", "-o", "wide"]);
    expect(wide).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
    expect(wide).toMatch(/system:public-info-viewer\s+ClusterRole\/system:public-info-viewer\s+\S+\s+system:authenticated, system:unauthenticated\s*\n/);
    const described = await kubectlOk(server.kubeconfigPath, ["describe", "clusterrolebinding", "system:basic-user"]);
    expect(described).toMatch(/Role:\n\s+Kind:\s+ClusterRole\n\s+Name:\s+system:basic-user\nSubjects:\n\s+Kind\s+Name\s+Namespace\n\s+----\s+----\s+---------\n\s+Group\s+system:authenticated\s*\n/);
    const role = await kubectlOk(server.kubeconfigPath, ["describe", "clusterrole", "system:basic-user"]);
    expect(role).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
  });
});

describe("discovery", () => {
  test("kubectl api-resources lists the review APIs, create-only", async () => {
    const out = await kubectlOk(server.kubeconfigPath, ["api-resources", "--api-group=authorization.k8s.io", "-o", "wide"]);
    for (const [name, namespaced, kind] of [["localsubjectaccessreviews", "true", "LocalSubjectAccessReview"], ["selfsubjectaccessreviews", "false", "SelfSubjectAccessReview"], ["selfsubjectrulesreviews", "false", "SelfSubjectRulesReview"], ["subjectaccessreviews", "false", "SubjectAccessReview"]]) {
      expect(out).toMatch(new RegExp(`\\n${name}\\s+authorization\\.k8s\\.io/v1\\s+${namespaced}\\s+${kind}\\s+create\\s*\\n`));
    }
    expect(await kubectlOk(server.kubeconfigPath, ["api-resources", "--api-group=authentication.k8s.io", "--no-headers"])).toMatch(/^selfsubjectreviews\s+authentication\.k8s\.io\/v1\s+false\s+SelfSubjectReview\n$/);
    const rbac = await kubectlOk(server.kubeconfigPath, ["api-resources", "--api-group=rbac.authorization.k8s.io", "--no-headers"]);
    expect(rbac.trim().split("\n").map((l) => l.split(/\s+/)[0])).toEqual(["clusterrolebindings", "clusterroles", "rolebindings", "roles"]);
  });
});

describe("a user made by skiff kubeconfig create", () => {
  let alice: string;
  beforeAll(async () => {
    alice = await makeUser("alice", "view", "team");
  });

  test("kubectl auth whoami names the user and its groups", async () => {
    const out = await kubectlOk(alice, ["auth", "whoami", "-o", "json"]);
    const review = JSON.parse(out);
    expect(review.kind).toBe("SelfSubjectReview");
    expect(review.status.userInfo).toEqual({ username: "alice", groups: ["system:authenticated"] });
  });

  test("view in its namespace: reads there, gets upstream's 403 elsewhere and for writes, then writes after a RoleBinding to edit", async () => {
    const read = await kubectl(alice, ["get", "pods"]);
    expect(`${read.code} ${read.stderr.trim()}`).toBe("0 No resources found in team namespace.");
    const write = await kubectl(alice, ["create", "configmap", "notes", "--from-literal=a=b"]);
    expect(write.code).toBe(1);
    expect(write.stderr.trim()).toBe(`error: failed to create configmap: configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "team"`);
    const elsewhere = await kubectl(alice, ["get", "pods", "-n", "other"]);
    expect(elsewhere.stderr.trim()).toBe(`Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "other"`);
    const secret = await kubectl(alice, ["get", "secret", "x"]);
    expect(secret.stderr.trim()).toBe(`Error from server (Forbidden): secrets "x" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "team"`);
    const nodes = await kubectl(alice, ["get", "nodes"]);
    expect(nodes.stderr.trim()).toBe(`Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope`);
    // The official client sees the same Status.
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(alice);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const err = await core.createNamespacedConfigMap({ namespace: "team", body: { metadata: { name: "notes" }, data: { a: "b" } } }).catch((e) => e);
    expect(err.code).toBe(403);
    const status = JSON.parse(err.body);
    expect(status).toMatchObject({ kind: "Status", status: "Failure", reason: "Forbidden", code: 403, details: { kind: "configmaps" } });

    await admin.makeApiClient(k8s.RbacAuthorizationV1Api).createNamespacedRoleBinding({
      namespace: "team",
      body: { metadata: { name: "alice-edit" }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "User", name: "alice", apiGroup: RBAC }] },
    });
    const created = await core.createNamespacedConfigMap({ namespace: "team", body: { metadata: { name: "notes" }, data: { a: "b" } } });
    expect(created.metadata?.name).toBe("notes");
    expect(await kubectlOk(alice, ["get", "configmap", "notes", "-o", "jsonpath={.data.a}"])).toBe("b");
  });

  test("kubectl auth can-i answers from the user's bindings, and --list shows its rules", async () => {
    const can = async (...args: string[]) => (await kubectl(alice, ["auth", "can-i", ...args])).stdout.trim();
    expect(await can("get", "pods")).toBe("yes");
    expect(await can("create", "deployments.apps")).toBe("yes"); // edit, bound above
    expect(await can("create", "roles.rbac.authorization.k8s.io")).toBe("no");
    expect(await can("list", "pods", "-n", "other")).toBe("no");
    expect(await can("get", "pods", "--subresource", "log")).toBe("yes");
    expect(await can("get", "/version")).toBe("yes");
    expect(await can("get", "/metrics")).toBe("no");
    expect(await can("list", "pods.metrics.k8s.io")).toBe("yes");
    // kubectl top's reads: pod metrics of its namespace, not node metrics (cluster-scoped).
    const token = tokenOf(alice);
    expect((await apiFetch(server, "/apis/metrics.k8s.io/v1beta1/namespaces/team/pods", { token })).status).toBe(200);
    expect((await apiFetch(server, "/apis/metrics.k8s.io/v1beta1/nodes", { token })).status).toBe(403);
    const list = await kubectlOk(alice, ["auth", "can-i", "--list"]);
    expect(list).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n/);
    expect(list).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    expect(list).toMatch(/\nconfigmaps\s+\[\]\s+\[\]\s+\[get list watch create update patch delete deletecollection\]\n/);
    expect(list).toMatch(/\npods\/log\s+\[\]\s+\[\]\s+\[get list watch\]\n/);
    expect(list).toMatch(/\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/);
  });

  test("impersonation: the admin asks as alice (kubectl --as); a user without the impersonate verb is refused", async () => {
    const as = async (...args: string[]) => (await kubectl(server.kubeconfigPath, ["auth", "can-i", ...args, "--as", "alice"])).stdout.trim();
    expect(await as("delete", "configmaps", "-n", "team")).toBe("yes");
    expect(await as("delete", "configmaps", "-n", "other")).toBe("no");
    const who = JSON.parse(await kubectlOk(server.kubeconfigPath, ["auth", "whoami", "-o", "json", "--as", "alice", "--as-group", "devs"]));
    expect(who.status.userInfo).toEqual({ username: "alice", groups: ["devs", "system:authenticated"] });
    const denied = await kubectl(alice, ["get", "pods", "--as", "bob"]);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope`);
  });

  test("SubjectAccessReview: the admin asks about others; a user may not", async () => {
    const authz = admin.makeApiClient(k8s.AuthorizationV1Api);
    const review = (user: string, namespace: string) => ({ body: { spec: { user, groups: ["system:authenticated"], resourceAttributes: { namespace, verb: "delete", resource: "configmaps" } } } });
    expect((await authz.createSubjectAccessReview(review("alice", "team"))).status?.allowed).toBe(true);
    expect((await authz.createSubjectAccessReview(review("alice", "other"))).status?.allowed).toBe(false);
    const local = await authz.createNamespacedLocalSubjectAccessReview({ namespace: "team", body: { metadata: { namespace: "team" }, spec: { user: "alice", resourceAttributes: { namespace: "team", verb: "list", resource: "pods" } } } });
    expect(local.status?.allowed).toBe(true);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(alice);
    const err = await kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview(review("bob", "team")).catch((e) => e);
    expect(err.code).toBe(403);
    expect(JSON.parse(err.body).message).toBe(`subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope`);
    const bad = await apiFetch(server, "/apis/authorization.k8s.io/v1/subjectaccessreviews", { method: "POST", body: JSON.stringify({ spec: { user: "x" } }) });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toContain("exactly one of nonResourceAttributes or resourceAttributes must be specified");
    const wrongType = await apiFetch(server, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { method: "POST", body: JSON.stringify({ spec: { resourceAttributes: "pods" } }) });
    expect(wrongType.status).toBe(400);
    const get = await apiFetch(server, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
    expect(get.status).toBe(405);
  });

  test("non-resource URLs: discovery and /version for everyone, /metrics only by a rule naming it", async () => {
    const token = tokenOf(alice);
    expect((await apiFetch(server, "/version", { token })).status).toBe(200);
    expect((await apiFetch(server, "/apis", { token })).status).toBe(200);
    expect((await apiFetch(server, "/openapi/v2", { token })).status).toBe(200);
    const denied = await apiFetch(server, "/metrics", { token });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403, message: `forbidden: User "alice" cannot get path "/metrics"` });
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: "metrics-reader" }, rules: [{ nonResourceURLs: ["/metrics", "/debug/*"], verbs: ["get"] }] } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: "alice-metrics" }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "metrics-reader" }, subjects: [{ kind: "User", name: "alice", apiGroup: RBAC }] } });
    expect((await apiFetch(server, "/metrics", { token })).status).toBe(200);
    // A trailing * matches by prefix: allowed through, then the path is simply not served.
    expect((await apiFetch(server, "/debug/anything", { token })).status).toBe(404);
    expect((await apiFetch(server, "/metricsx", { token })).status).toBe(403);
    // The default system:monitoring binding: a scraper's credential in that group reads /metrics.
    const prom = tokenOf(await makeUser("prom", "view", "team", ["--group", "system:monitoring"]));
    expect((await apiFetch(server, "/metrics", { token: prom })).status).toBe(200);
    expect((await apiFetch(server, "/api/v1/nodes", { token: prom })).status).toBe(403);
  });

  test("skiff kubeconfig create: groups and the server address given, usage errors, a missing namespace mints nothing", async () => {
    const file = await makeUser("dora", "view", "team", ["--group", "auditors", "--server", "https://skiff.example:6443"]);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("server: https://skiff.example:6443");
    expect(text).toContain("namespace: team");
    const token = tokenOf(file);
    const who = (await (await apiFetch(server, "/apis/authentication.k8s.io/v1/selfsubjectreviews", { method: "POST", token, body: JSON.stringify({}) })).json()) as { status: { userInfo: unknown } };
    expect(who.status.userInfo).toEqual({ username: "dora", groups: ["auditors", "system:authenticated"] });
    const usage = await skiffKubeconfig(["create", "erin"]);
    expect(usage).toMatchObject({ code: 2, err: "skiff kubeconfig: --role must be one of view, edit, admin, cluster-admin\n" });
    const reserved = await skiffKubeconfig(["create", "system:admin", "--role", "view"]);
    expect(reserved.err).toBe(`skiff kubeconfig: user names starting with "system:" are reserved\n`);
    const before = (await kubectlOk(server.kubeconfigPath, ["-n", "kube-system", "get", "secrets", "-l", "skiff.io/user=erin", "-o", "name"])).trim();
    const missing = await skiffKubeconfig(["create", "erin", "--role", "edit", "--namespace", "nowhere"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`namespaces "nowhere" not found`);
    expect((await kubectlOk(server.kubeconfigPath, ["-n", "kube-system", "get", "secrets", "-l", "skiff.io/user=erin", "-o", "name"])).trim()).toBe(before);
  });

  test("deleting the user's token Secret revokes the credential", async () => {
    const once = await makeUser("temp", "view", "team");
    const token = tokenOf(once);
    expect((await apiFetch(server, "/api/v1/namespaces/team/pods", { token })).status).toBe(200);
    await kubectlOk(server.kubeconfigPath, ["-n", "kube-system", "delete", "secret", "-l", "skiff.io/user=temp"]);
    expect((await apiFetch(server, "/api/v1/namespaces/team/pods", { token })).status).toBe(401);
  });
});

describe("escalation prevention", () => {
  let bob: string;
  beforeAll(async () => {
    bob = await makeUser("bob", "admin", "team");
  });

  test("a namespace admin writes roles within its rights only, and binds only roles it holds", async () => {
    const ok = await kubectl(bob, ["create", "role", "cm-reader", "--verb=get,list", "--resource=configmaps"]);
    expect(ok.code).toBe(0);
    const up = await kubectl(bob, ["create", "role", "sc-reader", "--verb=get", "--resource=storageclasses.storage.k8s.io"]);
    expect(up.code).toBe(1);
    expect(up.stderr.trim()).toBe(
      `Error from server (Forbidden): roles.rbac.authorization.k8s.io "sc-reader" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["storage.k8s.io"], Resources:["storageclasses"], Verbs:["get"]}`,
    );
    // A patch that adds a rule not held is refused the same way.
    const patch = await kubectl(bob, ["patch", "role", "cm-reader", "--type=json", `-p=[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["nodes"],"verbs":["get","list"]}}]`]);
    expect(patch.code).toBe(1);
    expect(patch.stderr).toContain(`is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}`);

    const bindView = await kubectl(bob, ["create", "rolebinding", "carol-view", "--clusterrole=view", "--user=carol"]);
    expect(bindView.code).toBe(0);
    const bindAdmin = await kubectl(bob, ["create", "rolebinding", "bob-root", "--clusterrole=cluster-admin", "--user=bob"]);
    expect(bindAdmin.code).toBe(1);
    expect(bindAdmin.stderr).toContain(`rolebindings.rbac.authorization.k8s.io "bob-root" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`);
    expect(bindAdmin.stderr).toContain(`{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`);
    const missing = await kubectl(bob, ["create", "rolebinding", "ghost", "--role=nothing-here", "--user=carol"]);
    expect(missing.stderr).toContain(`role.rbac.authorization.k8s.io "nothing-here" not found`);

    // With `bind` on cluster-admin, the same binding is allowed (upstream's bind verb).
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: "team", body: { metadata: { name: "may-bind-cluster-admin" }, rules: [{ apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["cluster-admin"] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: "team", body: { metadata: { name: "bob-bind" }, roleRef: { apiGroup: RBAC, kind: "Role", name: "may-bind-cluster-admin" }, subjects: [{ kind: "User", name: "bob", apiGroup: RBAC }] } });
    expect((await kubectl(bob, ["create", "rolebinding", "bob-root", "--clusterrole=cluster-admin", "--user=dave"])).code).toBe(0);
  });

  test("the escalate verb lifts the role check; an aggregationRule needs cluster-admin's rights", async () => {
    const clusterRole = (name: string, extra: object) => JSON.stringify({ metadata: { name }, ...extra });
    const token = tokenOf(bob);
    const post = (body: string) => apiFetch(server, `/apis/${RBAC}/v1/clusterroles`, { method: "POST", token, body });
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: "clusterrole-writer" }, rules: [{ apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["create"] }] } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: "bob-clusterrole-writer" }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "clusterrole-writer" }, subjects: [{ kind: "User", name: "bob", apiGroup: RBAC }] } });
    const nodes = await post(clusterRole("node-reader", { rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }] }));
    expect(nodes.status).toBe(403);
    const agg = await post(clusterRole("gatherer", { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } }));
    expect(((await agg.json()) as { message: string }).message).toBe(`clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: must have cluster-admin privileges to use the aggregationRule`);
    await rbac.createClusterRole({ body: { metadata: { name: "escalator" }, rules: [{ apiGroups: [RBAC], resources: ["clusterroles"], verbs: ["escalate"], resourceNames: ["node-reader"] }] } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: "bob-escalator" }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "escalator" }, subjects: [{ kind: "User", name: "bob", apiGroup: RBAC }] } });
    expect((await post(clusterRole("node-reader", { rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }] }))).status).toBe(201);
  });
});

describe("aggregation", () => {
  test("view gains the rules of a ClusterRole labelled aggregate-to-view, and loses them when it goes", async () => {
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: { metadata: { name: "widgets-view", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } }, rules: [{ apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list"] }] },
    });
    const has = (rules: k8s.V1PolicyRule[] | undefined) => (rules ?? []).some((r) => r.apiGroups?.includes("example.com") && r.resources?.includes("widgets"));
    await eventually("view to gain widgets", async () => (has((await rbac.readClusterRole({ name: "view" })).rules) ? true : undefined), 5_000, 50);
    // edit and admin aggregate view, so they gain it too.
    await eventually("admin to gain widgets", async () => (has((await rbac.readClusterRole({ name: "admin" })).rules) ? true : undefined), 5_000, 50);
    await rbac.deleteClusterRole({ name: "widgets-view" });
    await eventually("view to lose widgets", async () => (!has((await rbac.readClusterRole({ name: "view" })).rules) ? true : undefined), 5_000, 50);
  });
});

describe("validation as upstream", () => {
  test("roleRef is immutable, its kind is Role or ClusterRole, subjects have known kinds", async () => {
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({ namespace: "other", body: { metadata: { name: "fixed" }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "view" }, subjects: [{ kind: "Group", name: "g" }] } });
    const changed = await kubectl(server.kubeconfigPath, ["-n", "other", "patch", "rolebinding", "fixed", "--type=merge", "-p", `{"roleRef":{"name":"edit"}}`]);
    expect(changed.stderr.trim()).toBe(
      `The RoleBinding "fixed" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef`,
    );
    const bad = await apiFetch(server, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      method: "POST",
      body: JSON.stringify({ metadata: { name: "bad" }, roleRef: { apiGroup: RBAC, kind: "Role", name: "x" }, subjects: [{ kind: "Robot", name: "r" }] }),
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toBe(
      `ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]`,
    );
    const rule = await apiFetch(server, "/apis/rbac.authorization.k8s.io/v1/namespaces/other/roles", { method: "POST", body: JSON.stringify({ metadata: { name: "r" }, rules: [{ nonResourceURLs: ["/x"], verbs: ["get"] }] }) });
    expect(((await rule.json()) as { message: string }).message).toBe(`Role.rbac.authorization.k8s.io "r" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs`);
  });
});

describe("service accounts and charts", () => {
  test("a service account bound by a Role lists ConfigMaps of its namespace and nothing else", async () => {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: "other", body: { metadata: { name: "robot" } } });
    const tr = await core.createNamespacedServiceAccountToken({ namespace: "other", name: "robot", body: { spec: { audiences: [], expirationSeconds: 600 } } as k8s.AuthenticationV1TokenRequest });
    const token = tr.status!.token;
    expect((await apiFetch(server, "/api/v1/namespaces/other/configmaps", { token })).status).toBe(403);
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: "other", body: { metadata: { name: "cm" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }] } });
    // A ServiceAccount subject without a namespace is the binding's namespace's.
    await rbac.createNamespacedRoleBinding({ namespace: "other", body: { metadata: { name: "robot-cm" }, roleRef: { apiGroup: RBAC, kind: "Role", name: "cm" }, subjects: [{ kind: "ServiceAccount", name: "robot" }] } });
    expect((await apiFetch(server, "/api/v1/namespaces/other/configmaps", { token })).status).toBe(200);
    expect((await apiFetch(server, "/api/v1/namespaces/team/configmaps", { token })).status).toBe(403);
    // Groups of service accounts are subjects too.
    await rbac.createNamespacedRoleBinding({ namespace: "team", body: { metadata: { name: "all-sa-of-other" }, roleRef: { apiGroup: RBAC, kind: "Role", name: "cm-reader" }, subjects: [{ kind: "Group", name: "system:serviceaccounts:other", apiGroup: RBAC }] } });
    expect((await apiFetch(server, "/api/v1/namespaces/team/configmaps", { token })).status).toBe(200);
  });

  test("real helm, as a namespace admin, installs a chart with a ServiceAccount, a Role and a RoleBinding", async () => {
    const carol = await makeUser("carol", "admin", "charts");
    const helmHome = join(work, "helm");
    const env = { ...process.env, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, "cache"), HELM_CONFIG_HOME: join(helmHome, "config"), HELM_DATA_HOME: join(helmHome, "data") };
    const proc = Bun.spawn([layerBinary("helm/helm"), "install", "reader", join(root, "test/fixtures/rbac-chart"), "--kubeconfig", carol, "-n", "charts", "--wait", "--timeout", "60s"], { env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(`${code} ${err}`).toBe("0 ");
    expect(out).toContain("STATUS: deployed");
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const binding = await rbac.readNamespacedRoleBinding({ namespace: "charts", name: "reader-configmap-reader" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "reader", namespace: "charts" }]);
    const can = async (verb: string) => (await kubectl(server.kubeconfigPath, ["auth", "can-i", verb, "configmaps", "-n", "charts", "--as", "system:serviceaccount:charts:reader"])).stdout.trim();
    expect(await can("list")).toBe("yes");
    expect(await can("delete")).toBe("no");
  });
});
