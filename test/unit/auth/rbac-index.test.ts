// The RBAC index on a real registry and SQLite store: bindings follow their changes (a
// subject removed from a binding, a binding or role deleted, a role's rules changed, a
// namespace's bindings staying in that namespace), and the aggregation of ClusterRoles.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testCluster, type TestCluster } from "../controllers/cluster.ts";
import { Authorizer } from "../../../src/server/auth/authorizer.ts";
import { requestAttributes } from "../../../src/api/http/request-attributes.ts";
import { aggregatedRules } from "../../../src/controllers/clusterrole-aggregation.ts";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";

const RBAC = "rbac.authorization.k8s.io";
let c: TestCluster;
let authz: Authorizer;

beforeAll(async () => {
  c = await testCluster();
  authz = new Authorizer(c.registry);
  const ns = c.kind("namespaces");
  await c.registry.create(ns, "", { metadata: { name: "b" } });
});
afterAll(async () => {
  authz.stop();
  await c.close();
});

const may = (user: string, groups: string[], method: string, path: string) => authz.decide({ name: user, groups }, requestAttributes(method, path, new URLSearchParams())).allowed;
const listPods = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

describe("the index follows roles and bindings as they change", () => {
  test("a subject gains rights with a binding, only in its namespace, and loses them when removed from it", async () => {
    const role = c.kind("roles");
    const binding = c.kind("rolebindings");
    await c.registry.create(role, "default", { metadata: { name: "pods" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }] });
    expect(may("ann", [], "GET", listPods("default"))).toBe(false);
    await c.registry.create(binding, "default", { metadata: { name: "pods" }, roleRef: { apiGroup: RBAC, kind: "Role", name: "pods" }, subjects: [{ kind: "User", name: "ann" }, { kind: "User", name: "ben" }] });
    expect(may("ann", [], "GET", listPods("default"))).toBe(true);
    expect(may("ann", [], "GET", listPods("b"))).toBe(false);
    expect(may("ann", [], "GET", "/api/v1/pods")).toBe(false);
    await c.registry.replace(binding, "default", "pods", (cur) => ({ ...cur!, subjects: [{ kind: "User", name: "ben", apiGroup: RBAC }] }));
    expect(may("ann", [], "GET", listPods("default"))).toBe(false);
    expect(may("ben", [], "GET", listPods("default"))).toBe(true);
    // The role's rules change: the binding grants the new ones at once.
    await c.registry.replace(role, "default", "pods", (cur) => ({ ...cur!, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] }));
    expect(may("ben", [], "GET", listPods("default"))).toBe(false);
    expect(may("ben", [], "GET", `${listPods("default")}/p1`)).toBe(true);
    // Role gone: nothing granted, and the missing role is the reason given.
    await c.registry.delete(role, "default", "pods");
    const d = authz.decide({ name: "ben", groups: [] }, requestAttributes("GET", `${listPods("default")}/p1`, new URLSearchParams()));
    expect(d).toEqual({ allowed: false, reason: `RBAC: role.rbac.authorization.k8s.io "pods" not found` });
    await c.registry.delete(binding, "default", "pods");
  });

  test("cluster bindings apply in every namespace; groups and service accounts are subjects", async () => {
    const clusterRole = c.kind("clusterroles");
    const crb = c.kind("clusterrolebindings");
    await c.registry.create(clusterRole, "", { metadata: { name: "reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }, { nonResourceURLs: ["/metrics"], verbs: ["get"] }] });
    await c.registry.create(crb, "", {
      metadata: { name: "readers" },
      roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "reader" },
      subjects: [{ kind: "Group", name: "ops" }, { kind: "ServiceAccount", name: "bot", namespace: "b" }],
    });
    expect(may("x", ["ops"], "GET", listPods("b"))).toBe(true);
    expect(may("x", ["ops"], "GET", "/api/v1/pods")).toBe(true);
    expect(may("x", ["ops"], "GET", "/metrics")).toBe(true);
    expect(may("system:serviceaccount:b:bot", ["system:serviceaccounts"], "GET", listPods("default"))).toBe(true);
    expect(may("system:serviceaccount:default:bot", ["system:serviceaccounts"], "GET", listPods("default"))).toBe(false);
    // A RoleBinding to a ClusterRole grants its resource rules in that namespace only, and never its URLs.
    await c.registry.create(c.kind("rolebindings"), "b", { metadata: { name: "r" }, roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "reader" }, subjects: [{ kind: "User", name: "cy" }] });
    expect(may("cy", [], "GET", listPods("b"))).toBe(true);
    expect(may("cy", [], "GET", listPods("default"))).toBe(false);
    expect(may("cy", [], "GET", "/metrics")).toBe(false);
    await c.registry.delete(crb, "", "readers");
    expect(may("x", ["ops"], "GET", listPods("b"))).toBe(false);
  });
});

describe("aggregation", () => {
  test("rules of matching roles, in name order, each once, never the aggregated role's own", () => {
    const role = (name: string, labels: Record<string, string>, rules: object[]): KubeObject => ({ metadata: { name, labels }, rules });
    const agg = { metadata: { name: "agg", labels: { a: "1" } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "1" } }, { matchExpressions: [{ key: "b", operator: "Exists" }] }] }, rules: [{ verbs: ["x"] }] } as KubeObject;
    const r1 = { apiGroups: [""], resources: ["pods"], verbs: ["get"] };
    const r2 = { apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] };
    const all = [agg, role("z", { a: "1" }, [r2]), role("m", { b: "" }, [r1, r2]), role("c", { a: "1" }, [r1]), role("other", {}, [{ verbs: ["*"] }])];
    expect(aggregatedRules(agg, all)).toEqual([r1, r2]);
  });
});
