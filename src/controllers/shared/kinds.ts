// The kinds the controllers work on, looked up once from the registry's declarations.
import type { KindDef } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";

export type ControlledKinds = {
  pod: KindDef;
  node: KindDef;
  namespace?: KindDef;
  lease?: KindDef;
  replicaSet?: KindDef;
  deployment?: KindDef;
  service?: KindDef;
  endpoints?: KindDef;
  endpointSlice?: KindDef;
  event?: KindDef;
  resourceQuota?: KindDef;
};

export function controlledKinds(registry: Registry): ControlledKinds {
  const pod = registry.kind("", "v1", "pods");
  const node = registry.kind("", "v1", "nodes");
  if (!pod || !node) throw new Error("the registry declares no pods or nodes");
  return {
    pod,
    node,
    namespace: registry.kind("", "v1", "namespaces"),
    lease: registry.kind("coordination.k8s.io", "v1", "leases"),
    replicaSet: registry.kind("apps", "v1", "replicasets"),
    deployment: registry.kind("apps", "v1", "deployments"),
    service: registry.kind("", "v1", "services"),
    endpoints: registry.kind("", "v1", "endpoints"),
    endpointSlice: registry.kind("discovery.k8s.io", "v1", "endpointslices"),
    event: registry.kind("", "v1", "events"),
    resourceQuota: registry.kind("", "v1", "resourcequotas"),
  };
}
