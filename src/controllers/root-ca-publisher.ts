// Upstream's root-ca-cert-publisher: the ConfigMap kube-root-ca.crt in every namespace holds
// the cluster CA, which pods read from their service account volume (ca.crt) to verify the
// API server at kubernetes.default.svc. A change to it is written back.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import type { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import { namespaceObjectController } from "./service-account.ts";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

export function rootCaPublisher(registry: Registry, informers: InformerFactory, kinds: { namespace: KindDef; configMap: KindDef }, caPem: string): Controller {
  const data = { "ca.crt": caPem };
  return namespaceObjectController(registry, informers, kinds.namespace, {
    name: "root-ca-cert-publisher",
    kind: kinds.configMap,
    objectName: ROOT_CA_CONFIGMAP,
    desired: () => ({ metadata: { name: ROOT_CA_CONFIGMAP, annotations: { "kubernetes.io/description": DESCRIPTION } }, data }),
    repair: (cm: KubeObject & { data?: Record<string, string>; binaryData?: unknown }) => {
      if (cm.data?.["ca.crt"] === caPem && Object.keys(cm.data).length === 1 && cm.binaryData === undefined) return undefined;
      const fixed = structuredClone(cm);
      fixed.data = { ...data };
      delete fixed.binaryData;
      return fixed;
    },
  });
}
