// apps/v1 ReplicaSet.
import type { KindDef } from "./kind.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { replicaSetColumns } from "../tables/workload-columns.ts";
import { validateReplicaSet } from "../validation/apps.ts";
import { object, replicaSetSpec, workloadStatus } from "../patch/upstream-types.ts";

export const replicaSetKind: KindDef = {
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  namespaced: true,
  shortNames: ["rs"],
  categories: ["all"],
  subresources: { status: true, scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" } },
  hasGeneration: true,
  defaults: (rs: any) => {
    if (typeof rs.spec !== "object" || rs.spec === null) return;
    rs.spec.replicas ??= 1;
    if (typeof rs.spec.template === "object" && rs.spec.template !== null) defaultPodSpec(rs.spec.template.spec);
  },
  validate: validateReplicaSet,
  columns: replicaSetColumns,
  fieldSelectors: { "status.replicas": (o: any) => String(o.status?.replicas ?? 0) },
  example: { spec: { replicas: 0, selector: { matchLabels: { app: "example" } }, template: { metadata: { labels: { app: "example" } }, spec: { containers: [{ name: "c", image: "localhost/example:1" }] } } } },
  schema: {
    validation: "apps/v1.ReplicaSet",
    protobuf: "k8s.io.api.apps.v1.ReplicaSet",
    patch: object({ spec: replicaSetSpec, status: workloadStatus }),
  },
};
