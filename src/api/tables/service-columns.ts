// `kubectl get services`, `endpoints` and `endpointslices` (printService, printEndpoints, printEndpointSlice).
import type { Service, Endpoints } from "kubernetes-types/core/v1";
import type { EndpointSlice } from "kubernetes-types/discovery/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, listWithMore, nameColumn, wide } from "./columns.ts";
import { formatLabels } from "../selectors/label-selector.ts";

function loadBalancerIPs(svc: Service): string {
  return (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : i.hostname ? [i.hostname] : [])).join(",");
}

export function serviceExternalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return external.length ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerIPs(svc);
      if (external.length) return [...(lb ? lb.split(",") : []), ...external].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
  }
  return "<unknown>";
}

export function servicePorts(svc: Service): string {
  const s = (svc.spec?.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ""}` : `${p.port}/${p.protocol ?? ""}`)).join(",");
  return s || "<none>";
}

export const serviceColumns: TableColumn[] = [
  nameColumn(),
  col("Type", "string", "type determines how the Service is exposed.", (s: Service) => s.spec?.type ?? ""),
  col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly.", (s: Service) => s.spec?.clusterIPs?.[0] ?? (s.spec?.clusterIP || "<none>")),
  col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.", serviceExternalIP),
  col("Port(s)", "string", "The list of ports that are exposed by this service.", servicePorts),
  ageColumn(),
  wide("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", (s: Service) => formatLabels(s.spec?.selector)),
];

const hostPort = (ip: string, port: number) => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);

/** formatEndpoints: at most three addresses, then " + N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (!subsets.length) return "<none>";
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  outer: for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!(ss.ports ?? []).length) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break outer;
        }
        list.push(a.ip);
      }
      continue;
    }
    // As upstream: a full list stops this subset's ports, but later subsets still count.
    for (const port of ss.ports ?? []) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(a.ip, port.port));
      }
      if (more) break;
    }
  }
  const ret = list.join(",");
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsColumns: TableColumn[] = [
  nameColumn(),
  col("Endpoints", "string", "Endpoints of the service", formatEndpoints),
  ageColumn(),
];

function slicePorts(s: EndpointSlice): string {
  const ports = s.ports ?? [];
  return listWithMore(ports.map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? "<unset>"))), ports.length);
}

function sliceEndpoints(s: EndpointSlice): string {
  const addresses = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addresses, addresses.length);
}

export const endpointSliceColumns: TableColumn[] = [
  nameColumn(),
  col("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.", (s: EndpointSlice) => s.addressType ?? ""),
  col("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports.", slicePorts),
  col("Endpoints", "string", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.", sliceEndpoints),
  ageColumn(),
];
