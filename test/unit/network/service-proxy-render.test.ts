// The service proxy's model and its nft / iptables renderings: snapshot, meaning, and the
// kernel's own check of the script (`nft -c`, inside a throwaway network namespace).
import { describe, expect, test } from "bun:test";
import { execa } from "execa";
import { buildProxyModel, type EndpointSliceLike, type EndpointsLike, type ServiceLike } from "../../../src/agent/network/proxy-model.ts";
import { renderNftScript } from "../../../src/agent/network/nft-render.ts";
import { renderIptablesRestore } from "../../../src/agent/network/iptables-render.ts";

const web: ServiceLike = {
  metadata: { namespace: "default", name: "web" },
  spec: { type: "NodePort", clusterIP: "10.43.0.20", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30080 }, { name: "dns", protocol: "UDP", port: 53 }] },
};
const sticky: ServiceLike = {
  metadata: { namespace: "shop", name: "cart" },
  spec: { clusterIP: "10.43.0.21", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ protocol: "TCP", port: 8080 }] },
};
const empty: ServiceLike = { metadata: { namespace: "default", name: "idle" }, spec: { clusterIP: "10.43.0.22", ports: [{ protocol: "TCP", port: 80 }] } };
const headless: ServiceLike = { metadata: { namespace: "default", name: "db" }, spec: { clusterIP: "None", ports: [{ protocol: "TCP", port: 5432 }] } };
const lb: ServiceLike = {
  metadata: { namespace: "default", name: "edge" },
  spec: { type: "LoadBalancer", clusterIP: "10.43.0.23", ports: [{ protocol: "TCP", port: 443, nodePort: 30443 }] },
  status: { loadBalancer: { ingress: [{ ip: "192.168.77.3" }] } },
};

const slice = (ns: string, svc: string, ports: { name?: string; port: number; protocol?: string }[], eps: [string, boolean | undefined][]): EndpointSliceLike => ({
  metadata: { namespace: ns, name: `${svc}-abcde`, labels: { "kubernetes.io/service-name": svc } },
  addressType: "IPv4",
  ports,
  endpoints: eps.map(([ip, ready]) => ({ addresses: [ip], conditions: ready === undefined ? {} : { ready } })),
});

const slices = [
  slice("default", "web", [{ name: "http", port: 8080, protocol: "TCP" }, { name: "dns", port: 5353, protocol: "UDP" }], [["10.42.1.5", true], ["10.42.2.6", true], ["10.42.1.7", undefined], ["10.42.2.9", false]]),
  slice("shop", "cart", [{ name: "", port: 9000, protocol: "TCP" }], [["10.42.1.10", true], ["10.42.2.11", true]]),
  slice("default", "edge", [{ name: "", port: 8443, protocol: "TCP" }], [["10.42.3.4", true]]),
];

const model = () => buildProxyModel([web, sticky, empty, headless, lb], slices);

describe("proxy model", () => {
  test("one entry per Service port with its ready backends, resolved by port name", () => {
    const m = model();
    expect(m.ports.map((p) => p.key)).toEqual(["default/edge/tcp/443", "default/idle/tcp/80", "default/web/tcp/http", "default/web/udp/dns", "shop/cart/tcp/8080"]);
    const http = m.ports.find((p) => p.key === "default/web/tcp/http")!;
    expect(http.endpoints).toEqual([
      { ip: "10.42.1.5", port: 8080 },
      { ip: "10.42.1.7", port: 8080 },
      { ip: "10.42.2.6", port: 8080 },
    ]);
    expect(http.nodePort).toBe(30080);
    expect(m.ports.find((p) => p.key === "default/web/udp/dns")!.endpoints.map((e) => e.port)).toEqual([5353, 5353, 5353]);
    expect(m.ports.find((p) => p.key === "shop/cart/tcp/8080")!.affinitySeconds).toBe(600);
    expect(m.ports.find((p) => p.key === "default/idle/tcp/80")!.endpoints).toEqual([]);
    expect(m.ports.find((p) => p.key === "default/edge/tcp/443")!.addresses).toEqual(["10.43.0.23", "192.168.77.3"]);
  });

  test("Endpoints work when a Service has no slices; skipped addresses get no rules", () => {
    const eps: EndpointsLike[] = [{ metadata: { namespace: "default", name: "idle" }, subsets: [{ addresses: [{ ip: "10.42.1.8" }], ports: [{ port: 81, protocol: "TCP" }] }] }];
    const m = buildProxyModel([empty, { metadata: { namespace: "kube-system", name: "kube-dns" }, spec: { clusterIP: "10.43.0.10", ports: [{ port: 53, protocol: "UDP" }] } }], [], eps, { skipAddresses: ["10.43.0.10"] });
    expect(m.ports).toHaveLength(1);
    expect(m.ports[0]!.endpoints).toEqual([{ ip: "10.42.1.8", port: 81 }]);
  });
});

describe("nft script", () => {
  test("matches the reviewed snapshot", () => {
    expect(renderNftScript(model(), { clusterCidr: "10.42.0.0/16" })).toMatchSnapshot();
  });

  test("replaces the table in one transaction", () => {
    const lines = renderNftScript(model()).split("\n");
    expect(lines.slice(0, 3)).toEqual(["table ip skiff", "delete table ip skiff", "table ip skiff {"]);
    expect(lines.filter((l) => /^table /.test(l))).toHaveLength(2);
  });

  test("ClusterIP and node port go to the service chain, which spreads evenly over ready backends", () => {
    const s = renderNftScript(model());
    expect(s).toMatch(/10\.43\.0\.20 \. tcp \. 80 : goto svc-[A-Z0-9x]{8}-default\/web\/tcp\/http/);
    expect(s).toMatch(/tcp \. 30080 : goto ext-[A-Z0-9x]{8}-default\/web\/tcp\/http/);
    const chain = s.split("\n\t}").find((c) => /chain svc-\w+-default\/web\/tcp\/http \{/.test(c))!;
    expect(chain).toContain("numgen random mod 3 vmap { 0 : goto ep-");
    for (const ip of ["10.42.1.5", "10.42.1.7", "10.42.2.6"]) expect(chain).toContain(`__${ip}/8080`);
    expect(s).not.toContain("10.42.2.9"); // not ready
    expect(s).toContain("meta l4proto tcp dnat to 10.42.1.5:8080");
    expect(s).toContain("meta l4proto udp dnat to 10.42.2.6:5353");
  });

  test("no ready endpoint: the address is refused instead of DNATed", () => {
    const s = renderNftScript(model());
    expect(s).toContain("10.43.0.22 . tcp . 80 : goto reject-chain");
    expect(s).not.toMatch(/svc-\w+-default\/idle/);
  });

  test("ClientIP affinity: a timed set per backend, checked before the random pick", () => {
    const s = renderNftScript(model());
    const sets = [...s.matchAll(/set (aff-\w+) \{[^}]*timeout 600s/g)].map((m) => m[1]);
    expect(sets).toHaveLength(2);
    const chain = s.split("\n\t}").find((c) => /chain svc-\w+-shop\/cart/.test(c))!;
    const lines = chain.split("\n").map((l) => l.trim());
    expect(lines.filter((l) => l.startsWith("ip saddr @aff-"))).toHaveLength(2);
    expect(lines.findIndex((l) => l.startsWith("ip saddr @aff-"))).toBeLessThan(lines.findIndex((l) => l.startsWith("numgen")));
    expect(s).toContain("update @" + sets[0] + " { ip saddr }");
  });

  test("masquerade: node ports always, hairpin by source, ClusterIP from outside the cluster range", () => {
    const s = renderNftScript(model(), { clusterCidr: "10.42.0.0/16" });
    expect(s).toMatch(/chain ext-\w+-default\/web\/tcp\/http \{\n\t\tjump mark-for-masquerade\n\t\tgoto svc-/);
    expect(s).toContain("ip saddr 10.42.1.5 jump mark-for-masquerade");
    expect(s).toContain("ip daddr 10.43.0.20 tcp dport 80 ip saddr != 10.42.0.0/16 jump mark-for-masquerade");
    expect(s).toContain("masquerade fully-random");
  });

  test("a removed Service leaves no trace in the script", () => {
    const s = renderNftScript(buildProxyModel([sticky, empty], slices));
    expect(s).not.toContain("default/web");
    expect(s).not.toContain("10.43.0.20");
    expect(s).not.toContain("30080");
  });

  test("the kernel accepts the script (nft -c in a private network namespace)", async () => {
    if (!Bun.which("nft") || !Bun.which("unshare")) throw new Error("nft/unshare not found: apt-get install -y nftables util-linux");
    for (const m of [model(), buildProxyModel([], [])]) {
      const r = await execa("unshare", ["--net", "nft", "-c", "-f", "-"], { input: renderNftScript(m, { clusterCidr: "10.42.0.0/16" }), reject: false });
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
    }
  });
});

describe("iptables fallback", () => {
  test("probabilities spread evenly, empty services rejected, iptables-restore accepts it", async () => {
    const s = renderIptablesRestore(model(), { clusterCidr: "10.42.0.0/16" });
    const http = s.split("\n").filter((l) => l.includes('"default/web/tcp/http"') && l.includes("DNAT") && l.includes("-d 10.43.0.20/32"));
    expect(http).toHaveLength(3);
    expect(http[0]).toContain("--probability 0.3333333333");
    expect(http[1]).toContain("--probability 0.5000000000");
    expect(http[2]).not.toContain("--probability");
    expect(s).toMatch(/-A SKIFF-FILTER -m conntrack --ctstate NEW -d 10\.43\.0\.22\/32 .* -j REJECT/);
    if (!Bun.which("iptables-restore")) throw new Error("iptables-restore not found: apt-get install -y iptables");
    const r = await execa("unshare", ["--net", "iptables-restore", "--test"], { input: s, reject: false });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
