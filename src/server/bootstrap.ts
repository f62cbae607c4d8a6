// Objects every cluster has from its first start.
import type { Registry } from "../api/registry/registry.ts";

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export async function bootstrapObjects(registry: Registry): Promise<void> {
  const nsKind = registry.kinds.find((k) => k.kind === "Namespace")!;
  for (const name of SYSTEM_NAMESPACES) {
    if (!registry.tryGet(nsKind, "", name)) await registry.create(nsKind, "", { metadata: { name } });
  }
}
