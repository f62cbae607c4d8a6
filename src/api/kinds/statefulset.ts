// apps/v1 StatefulSet.
import type { KindDef } from "./kind.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { statefulSetColumns } from "../tables/statefulset-columns.ts";
import { validateStatefulSet } from "../validation/statefulset.ts";
import { labelSelector, object, podTemplateSpec, workloadStatus } from "../patch/upstream-types.ts";
import { atomicList, struct } from "../patch/schema.ts";

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** apps/v1 SetDefaults_StatefulSet (with StatefulSetAutoDeletePVC on, as upstream since 1.27). */
function defaultStatefulSet(sts: any) {
  const spec = sts.spec;
  if (!isObject(spec)) return;
  spec.replicas ??= 1;
  spec.podManagementPolicy ||= "OrderedReady";
  spec.updateStrategy ??= {};
  const strategy = spec.updateStrategy;
  if (isObject(strategy)) {
    if (!strategy.type) {
      strategy.type = "RollingUpdate";
      strategy.rollingUpdate ??= {};
    }
    if (strategy.type === "RollingUpdate" && isObject(strategy.rollingUpdate)) strategy.rollingUpdate.partition ??= 0;
  }
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  if (isObject(spec.persistentVolumeClaimRetentionPolicy)) {
    spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= "Retain";
    spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= "Retain";
  }
  spec.revisionHistoryLimit ??= 10;
  if (isObject(spec.template)) defaultPodSpec(spec.template.spec);
  // The claim templates get a PersistentVolumeClaim's defaults.
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const t of spec.volumeClaimTemplates) if (isObject(t) && isObject(t.spec)) t.spec.volumeMode ??= "Filesystem";
  }
}

export const statefulSetKind: KindDef = {
  group: "apps",
  version: "v1",
  kind: "StatefulSet",
  plural: "statefulsets",
  singular: "statefulset",
  namespaced: true,
  shortNames: ["sts"],
  categories: ["all"],
  subresources: { status: true, scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" } },
  hasGeneration: true,
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  columns: statefulSetColumns,
  example: { spec: { replicas: 0, serviceName: "example", selector: { matchLabels: { app: "example" } }, template: { metadata: { labels: { app: "example" } }, spec: { containers: [{ name: "c", image: "localhost/example:1" }] } } } },
  schema: {
    validation: "apps/v1.StatefulSet",
    protobuf: "k8s.io.api.apps.v1.StatefulSet",
    patch: object({ spec: struct({ selector: labelSelector, template: podTemplateSpec, volumeClaimTemplates: atomicList() }), status: workloadStatus }),
  },
};
