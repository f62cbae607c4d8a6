// apps/v1 DaemonSet.
import type { KindDef } from "./kind.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { daemonSetColumns } from "../tables/daemonset-columns.ts";
import { validateDaemonSet } from "../validation/daemonset.ts";
import { labelSelector, object, podTemplateSpec, workloadStatus } from "../patch/upstream-types.ts";
import { struct } from "../patch/schema.ts";

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** apps/v1 SetDefaults_DaemonSet. */
function defaultDaemonSet(ds: any) {
  const spec = ds.spec;
  if (!isObject(spec)) return;
  spec.updateStrategy ??= {};
  const strategy = spec.updateStrategy;
  if (isObject(strategy)) {
    strategy.type ||= "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      strategy.rollingUpdate ??= {};
      if (isObject(strategy.rollingUpdate)) {
        strategy.rollingUpdate.maxUnavailable ??= 1;
        strategy.rollingUpdate.maxSurge ??= 0;
      }
    }
  }
  spec.revisionHistoryLimit ??= 10;
  if (isObject(spec.template)) defaultPodSpec(spec.template.spec);
}

export const daemonSetKind: KindDef = {
  group: "apps",
  version: "v1",
  kind: "DaemonSet",
  plural: "daemonsets",
  singular: "daemonset",
  namespaced: true,
  shortNames: ["ds"],
  categories: ["all"],
  subresources: { status: true },
  hasGeneration: true,
  defaults: defaultDaemonSet,
  validate: validateDaemonSet,
  columns: daemonSetColumns,
  example: { spec: { selector: { matchLabels: { app: "example" } }, template: { metadata: { labels: { app: "example" } }, spec: { containers: [{ name: "c", image: "localhost/example:1" }] } } } },
  schema: {
    validation: "apps/v1.DaemonSet",
    protobuf: "k8s.io.api.apps.v1.DaemonSet",
    patch: object({ spec: struct({ selector: labelSelector, template: podTemplateSpec }), status: workloadStatus }),
  },
};
