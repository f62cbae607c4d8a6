// ServiceLB without extra pods: every node's service proxy already answers on its own
// addresses for node ports, so a LoadBalancer Service's ingress is simply the list of
// the nodes' InternalIPs (ready nodes only, as k3s's ServiceLB publishes them).
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { Controller } from "../../controllers/runtime/controller.ts";

type NodeLike = { metadata: { name?: string }; status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] } };

export function nodeIngressIps(nodes: NodeLike[]): string[] {
  const ips = new Set<string>();
  for (const n of nodes) {
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    if (ready && ready.status !== "True") continue;
    for (const a of n.status?.addresses ?? []) if (a.type === "InternalIP") ips.add(a.address);
  }
  return [...ips].sort();
}

export function loadBalancerController(registry: Registry): Controller {
  const serviceKind = registry.kinds.find((k) => k.kind === "Service" && k.group === "")!;
  const nodeKind = registry.kinds.find((k) => k.kind === "Node" && k.group === "")!;
  const isLb = (o: KubeObject) => (o.spec as { type?: string } | undefined)?.type === "LoadBalancer";
  const keys = () => registry.list(serviceKind, undefined, isLb).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  const controller = new Controller({
    name: "service-lb",
    resyncMs: 30_000,
    allKeys: keys,
    async reconcile(key) {
      const [ns, name] = key.split("/") as [string, string];
      const svc = registry.tryGet(serviceKind, ns, name);
      if (!svc || !isLb(svc)) return;
      const ingress = nodeIngressIps(registry.list(nodeKind, undefined).items as NodeLike[]).map((ip) => ({ ip, ipMode: "VIP" }));
      const current = (svc.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress ?? [];
      if (JSON.stringify(current) === JSON.stringify(ingress)) return;
      await registry.replace(serviceKind, ns, name, (cur) => ({ ...cur!, status: { ...(cur!.status as object), loadBalancer: ingress.length ? { ingress } : {} } }), {}, "status");
    },
  });
  // Services changing type and nodes coming, going or changing address all requeue.
  const unsubscribe = registry.subscribe((c) => {
    if (c.resource === "services" && isLb(c.object)) controller.enqueue(`${c.namespace}/${c.name}`);
    if (c.resource === "nodes") for (const k of keys()) controller.enqueue(k);
  });
  const stop = controller.stop.bind(controller);
  controller.stop = async () => {
    unsubscribe();
    await stop();
  };
  return controller;
}
