// apps/v1 Deployment.
import type { KindDef } from "./kind.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { deploymentColumns } from "../tables/workload-columns.ts";
import { validateDeployment } from "../validation/apps.ts";
import { deploymentSpec, object, workloadStatus } from "../patch/upstream-types.ts";

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** apps/v1 SetDefaults_Deployment. */
export function defaultDeployment(d: any) {
  const spec = d.spec;
  if (typeof spec !== "object" || spec === null) return;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  const strategy = spec.strategy;
  if (isObject(strategy)) {
    strategy.type ||= "RollingUpdate";
    if (strategy.type === "RollingUpdate") {
      strategy.rollingUpdate ??= {};
      if (isObject(strategy.rollingUpdate)) {
        strategy.rollingUpdate.maxUnavailable ??= "25%";
        strategy.rollingUpdate.maxSurge ??= "25%";
      }
    }
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  if (isObject(spec.template)) defaultPodSpec(spec.template.spec);
}

export const deploymentKind: KindDef = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  namespaced: true,
  shortNames: ["deploy"],
  categories: ["all"],
  subresources: { status: true, scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" } },
  hasGeneration: true,
  defaults: defaultDeployment,
  validate: validateDeployment,
  columns: deploymentColumns,
  example: { spec: { replicas: 0, selector: { matchLabels: { app: "example" } }, template: { metadata: { labels: { app: "example" } }, spec: { containers: [{ name: "c", image: "localhost/example:1" }] } } } },
  schema: {
    validation: "apps/v1.Deployment",
    protobuf: "k8s.io.api.apps.v1.Deployment",
    patch: object({ spec: deploymentSpec, status: workloadStatus }),
  },
};
