// RBAC rule matching and coverage as upstream's rbac authorizer and escalation checks
// evaluate them, and the request attributes the authorization filter derives from paths.
import { describe, expect, test } from "bun:test";
import { CompiledRules, compactString, covers, escalationMessage, ruleAllows, rulesAllow, type PolicyRule } from "../../../src/server/auth/rbac-rules.ts";
import { requestAttributes } from "../../../src/api/http/request-attributes.ts";
import { forbiddenMessage } from "../../../src/server/auth/authorizer.ts";
import type { AuthorizationAttributes } from "../../../src/api/http/types.ts";

const attrs = (method: string, path: string, query = "", upgrade = false) => requestAttributes(method, path, new URLSearchParams(query), upgrade);
const resource = (verb: string, apiGroup: string, res: string, extra: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes => ({
  verb,
  resourceRequest: true,
  apiGroup,
  apiVersion: "v1",
  resource: res,
  subresource: "",
  namespace: "default",
  name: "",
  path: "",
  ...extra,
});
const url = (verb: string, path: string): AuthorizationAttributes => ({ verb, resourceRequest: false, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path });

describe("request attributes from method and path (RequestInfoFactory)", () => {
  test.each([
    ["GET", "/api/v1/namespaces/ns/pods", "", { verb: "list", resource: "pods", namespace: "ns", name: "" }],
    ["GET", "/api/v1/namespaces/ns/pods", "watch=1", { verb: "watch", resource: "pods", namespace: "ns" }],
    ["GET", "/api/v1/watch/namespaces/ns/pods", "", { verb: "watch", resource: "pods", namespace: "ns" }],
    ["GET", "/api/v1/pods", "", { verb: "list", resource: "pods", namespace: "" }],
    ["GET", "/api/v1/namespaces/ns/pods", "fieldSelector=metadata.name%3Dweb", { verb: "list", name: "web" }],
    ["GET", "/api/v1/namespaces/ns/pods/web", "", { verb: "get", name: "web", subresource: "" }],
    ["POST", "/api/v1/namespaces/ns/pods", "", { verb: "create", resource: "pods" }],
    ["PUT", "/apis/apps/v1/namespaces/ns/deployments/d/scale", "", { verb: "update", apiGroup: "apps", resource: "deployments", subresource: "scale", name: "d" }],
    ["PATCH", "/apis/apps/v1/namespaces/ns/deployments/d", "", { verb: "patch", apiGroup: "apps" }],
    ["DELETE", "/api/v1/namespaces/ns/configmaps", "", { verb: "deletecollection" }],
    ["DELETE", "/api/v1/namespaces/ns/configmaps/c", "", { verb: "delete", name: "c" }],
    ["GET", "/api/v1/namespaces/ns/pods/web/log", "", { verb: "get", subresource: "log" }],
    ["POST", "/api/v1/namespaces/ns/pods/web/exec", "command=sh", { verb: "create", subresource: "exec" }],
    ["GET", "/api/v1/namespaces/ns/services/web:80/proxy/some/path", "", { verb: "get", resource: "services", subresource: "proxy", name: "web:80" }],
    ["GET", "/api/v1/nodes/n1/proxy/metrics", "", { verb: "get", resource: "nodes", subresource: "proxy", name: "n1", namespace: "" }],
    ["GET", "/api/v1/namespaces/ns", "", { verb: "get", resource: "namespaces", name: "ns", namespace: "ns" }],
    ["PUT", "/api/v1/namespaces/ns/finalize", "", { verb: "update", resource: "namespaces", name: "ns", subresource: "finalize" }],
    ["GET", "/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods", "", { verb: "list", apiGroup: "metrics.k8s.io", resource: "pods" }],
  ])("%s %s?%s", (method, path, query, want) => {
    const a = attrs(method, path, query);
    expect(a.resourceRequest).toBe(true);
    expect(a).toMatchObject(want);
  });

  test("the WebSocket upgrade of exec, attach and portforward (a GET) is a create, as upstream since 1.31", () => {
    for (const sub of ["exec", "attach", "portforward"]) expect(attrs("GET", `/api/v1/namespaces/ns/pods/p/${sub}`, "", true).verb).toBe("create");
    expect(attrs("GET", "/api/v1/namespaces/ns/pods/p/log", "", true).verb).toBe("get");
  });

  test.each([
    ["GET", "/version", "get"],
    ["GET", "/api", "get"],
    ["GET", "/api/v1", "get"],
    ["GET", "/apis/apps", "get"],
    ["GET", "/apis/apps/v1", "get"],
    ["GET", "/openapi/v3/apis/apps/v1", "get"],
    ["GET", "/metrics", "get"],
    ["POST", "/healthz", "post"],
  ])("%s %s is a non-resource request", (method, path, verb) => {
    expect(attrs(method, path)).toMatchObject({ resourceRequest: false, verb, path });
  });
});

describe("rules (RuleAllows)", () => {
  const podsReader: PolicyRule = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };
  test("verb, group and resource all match", () => {
    expect(ruleAllows(resource("list", "", "pods"), podsReader)).toBe(true);
    expect(ruleAllows(resource("delete", "", "pods"), podsReader)).toBe(false);
    expect(ruleAllows(resource("list", "apps", "pods"), podsReader)).toBe(false);
    expect(ruleAllows(resource("list", "", "services"), podsReader)).toBe(false);
  });
  test("a subresource needs its own entry; * matches resources and subresources; */scale matches any scale", () => {
    expect(ruleAllows(resource("get", "", "pods", { subresource: "log" }), podsReader)).toBe(false);
    expect(ruleAllows(resource("get", "", "pods", { subresource: "log" }), { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] })).toBe(true);
    expect(ruleAllows(resource("get", "", "pods", { subresource: "log" }), { apiGroups: ["*"], resources: ["*"], verbs: ["*"] })).toBe(true);
    const scale: PolicyRule = { apiGroups: ["apps"], resources: ["*/scale"], verbs: ["update"] };
    expect(ruleAllows(resource("update", "apps", "deployments", { subresource: "scale" }), scale)).toBe(true);
    expect(ruleAllows(resource("update", "apps", "deployments"), scale)).toBe(false);
  });
  test("resourceNames restrict to named objects: a list (no name) is not allowed by them", () => {
    const one: PolicyRule = { apiGroups: [""], resources: ["configmaps"], resourceNames: ["settings"], verbs: ["get", "list"] };
    expect(ruleAllows(resource("get", "", "configmaps", { name: "settings" }), one)).toBe(true);
    expect(ruleAllows(resource("get", "", "configmaps", { name: "other" }), one)).toBe(false);
    expect(ruleAllows(resource("list", "", "configmaps"), one)).toBe(false);
  });
  test("nonResourceURLs: exact, trailing * prefix, and * alone; never for resource requests", () => {
    const rule: PolicyRule = { nonResourceURLs: ["/healthz", "/apis/*"], verbs: ["get"] };
    expect(ruleAllows(url("get", "/healthz"), rule)).toBe(true);
    expect(ruleAllows(url("get", "/healthz/etcd"), rule)).toBe(false);
    expect(ruleAllows(url("get", "/apis/apps/v1"), rule)).toBe(true);
    expect(ruleAllows(url("post", "/healthz"), rule)).toBe(false);
    expect(ruleAllows(url("get", "/anything"), { nonResourceURLs: ["*"], verbs: ["*"] })).toBe(true);
    expect(ruleAllows(resource("get", "", "pods"), { nonResourceURLs: ["*"], verbs: ["*"] })).toBe(false);
  });
});

describe("coverage and escalation (Covers, ConfirmNoEscalation)", () => {
  const owner: PolicyRule[] = [
    { apiGroups: ["", "apps"], resources: ["pods", "deployments", "pods/log"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"], verbs: ["*"] },
    { nonResourceURLs: ["/api/*"], verbs: ["get"] },
  ];
  test("rules the owner holds are covered, item by item", () => {
    expect(covers(owner, [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] }]).ok).toBe(true);
    expect(covers(owner, [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"], verbs: ["delete"] }]).ok).toBe(true);
    expect(covers(owner, [{ nonResourceURLs: ["/api/v1"], verbs: ["get"] }]).ok).toBe(true);
  });
  test("a wider rule is not covered by a named one, nor a verb or group more", () => {
    expect(covers(owner, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }]).ok).toBe(false);
    expect(covers(owner, [{ apiGroups: [""], resources: ["pods"], verbs: ["delete"] }]).missing).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["delete"] }]);
    expect(covers(owner, [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }]).ok).toBe(false);
    expect(covers(owner, [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }]).ok).toBe(false);
  });
  test("the escalation message lists the missing rules compacted, sorted, as upstream prints them", () => {
    const msg = escalationMessage({ name: "bob", groups: ["system:authenticated", "devs"] }, owner, [
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "delete"] },
      { nonResourceURLs: ["/metrics"], verbs: ["get"] },
    ]);
    expect(msg).toBe(
      [
        `user "bob" (groups=["system:authenticated" "devs"]) is attempting to grant RBAC permissions not currently held:`,
        `{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}`,
        `{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}`,
        `{NonResourceURLs:["/metrics"], Verbs:["get"]}`,
      ].join("\n"),
    );
    expect(escalationMessage({ name: "bob", groups: [] }, owner, [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }])).toBeUndefined();
    expect(compactString({ apiGroups: [""], resources: ["configmaps"], resourceNames: ["a"], verbs: ["get"] })).toBe(`{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}`);
  });
});

describe("upstream's forbidden message", () => {
  test.each([
    [resource("list", "", "pods", { namespace: "default" }), `User "x" cannot list resource "pods" in API group "" in the namespace "default"`],
    [resource("get", "apps", "deployments", { namespace: "", subresource: "scale" }), `User "x" cannot get resource "deployments/scale" in API group "apps" at the cluster scope`],
    [url("get", "/metrics"), `User "x" cannot get path "/metrics"`],
  ])("%o", (a, want) => {
    expect(forbiddenMessage({ name: "x" }, a)).toBe(want);
  });
});

describe("compiled rules", () => {
  test("allow exactly what the rules allow, over many random rules and requests", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 0) % n;
    const pick = <T>(xs: readonly T[], max = 3): T[] => Array.from({ length: 1 + rand(max) }, () => xs[rand(xs.length)]!);
    const VERBS = ["get", "list", "create", "delete", "*"];
    const GROUPS = ["", "apps", "*"];
    const RESOURCES = ["pods", "pods/log", "deployments", "deployments/scale", "*", "*/scale", "configmaps"];
    const NAMES = ["a", "b"];
    const PATHS = ["/healthz", "/api", "/api/v1", "/metrics"];
    for (let round = 0; round < 300; round++) {
      const rules: PolicyRule[] = Array.from({ length: 1 + rand(4) }, () =>
        rand(5) === 0
          ? { nonResourceURLs: pick(["/healthz", "/api/*", "*", "/metrics"]), verbs: pick(VERBS) }
          : { apiGroups: pick(GROUPS), resources: pick(RESOURCES), verbs: pick(VERBS), ...(rand(3) === 0 ? { resourceNames: pick(NAMES) } : {}) },
      );
      const compiled = new CompiledRules(rules);
      for (let i = 0; i < 30; i++) {
        const a = rand(6) === 0 ? url(pick(["get", "post"], 1)[0]!, pick(PATHS, 1)[0]!) : resource(pick(["get", "list", "create", "delete", "update"], 1)[0]!, pick(["", "apps", "batch"], 1)[0]!, pick(["pods", "deployments", "configmaps"], 1)[0]!, { subresource: pick(["", "", "log", "scale"], 1)[0]!, name: pick(["", "a", "b", "c"], 1)[0]! });
        expect(compiled.allows(a), JSON.stringify({ rules, a })).toBe(rulesAllow(a, rules));
      }
    }
  });
});
