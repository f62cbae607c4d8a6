// kube-proxy's job: Services + EndpointSlices in, one atomic nftables replacement out.
// `applyServiceRules` is the step (tests call it directly, under `ip netns exec`);
// `ServiceProxy` keeps it current from the API server.
import { resources, type ApiClient } from "../../client/api-client.ts";
import { buildProxyModel, type EndpointSliceLike, type ProxyModel, type ServiceLike } from "./proxy-model.ts";
import { renderNftCleanup, renderNftScript } from "./nft-render.ts";
import { renderIptablesRestore, renderIptablesCleanup, IPTABLES_CHAINS } from "./iptables-render.ts";
import { hasTool, runTool, tryTool, type CommandPrefix } from "./command.ts";
import { coalesce, ResourceMirror } from "./resource-mirror.ts";
import { ensureServiceRoute } from "./service-route.ts";

export type ProxyBackend = "nftables" | "iptables";

export type ApplyOptions = {
  clusterCidr?: string;
  /** e.g. ["ip", "netns", "exec", "NAME"]. */
  commandPrefix?: CommandPrefix;
  /** Defaults to nftables when `nft` exists, else iptables (iptables-nft or legacy). */
  backend?: ProxyBackend;
};

export function detectProxyBackend(): ProxyBackend {
  if (hasTool("nft")) return "nftables";
  if (hasTool("iptables-restore")) return "iptables";
  throw new Error("neither nft nor iptables-restore found: apt-get install -y nftables");
}

/** Replaces all of skiff's service rules with the ones for `model`, in one transaction. */
export async function applyServiceRules(model: ProxyModel, opts: ApplyOptions = {}): Promise<void> {
  const backend = opts.backend ?? detectProxyBackend();
  if (backend === "nftables") {
    await runTool(opts.commandPrefix, ["nft", "-f", "-"], renderNftScript(model, { clusterCidr: opts.clusterCidr }));
    return;
  }
  await ensureIptablesJumps(opts.commandPrefix);
  await runTool(opts.commandPrefix, ["iptables-restore", "--noflush"], renderIptablesRestore(model, { clusterCidr: opts.clusterCidr }));
}

/** Removes every rule the service proxy made (agent uninstall, `skiff killall`). */
export async function removeServiceRules(opts: Pick<ApplyOptions, "commandPrefix" | "backend"> = {}): Promise<void> {
  const backend = opts.backend ?? (hasTool("nft") ? "nftables" : "iptables");
  if (backend === "nftables") {
    await runTool(opts.commandPrefix, ["nft", "-f", "-"], renderNftCleanup());
    return;
  }
  for (const [table, chain, hook] of IPTABLES_CHAINS.jumps) {
    while (await tryTool(opts.commandPrefix, ["iptables", "-t", table, "-D", hook, "-j", chain]));
  }
  await runTool(opts.commandPrefix, ["iptables-restore", "--noflush"], renderIptablesCleanup());
}

/** The built-in chains' jumps into skiff's own chains, added once (iptables-restore cannot do "add if missing"). */
async function ensureIptablesJumps(prefix: CommandPrefix | undefined) {
  for (const [table, chains] of [["nat", IPTABLES_CHAINS.nat], ["filter", IPTABLES_CHAINS.filter]] as const) {
    for (const chain of chains) await tryTool(prefix, ["iptables", "-t", table, "-N", chain]);
  }
  for (const [table, chain, hook] of IPTABLES_CHAINS.jumps) {
    if (!(await tryTool(prefix, ["iptables", "-t", table, "-C", hook, "-j", chain]))) {
      await runTool(prefix, ["iptables", "-t", table, "-I", hook, "1", "-j", chain]);
    }
  }
}

export type ServiceProxyOptions = ApplyOptions & {
  client: ApiClient;
  /** Addresses with their own listener on the node (the cluster DNS address). */
  skipAddresses?: string[];
  /** ClusterIPs' range: routed on the node once the rules exist (see service-route.ts). */
  serviceCidr?: string;
  /** Quiet period that batches bursts of endpoint changes. */
  batchMs?: number;
  log: (line: string) => void;
};

export class ServiceProxy {
  private readonly services: ResourceMirror;
  private readonly slices: ResourceMirror;
  private lastScript = "";
  private routed = false;
  private readonly schedule: () => void;
  /** When the rules last changed, for metrics and tests. */
  lastApplied = 0;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.schedule = coalesce(() => this.sync(), opts.batchMs ?? 50, (e) => opts.log(`skiff agent: service rules not applied: ${e.message}`));
    this.services = new ResourceMirror(opts.client, resources.services, this.schedule);
    this.slices = new ResourceMirror(opts.client, resources.endpointslices, this.schedule);
  }

  start(): void {
    this.services.start();
    this.slices.start();
  }

  async stop(opts: { removeRules?: boolean } = {}): Promise<void> {
    this.services.stop();
    this.slices.stop();
    if (opts.removeRules) await removeServiceRules(this.opts);
  }

  model(): ProxyModel {
    return buildProxyModel(this.services.list() as ServiceLike[], this.slices.list() as EndpointSliceLike[], [], { skipAddresses: this.opts.skipAddresses });
  }

  /** Applies the current model unless the rendered rules are unchanged. */
  async sync(): Promise<void> {
    // Until both lists have arrived, a partial view would drop live rules.
    if (!this.services.synced || !this.slices.synced) return;
    const model = this.model();
    const script = JSON.stringify(model);
    if (script !== this.lastScript) {
      await applyServiceRules(model, this.opts);
      this.lastScript = script;
      this.lastApplied = Date.now();
    }
    if (this.opts.serviceCidr && !this.routed) {
      await ensureServiceRoute(this.opts.serviceCidr, this.opts.commandPrefix);
      this.routed = true;
    }
  }
}
