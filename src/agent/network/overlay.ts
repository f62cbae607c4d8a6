// flannel's job: the pod network across nodes. Each node has a pod subnet (spec.podCIDR);
// this makes every other node's subnet reachable, un-NATed, through
//   vxlan:   a VXLAN device (VNI 1, UDP 8472) with, per remote node, a route
//            `podCIDR via <its subnet .0> dev skiff.1 onlink`, an ARP entry for that .0
//            (its VTEP MAC) and an FDB entry sending that MAC to the node's address;
//   host-gw: plain routes `podCIDR via <node IP>` (nodes must share a link);
//   none:    nothing (another tool owns the pod network).
// The VTEP MAC and the node address are published on the Node as flannel's annotations.
// Nodes on one host (several agents sharing an address, as in k3d-style setups) share
// the host's one VXLAN device and reach each other's pods through their own bridges, so
// a node with this node's address gets no overlay route at all.
import { createHash } from "node:crypto";
import { runTool, tryTool, type CommandPrefix } from "./command.ts";
import { overlayNatScript, overlayNatCleanup } from "./overlay-nat.ts";

export type OverlayBackend = "vxlan" | "host-gw" | "none";

export const VXLAN_DEVICE = "skiff.1";
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
/** Routes skiff installs carry this protocol number, so a sync finds (and removes) its own. */
export const ROUTE_PROTO = 75;
const VXLAN_OVERHEAD = 50;

export const ANNOTATION_BACKEND_DATA = "flannel.alpha.coreos.com/backend-data";
export const ANNOTATION_BACKEND_TYPE = "flannel.alpha.coreos.com/backend-type";
export const ANNOTATION_PUBLIC_IP = "flannel.alpha.coreos.com/public-ip";
export const ANNOTATION_SUBNET_MANAGER = "flannel.alpha.coreos.com/kube-subnet-manager";

export type OverlayOptions = {
  backend: OverlayBackend;
  nodeName: string;
  /** The address other nodes reach this one on (the VXLAN underlay). */
  nodeIp: string;
  podCIDR: string;
  clusterCidr: string;
  /** Defaults to the interface holding nodeIp. */
  iface?: string;
  device?: string;
  commandPrefix?: CommandPrefix;
};

export type NodeLike = {
  metadata: { name?: string; annotations?: Record<string, string> };
  spec?: { podCIDR?: string };
  status?: { addresses?: { type: string; address: string }[] };
};

export type OverlayPeer = { name: string; podCIDR: string; publicIp: string; vtepMac?: string; backend?: string };

/** The subnet's network address: the remote VTEP's address, as flannel uses it. */
export function subnetAddress(cidr: string): string {
  return cidr.split("/")[0]!;
}

/**
 * A stable MAC per host address, so a recreated device keeps the address peers already
 * know, and agents sharing a host agree on the device instead of recreating it in turn.
 */
export function vtepMacFor(nodeIp: string): string {
  const h = createHash("sha256").update(`skiff-vtep\0${nodeIp}`).digest();
  const bytes = [(h[0]! & 0xfe) | 0x02, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!]; // unicast, locally administered
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Every other node that has a subnet and an address, from the Node objects; nodes at `localIp` (this host) are left out. */
export function peersFromNodes(nodes: NodeLike[], self: string, localIp?: string): OverlayPeer[] {
  const peers: OverlayPeer[] = [];
  for (const n of nodes) {
    const name = n.metadata.name ?? "";
    const podCIDR = n.spec?.podCIDR;
    if (name === self || !podCIDR) continue;
    const a = n.metadata.annotations ?? {};
    const publicIp = a[ANNOTATION_PUBLIC_IP] ?? n.status?.addresses?.find((x) => x.type === "InternalIP")?.address;
    if (!publicIp || publicIp === localIp) continue;
    let vtepMac: string | undefined;
    try {
      vtepMac = a[ANNOTATION_BACKEND_DATA] ? (JSON.parse(a[ANNOTATION_BACKEND_DATA]) as { VtepMAC?: string }).VtepMAC : undefined;
    } catch {
      vtepMac = undefined;
    }
    peers.push({ name, podCIDR, publicIp, vtepMac, backend: a[ANNOTATION_BACKEND_TYPE] });
  }
  return peers.sort((x, y) => (x.name < y.name ? -1 : 1));
}

export class Overlay {
  readonly device: string;
  readonly mac: string;
  private iface?: string;

  constructor(readonly opts: OverlayOptions) {
    this.device = opts.device ?? VXLAN_DEVICE;
    this.mac = vtepMacFor(opts.nodeIp);
  }

  private ip(args: string[]) {
    return runTool(this.opts.commandPrefix, ["ip", ...args]);
  }

  /** The annotations this node publishes for its peers. */
  annotations(): Record<string, string> {
    const a: Record<string, string> = {
      [ANNOTATION_BACKEND_TYPE]: this.opts.backend,
      [ANNOTATION_PUBLIC_IP]: this.opts.nodeIp,
      [ANNOTATION_SUBNET_MANAGER]: "true",
    };
    if (this.opts.backend === "vxlan") a[ANNOTATION_BACKEND_DATA] = JSON.stringify({ VNIConfigured: VXLAN_VNI, VtepMAC: this.mac });
    return a;
  }

  private async underlayInterface(): Promise<{ name: string; mtu: number }> {
    const out = JSON.parse(await this.ip(["-j", "addr", "show"])) as { ifname: string; mtu: number; addr_info?: { local?: string }[] }[];
    const found = out.find((l) => (this.opts.iface ? l.ifname === this.opts.iface : l.addr_info?.some((a) => a.local === this.opts.nodeIp)));
    if (!found) throw new Error(`no interface holds the node address ${this.opts.nodeIp}`);
    return { name: found.ifname, mtu: found.mtu };
  }

  /** Creates (or corrects) the VXLAN device and the NAT exemption; idempotent. */
  async setup(): Promise<void> {
    if (this.opts.backend === "none") return;
    const under = await this.underlayInterface();
    this.iface = under.name;
    if (this.opts.backend === "vxlan") {
      const existing = await this.deviceDetails();
      const wanted = existing && existing.vni === VXLAN_VNI && existing.local === this.opts.nodeIp && existing.port === VXLAN_PORT && existing.mac === this.mac;
      if (existing && !wanted) await this.ip(["link", "delete", this.device]);
      if (!wanted) {
        await this.ip(["link", "add", this.device, "address", this.mac, "type", "vxlan", "id", String(VXLAN_VNI), "local", this.opts.nodeIp, "dev", under.name, "dstport", String(VXLAN_PORT), "nolearning"]);
      }
      await this.ip(["link", "set", this.device, "mtu", String(under.mtu - VXLAN_OVERHEAD)]);
      await this.ip(["addr", "replace", `${subnetAddress(this.opts.podCIDR)}/32`, "dev", this.device]);
      await this.ip(["link", "set", this.device, "up"]);
    }
    await runTool(this.opts.commandPrefix, ["nft", "-f", "-"], overlayNatScript(this.opts.clusterCidr));
  }

  private async deviceDetails(): Promise<{ vni?: number; local?: string; port?: number; mac?: string } | undefined> {
    const r = await tryToolJson(this.opts.commandPrefix, ["ip", "-j", "-d", "link", "show", this.device]);
    const l = r?.[0] as { address?: string; linkinfo?: { info_data?: { id?: number; local?: string; port?: number } } } | undefined;
    if (!l) return undefined;
    const d = l.linkinfo?.info_data ?? {};
    return { vni: d.id, local: d.local, port: d.port, mac: l.address };
  }

  /** Makes routes, ARP and FDB entries match `nodes` exactly: adds the new, removes the gone. */
  async sync(nodes: NodeLike[]): Promise<OverlayPeer[]> {
    if (this.opts.backend === "none") return [];
    const peers = peersFromNodes(nodes, this.opts.nodeName, this.opts.nodeIp).filter((p) => this.opts.backend !== "vxlan" || p.vtepMac);
    const wantRoutes = new Set(peers.map((p) => p.podCIDR));
    for (const p of peers) {
      if (this.opts.backend === "vxlan") {
        const gw = subnetAddress(p.podCIDR);
        await this.ip(["neigh", "replace", gw, "lladdr", p.vtepMac!, "dev", this.device, "nud", "permanent"]);
        await runTool(this.opts.commandPrefix, ["bridge", "fdb", "replace", p.vtepMac!, "dev", this.device, "dst", p.publicIp, "self", "permanent"]);
        await this.ip(["route", "replace", p.podCIDR, "via", gw, "dev", this.device, "onlink", "proto", String(ROUTE_PROTO)]);
      } else {
        await this.ip(["route", "replace", p.podCIDR, "via", p.publicIp, "dev", this.iface ?? (await this.underlayInterface()).name, "proto", String(ROUTE_PROTO)]);
      }
    }
    // Whatever skiff installed for nodes that are gone.
    const routes = (await tryToolJson(this.opts.commandPrefix, ["ip", "-j", "route", "show", "proto", String(ROUTE_PROTO)])) as { dst: string }[] | undefined;
    for (const r of routes ?? []) {
      const dst = r.dst.includes("/") ? r.dst : `${r.dst}/32`;
      if (!wantRoutes.has(dst)) await tryTool(this.opts.commandPrefix, ["ip", "route", "del", dst, "proto", String(ROUTE_PROTO)]);
    }
    if (this.opts.backend === "vxlan") {
      const wantGw = new Set(peers.map((p) => subnetAddress(p.podCIDR)));
      const wantMac = new Map(peers.map((p) => [p.vtepMac!, p.publicIp]));
      const neigh = (await tryToolJson(this.opts.commandPrefix, ["ip", "-j", "neigh", "show", "dev", this.device])) as { dst: string }[] | undefined;
      for (const n of neigh ?? []) if (!wantGw.has(n.dst)) await tryTool(this.opts.commandPrefix, ["ip", "neigh", "del", n.dst, "dev", this.device]);
      const fdb = (await tryToolJson(this.opts.commandPrefix, ["bridge", "-j", "fdb", "show", "dev", this.device])) as { mac: string; dst?: string }[] | undefined;
      for (const f of fdb ?? []) {
        if (!f.dst || wantMac.get(f.mac) === f.dst) continue;
        await tryTool(this.opts.commandPrefix, ["bridge", "fdb", "del", f.mac, "dev", this.device, "dst", f.dst, "self"]);
      }
    }
    return peers;
  }

  /** Removes the device, skiff's routes and the NAT exemption. */
  async teardown(): Promise<void> {
    await tryTool(this.opts.commandPrefix, ["ip", "link", "delete", this.device]);
    const routes = (await tryToolJson(this.opts.commandPrefix, ["ip", "-j", "route", "show", "proto", String(ROUTE_PROTO)])) as { dst: string }[] | undefined;
    for (const r of routes ?? []) await tryTool(this.opts.commandPrefix, ["ip", "route", "del", r.dst, "proto", String(ROUTE_PROTO)]);
    await tryTool(this.opts.commandPrefix, ["nft", "delete", "table", "ip", "skiff-overlay"]);
  }
}

async function tryToolJson(prefix: CommandPrefix | undefined, cmd: string[]): Promise<unknown[] | undefined> {
  try {
    const out = await runTool(prefix, cmd);
    return out.trim() ? (JSON.parse(out) as unknown[]) : [];
  } catch {
    return undefined;
  }
}

export { overlayNatCleanup };
