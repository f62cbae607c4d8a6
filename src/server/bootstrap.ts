// Objects every cluster has from its first start.
import type { Registry } from "../api/registry/registry.ts";

const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** The default StorageClass, as k3s ships it: a directory on the node the pod lands on. */
const LOCAL_PATH_CLASS = {
  metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
  provisioner: "skiff.io/local-path",
  reclaimPolicy: "Delete",
  volumeBindingMode: "WaitForFirstConsumer",
};

export async function bootstrapObjects(registry: Registry): Promise<void> {
  const nsKind = registry.kinds.find((k) => k.kind === "Namespace")!;
  for (const name of SYSTEM_NAMESPACES) {
    if (!registry.tryGet(nsKind, "", name)) await registry.create(nsKind, "", { metadata: { name } });
  }
  const scKind = registry.kind("storage.k8s.io", "v1", "storageclasses");
  if (scKind && !registry.tryGet(scKind, "", LOCAL_PATH_CLASS.metadata.name)) await registry.create(scKind, "", structuredClone(LOCAL_PATH_CLASS));
}
