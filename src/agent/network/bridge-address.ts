// Keeps the MAC address of the node's pod bridge fixed. Linux gives a bridge whose address
// nobody set the lowest MAC among its ports, so when the pod owning that port goes away the
// bridge's address changes under every other pod: their ARP entry for the gateway (the
// bridge) goes stale and the bridge drops their frames — no service, DNS or cross-node
// traffic — for up to ~30 s until the entry expires. Setting the address, even to the one
// it has, makes the kernel keep it. The bridge is the runtime's (made when the first pod
// starts), so this follows link changes and pins the bridge holding the pod gateway as
// soon as it appears, and again whenever it is recreated.
import { execa, type ResultPromise } from "execa";
import { hasTool, runTool, type CommandPrefix } from "./command.ts";
import { coalesce } from "./resource-mirror.ts";

type LinkAddr = { ifindex: number; ifname: string; address?: string; linkinfo?: { info_kind?: string }; addr_info?: { family?: string; local?: string }[] };

/** The bridge holding `gateway` (the pod subnet's gateway address), if it exists yet. */
export async function findPodBridge(gateway: string, prefix?: CommandPrefix): Promise<{ ifindex: number; ifname: string; address: string } | undefined> {
  const links = JSON.parse(await runTool(prefix, ["ip", "-j", "-d", "addr", "show"])) as LinkAddr[];
  const bridge = links.find((l) => l.linkinfo?.info_kind === "bridge" && l.addr_info?.some((a) => a.local === gateway));
  return bridge?.address ? { ifindex: bridge.ifindex, ifname: bridge.ifname, address: bridge.address } : undefined;
}

/** Sets a link's address to the one it has, which the kernel then keeps. */
export async function pinLinkAddress(link: { ifname: string; address: string }, prefix?: CommandPrefix): Promise<void> {
  await runTool(prefix, ["ip", "link", "set", "dev", link.ifname, "address", link.address]);
}

export type BridgeAddressKeeperOptions = { gateway: string; commandPrefix?: CommandPrefix; log: (line: string) => void };

export class BridgeAddressKeeper {
  private monitor?: ResultPromise;
  private pinned?: number;
  private stopped = false;
  private readonly schedule: () => void;

  constructor(private readonly opts: BridgeAddressKeeperOptions) {
    this.schedule = coalesce(() => this.check(), 20, (e) => opts.log(`skiff agent: pod bridge address not pinned: ${e.message}`));
  }

  start(): void {
    this.watch();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.monitor?.kill();
  }

  /** Pins a bridge once: setting the address is itself a link change the monitor reports. */
  private async check(): Promise<void> {
    const bridge = await findPodBridge(this.opts.gateway, this.opts.commandPrefix);
    if (!bridge || bridge.ifindex === this.pinned) return;
    await pinLinkAddress(bridge, this.opts.commandPrefix);
    this.pinned = bridge.ifindex;
  }

  /** `ip monitor link` prints a line per link change (a pod's veth joining, a bridge made). */
  private watch(): void {
    // The monitor must not outlive the agent, even one killed with SIGKILL.
    const guard = hasTool("setpriv") ? ["setpriv", "--pdeathsig", "KILL"] : [];
    const argv = [...(this.opts.commandPrefix ?? []), ...guard, "ip", "monitor", "link"];
    const monitor = execa(argv[0]!, argv.slice(1), { reject: false, buffer: false, stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    this.monitor = monitor;
    monitor.stdout?.on("data", () => this.schedule());
    void monitor.then(() => {
      if (this.stopped) return;
      setTimeout(() => {
        if (!this.stopped) this.watch();
      }, 1000);
    });
  }
}
