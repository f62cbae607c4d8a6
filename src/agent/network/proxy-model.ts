// What the service proxy programs, reduced from Services and their EndpointSlices (or
// Endpoints) to plain data: one entry per Service port with its virtual addresses, its
// node port and its ready backends. Rendering rules from it is then a pure function.
import { createHash } from "node:crypto";

export type Protocol = "tcp" | "udp" | "sctp";
export type ProxyEndpoint = { ip: string; port: number };

export type ProxyServicePort = {
  /** "namespace/name/protocol/port-name" (the port number when unnamed). */
  key: string;
  protocol: Protocol;
  port: number;
  /** ClusterIP, externalIPs and LoadBalancer ingress addresses. */
  addresses: string[];
  nodePort?: number;
  /** Ready backends, sorted, without duplicates. */
  endpoints: ProxyEndpoint[];
  /** sessionAffinity ClientIP: how long a client sticks to its backend. */
  affinitySeconds?: number;
};

export type ProxyModel = { ports: ProxyServicePort[] };

type ServicePortSpec = { name?: string; protocol?: string; port: number; nodePort?: number; targetPort?: number | string };
export type ServiceLike = {
  metadata: { name?: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    externalIPs?: string[];
    ports?: ServicePortSpec[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
};
export type EndpointSliceLike = {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string> };
  addressType?: string;
  endpoints?: { addresses: string[]; hostname?: string; conditions?: { ready?: boolean } }[] | null;
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
};
export type EndpointsLike = {
  metadata: { name?: string; namespace?: string };
  subsets?: { addresses?: { ip: string }[]; ports?: { name?: string; port: number; protocol?: string }[] }[];
};

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const protocolOf = (p?: string): Protocol => (p === "UDP" ? "udp" : p === "SCTP" ? "sctp" : "tcp");

export type ModelOptions = {
  /** Addresses served by something else on the node (the cluster DNS listener): no rules for them. */
  skipAddresses?: string[];
};

/** Ready backends per "namespace/service" and port name, from EndpointSlices. */
function backendsFromSlices(slices: EndpointSliceLike[]): Map<string, Map<string, { protocol: Protocol; endpoints: ProxyEndpoint[] }>> {
  const out = new Map<string, Map<string, { protocol: Protocol; endpoints: ProxyEndpoint[] }>>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (s.addressType && s.addressType !== "IPv4")) continue;
    const byPort = out.get(`${s.metadata.namespace}/${svc}`) ?? new Map();
    out.set(`${s.metadata.namespace}/${svc}`, byPort);
    for (const p of s.ports ?? []) {
      if (!p.port) continue;
      const entry = byPort.get(p.name ?? "") ?? { protocol: protocolOf(p.protocol), endpoints: [] };
      byPort.set(p.name ?? "", entry);
      for (const e of s.endpoints ?? []) {
        // A nil ready condition means ready, as upstream consumers read it.
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses) if (IPV4.test(ip)) entry.endpoints.push({ ip, port: p.port });
      }
    }
  }
  return out;
}

function backendsFromEndpoints(list: EndpointsLike[]) {
  const out = new Map<string, Map<string, { protocol: Protocol; endpoints: ProxyEndpoint[] }>>();
  for (const ep of list) {
    const byPort = new Map<string, { protocol: Protocol; endpoints: ProxyEndpoint[] }>();
    out.set(`${ep.metadata.namespace}/${ep.metadata.name}`, byPort);
    for (const subset of ep.subsets ?? []) {
      for (const p of subset.ports ?? []) {
        const entry = byPort.get(p.name ?? "") ?? { protocol: protocolOf(p.protocol), endpoints: [] };
        byPort.set(p.name ?? "", entry);
        for (const a of subset.addresses ?? []) if (IPV4.test(a.ip)) entry.endpoints.push({ ip: a.ip, port: p.port });
      }
    }
  }
  return out;
}

function uniqueSorted(eps: ProxyEndpoint[]): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const e of eps) seen.set(`${e.ip}:${e.port}`, e);
  return [...seen.values()].sort((a, b) => (a.ip === b.ip ? a.port - b.port : ipOrder(a.ip) - ipOrder(b.ip)));
}

const ipOrder = (ip: string) => ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);

/**
 * Builds the model from Services and either EndpointSlices or Endpoints (slices win for
 * a Service that has any). Headless and ExternalName Services get no rules.
 */
export function buildProxyModel(services: ServiceLike[], slices: EndpointSliceLike[] = [], endpoints: EndpointsLike[] = [], opts: ModelOptions = {}): ProxyModel {
  const fromSlices = backendsFromSlices(slices);
  const fromEndpoints = backendsFromEndpoints(endpoints);
  const skip = new Set(opts.skipAddresses ?? []);
  const ports: ProxyServicePort[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    if (!spec || spec.type === "ExternalName") continue;
    const ns = svc.metadata.namespace ?? "default";
    const name = svc.metadata.name ?? "";
    const clusterIP = spec.clusterIP && spec.clusterIP !== "None" && IPV4.test(spec.clusterIP) ? spec.clusterIP : undefined;
    if (!clusterIP || skip.has(clusterIP)) continue;
    const extra = [...(spec.externalIPs ?? []), ...(svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "")].filter((ip) => IPV4.test(ip) && !skip.has(ip));
    const backends = fromSlices.get(`${ns}/${name}`) ?? fromEndpoints.get(`${ns}/${name}`);
    for (const p of spec.ports ?? []) {
      const protocol = protocolOf(p.protocol);
      const found = backends?.get(p.name ?? "");
      const eps = found && found.protocol === protocol ? found.endpoints : [];
      ports.push({
        key: `${ns}/${name}/${protocol}/${p.name || p.port}`,
        protocol,
        port: p.port,
        addresses: [...new Set([clusterIP, ...extra])],
        nodePort: spec.type === "NodePort" || spec.type === "LoadBalancer" ? p.nodePort || undefined : undefined,
        endpoints: uniqueSorted(eps),
        affinitySeconds: spec.sessionAffinity === "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined,
      });
    }
  }
  ports.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ports };
}

/** A short stable hash that keeps generated names unique whatever the key's characters. */
export function shortHash(s: string): string {
  return createHash("sha256").update(s).digest("base64url").replace(/[-_]/g, "x").slice(0, 8).toUpperCase();
}
