// The cluster's DNS zone, computed from Services and EndpointSlices as CoreDNS's
// kubernetes plugin answers it:
//   svc.ns.svc.cluster.local            A   ClusterIP (headless: every ready pod IP)
//   _port._proto.svc.ns.svc.cluster.local SRV per named port
//   host.svc.ns.svc.cluster.local       A   a headless Service's pod (hostname or a-b-c-d)
//   ExternalName Services               CNAME
// Unknown names inside the zone are NXDOMAIN; names outside are not ours (forwarded).
import type { Answer } from "dns-packet";
import type { EndpointSliceLike, ServiceLike } from "./proxy-model.ts";

export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";
const TTL = 5;

export type DnsLookup =
  | { kind: "answer"; answers: Answer[]; additionals?: Answer[] }
  | { kind: "nodata" }
  | { kind: "nxdomain" }
  | { kind: "forward" };

type SvcEntry = {
  clusterIP?: string;
  externalName?: string;
  ports: { name: string; protocol: string; port: number }[];
  /** Ready pods of the Service: IP, hostname, and their ports by name (headless SRV). */
  pods: { ip: string; hostname?: string; ports: Map<string, number> }[];
};

type SliceEndpoint = NonNullable<EndpointSliceLike["endpoints"]>[number] & { hostname?: string };

export class ClusterZone {
  private readonly services = new Map<string, SvcEntry>(); // "name.ns"

  constructor(
    services: ServiceLike[],
    slices: EndpointSliceLike[],
    readonly domain = DEFAULT_CLUSTER_DOMAIN,
  ) {
    for (const s of services) {
      const spec = (s.spec ?? {}) as NonNullable<ServiceLike["spec"]> & { externalName?: string };
      this.services.set(`${s.metadata.name}.${s.metadata.namespace ?? "default"}`, {
        clusterIP: spec.clusterIP,
        externalName: spec.type === "ExternalName" ? spec.externalName : undefined,
        ports: (spec.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, protocol: (p.protocol ?? "TCP").toLowerCase(), port: p.port })),
        pods: [],
      });
    }
    for (const sl of slices) {
      const svc = sl.metadata.labels?.["kubernetes.io/service-name"];
      const entry = svc && this.services.get(`${svc}.${sl.metadata.namespace ?? "default"}`);
      if (!entry || (sl.addressType && sl.addressType !== "IPv4")) continue;
      for (const e of (sl.endpoints ?? []) as SliceEndpoint[]) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses) {
          const ports = new Map((sl.ports ?? []).filter((p) => p.name && p.port).map((p) => [`${p.name}/${(p.protocol ?? "TCP").toLowerCase()}`, p.port!]));
          const existing = entry.pods.find((p) => p.ip === ip);
          if (existing) for (const [k, v] of ports) existing.ports.set(k, v);
          else entry.pods.push({ ip, hostname: e.hostname, ports });
        }
      }
    }
    for (const e of this.services.values()) e.pods.sort((a, b) => (a.ip < b.ip ? -1 : 1));
  }

  /** Whether a name belongs to the cluster zone (so it must not be forwarded). */
  inZone(name: string): boolean {
    const n = normalize(name);
    return n === this.domain || n.endsWith(`.${this.domain}`);
  }

  lookup(qname: string, qtype: string): DnsLookup {
    const name = normalize(qname);
    if (!this.inZone(name)) return { kind: "forward" };
    const labels = name.slice(0, name.length - this.domain.length - 1).split(".").filter(Boolean);
    // labels, from the right: "svc", namespace, service, [host | _proto, _port]
    if (labels.length === 0 || labels[labels.length - 1] !== "svc") return labels.length <= 1 ? { kind: "nodata" } : { kind: "nxdomain" };
    const rest = labels.slice(0, -1);
    if (rest.length === 1) return { kind: "nodata" }; // ns.svc.cluster.local exists as a branch
    if (rest.length < 2) return { kind: "nodata" };
    const ns = rest[rest.length - 1]!;
    const svcName = rest[rest.length - 2]!;
    const svc = this.services.get(`${svcName}.${ns}`);
    if (!svc) return { kind: "nxdomain" };
    const svcFqdn = `${svcName}.${ns}.svc.${this.domain}`;
    const headless = svc.clusterIP === "None";
    const prefix = rest.slice(0, -2);

    if (prefix.length === 0) {
      if (svc.externalName) {
        return qtype === "A" || qtype === "CNAME" || qtype === "ANY" ? { kind: "answer", answers: [{ type: "CNAME", name: qname, ttl: TTL, data: svc.externalName }] } : { kind: "nodata" };
      }
      if (qtype !== "A" && qtype !== "ANY") return { kind: "nodata" };
      const ips = headless ? svc.pods.map((p) => p.ip) : svc.clusterIP ? [svc.clusterIP] : [];
      return ips.length ? { kind: "answer", answers: ips.map((ip) => ({ type: "A", name: qname, ttl: TTL, data: ip })) } : { kind: "nodata" };
    }

    if (prefix.length === 2 && prefix[0]!.startsWith("_") && prefix[1]!.startsWith("_")) {
      const portName = prefix[0]!.slice(1);
      const proto = prefix[1]!.slice(1);
      const port = svc.ports.find((p) => p.name === portName && p.protocol === proto);
      if (!port) return { kind: "nxdomain" };
      if (qtype !== "SRV" && qtype !== "ANY") return { kind: "nodata" };
      if (!headless) {
        return {
          kind: "answer",
          answers: [{ type: "SRV", name: qname, ttl: TTL, data: { priority: 0, weight: 100, port: port.port, target: svcFqdn } }],
          additionals: svc.clusterIP ? [{ type: "A", name: svcFqdn, ttl: TTL, data: svc.clusterIP }] : [],
        };
      }
      const answers: Answer[] = [];
      const additionals: Answer[] = [];
      for (const p of svc.pods) {
        const target = `${p.hostname ?? p.ip.replaceAll(".", "-")}.${svcFqdn}`;
        const podPort = p.ports.get(`${portName}/${proto}`) ?? port.port;
        answers.push({ type: "SRV", name: qname, ttl: TTL, data: { priority: 0, weight: Math.floor(100 / svc.pods.length), port: podPort, target } });
        additionals.push({ type: "A", name: target, ttl: TTL, data: p.ip });
      }
      return answers.length ? { kind: "answer", answers, additionals } : { kind: "nodata" };
    }

    if (prefix.length === 1 && headless) {
      const pod = svc.pods.find((p) => p.hostname === prefix[0] || p.ip.replaceAll(".", "-") === prefix[0]);
      if (!pod) return { kind: "nxdomain" };
      return qtype === "A" || qtype === "ANY" ? { kind: "answer", answers: [{ type: "A", name: qname, ttl: TTL, data: pod.ip }] } : { kind: "nodata" };
    }
    return { kind: "nxdomain" };
  }
}

const normalize = (n: string) => n.toLowerCase().replace(/\.$/, "");
