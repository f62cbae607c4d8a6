// Ingress, IngressClass, NetworkPolicy and PodDisruptionBudget as stored kinds: upstream's
// defaults, 422 messages and kubectl columns, through the official client and real kubectl.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { startTestServer, type TestServer } from "../support/server.ts";
import { rejection } from "../support/rejection.ts";
import { kubectlOk } from "../support/kubectl.ts";

let server: TestServer;
let net: k8s.NetworkingV1Api;
let policy: k8s.PolicyV1Api;
const NS = "default";

beforeAll(async () => {
  server = await startTestServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  net = kc.makeApiClient(k8s.NetworkingV1Api);
  policy = kc.makeApiClient(k8s.PolicyV1Api);
});
afterAll(() => server.cleanup());

const causes = (status: any) => (status.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);
const get = (args: string[]) => kubectlOk(server.kubeconfigPath, ["get", ...args]);

test("Ingress: kubectl columns, describe, status subresource, and upstream's 422s", async () => {
  await net.createNamespacedIngress({
    namespace: NS,
    body: {
      metadata: { name: "web" },
      spec: {
        ingressClassName: "nginx",
        tls: [{ hosts: ["a.example.com"], secretName: "tls" }],
        rules: [
          { host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } },
          { host: "b.example.com", http: { paths: [{ path: "/api", pathType: "Exact", backend: { service: { name: "api", port: { name: "http" } } } }] } },
        ],
      },
    },
  });
  await net.patchNamespacedIngressStatus({ name: "web", namespace: NS, body: { status: { loadBalancer: { ingress: [{ ip: "10.0.0.5" }] } } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  expect(await get(["ingress", "-n", NS])).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nweb\s+nginx\s+a\.example\.com,b\.example\.com\s+10\.0\.0\.5\s+80, 443\s+\S+\n$/);
  await net.createNamespacedIngress({ namespace: NS, body: { metadata: { name: "fallback" }, spec: { defaultBackend: { service: { name: "web", port: { number: 8080 } } } } } });
  expect(await get(["ing", "fallback", "--no-headers"])).toMatch(/^fallback\s+<none>\s+\*\s+80\s+\S+\n$/);
  const described = await kubectlOk(server.kubeconfigPath, ["describe", "ingress", "web", "-n", NS]);
  expect(described).toMatch(/Ingress Class:\s+nginx/);
  expect(described).toMatch(/a\.example\.com\s*\n\s+\/\s+web:80/);
  expect(await kubectlOk(server.kubeconfigPath, ["explain", "ingress.spec.rules.http.paths.pathType"])).toMatch(/FIELD: pathType <string>/);

  const empty = await rejection(net.createNamespacedIngress({ namespace: NS, body: { metadata: { name: "empty" }, spec: {} } }));
  expect([empty.code, ...causes(empty.status)]).toEqual([422, "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"]);
  const bad = await rejection(
    net.createNamespacedIngress({
      namespace: NS,
      body: {
        metadata: { name: "bad" },
        spec: {
          rules: [
            { host: "10.0.0.1", http: { paths: [{ path: "api", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80, name: "http" } } } }] } },
            { host: "*.example.com", http: { paths: [{ path: "/", backend: { service: { name: "web", port: { number: 80 } } } } as k8s.V1HTTPIngressPath] } },
          ],
        },
      },
    }),
  );
  expect(causes(bad.status)).toEqual([
    'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
    'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
    "spec.rules[1].http.paths[0].pathType: Required value: pathType must be specified",
  ]);
});

test("IngressClass: columns, Cluster scope defaulted for parameters, controller immutable", async () => {
  const created = await net.createIngressClass({ body: { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx", parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external" } } } });
  expect(created.spec?.parameters?.scope).toBe("Cluster");
  expect(await get(["ingressclass"])).toMatch(/^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nnginx\s+k8s\.io\/ingress-nginx\s+IngressParameters\.k8s\.example\.com\/external\s+\S+\n$/);
  const described = await kubectlOk(server.kubeconfigPath, ["describe", "ingressclass", "nginx"]);
  expect(described).toMatch(/Controller:\s+k8s\.io\/ingress-nginx/);
  expect(described).toMatch(/Parameters:\s*\n\s+APIGroup:\s+k8s\.example\.com\s*\n\s+Kind:\s+IngressParameters\s*\n\s+Name:\s+external/);
  const moved = await rejection(net.patchIngressClass({ name: "nginx", body: { spec: { controller: "example.com/other" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)));
  expect(causes(moved.status)).toEqual(['spec.controller: Invalid value: "example.com/other": field is immutable']);
  const bare = await rejection(net.createIngressClass({ body: { metadata: { name: "bare" }, spec: { controller: "nginx" } } }));
  expect(causes(bare.status)).toEqual(['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
});

test("NetworkPolicy: policyTypes and port protocol defaulted, columns, describe, 422s", async () => {
  const created = await net.createNamespacedNetworkPolicy({
    namespace: NS,
    body: {
      metadata: { name: "db" },
      spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ _from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432 }] }], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] }] },
    },
  });
  expect(created.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
  expect(created.spec?.ingress?.[0]?.ports?.[0]?.protocol).toBe("TCP");
  await net.createNamespacedNetworkPolicy({ namespace: NS, body: { metadata: { name: "deny-all" }, spec: { podSelector: {} } } });
  expect(await get(["netpol", "-n", NS])).toMatch(/^NAME\s+POD-SELECTOR\s+AGE\ndb\s+app=db\s+\S+\ndeny-all\s+<none>\s+\S+\n$/);
  const described = await kubectlOk(server.kubeconfigPath, ["describe", "networkpolicy", "db", "-n", NS]);
  expect(described).toMatch(/PodSelector:\s+app=db/);
  expect(described).toMatch(/Policy Types: Ingress, Egress/);

  const bad = await rejection(
    net.createNamespacedNetworkPolicy({
      namespace: NS,
      body: {
        metadata: { name: "bad" },
        spec: {
          podSelector: {},
          ingress: [{ _from: [{}, { ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] }, podSelector: {} }], ports: [{ protocol: "ICMP", port: 70000 }] }],
          policyTypes: ["Ingress", "Sideways"],
        },
      },
    }),
  );
  expect(causes(bad.status)).toEqual([
    'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    "spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
    "spec.ingress[0].from[0]: Required value: must specify a peer",
    'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
    "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
    'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
  ]);
});

test("PodDisruptionBudget: 422s for both bounds, a bad percentage, over 100%", async () => {
  const both = await rejection(policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "both" }, spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { a: "b" } } } } }));
  expect(both.code).toBe(422);
  expect(causes(both.status)[0]).toMatch(/^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
  const pct = await rejection(policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "pct" }, spec: { minAvailable: "half", selector: {} } } }));
  expect(causes(pct.status)).toEqual([
    'spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"half"}: a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')',
  ]);
  const over = await rejection(policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "over" }, spec: { maxUnavailable: "150%", selector: {} } } }));
  expect(causes(over.status)).toEqual(['spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%']);
  const negative = await rejection(policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "neg" }, spec: { minAvailable: -1 } } }));
  expect(causes(negative.status)).toEqual(["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"]);
});
