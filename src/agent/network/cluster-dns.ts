// The node's cluster DNS: the address on its dummy interface, the server listening on
// it, and the zone kept current from Services and EndpointSlices. Agents sharing a host
// share the address: each listens on it with SO_REUSEPORT and answers from the same zone.
import { resources, type ApiClient } from "../../client/api-client.ts";
import { ClusterZone, DEFAULT_CLUSTER_DOMAIN } from "./dns-records.ts";
import { startDnsServer, type RunningDnsServer } from "./dns-server.ts";
import { DEFAULT_CLUSTER_DNS, ensureDnsAddress, removeDnsAddress } from "./dns-address.ts";
import { ResourceMirror } from "./resource-mirror.ts";
import type { EndpointSliceLike, ServiceLike } from "./proxy-model.ts";

export type ClusterDnsOptions = {
  client: ApiClient;
  address?: string;
  domain?: string;
  upstreams?: string[];
};

export class ClusterDns {
  private readonly services: ResourceMirror;
  private readonly slices: ResourceMirror;
  private zone: ClusterZone;
  private server?: RunningDnsServer;
  private stopped = false;
  readonly address: string;

  constructor(private readonly opts: ClusterDnsOptions) {
    this.address = opts.address ?? DEFAULT_CLUSTER_DNS;
    this.zone = new ClusterZone([], [], opts.domain ?? DEFAULT_CLUSTER_DOMAIN);
    const rebuild = () => {
      this.zone = new ClusterZone(this.services.list() as ServiceLike[], this.slices.list() as EndpointSliceLike[], opts.domain ?? DEFAULT_CLUSTER_DOMAIN);
    };
    this.services = new ResourceMirror(opts.client, resources.services, rebuild);
    this.slices = new ResourceMirror(opts.client, resources.endpointslices, rebuild);
  }

  /** On failure (say, the address is taken by another agent's server) nothing it began keeps running. */
  async start(): Promise<void> {
    await ensureDnsAddress(this.address);
    this.services.start();
    this.slices.start();
    try {
      this.server = await startDnsServer({ address: this.address, port: 53, zone: () => this.zone, upstreams: this.opts.upstreams, reusePort: true });
      // Stopped while binding: the server must not outlive the stop.
      if (this.stopped) await this.server.stop();
    } catch (e) {
      this.services.stop();
      this.slices.stop();
      throw e;
    }
  }

  async stop(opts: { removeAddress?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.services.stop();
    this.slices.stop();
    await this.server?.stop();
    if (opts.removeAddress) await removeDnsAddress(this.address);
  }
}

/** What pods get in resolv.conf, as the kubelet writes it for ClusterFirst. */
export function podDnsConfig(namespace: string, nameserver = DEFAULT_CLUSTER_DNS, domain = DEFAULT_CLUSTER_DOMAIN) {
  return { nameservers: [nameserver], searches: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain], options: ["ndots:5"] };
}
