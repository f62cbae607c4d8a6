// autoscaling/v2 HorizontalPodAutoscaler, also served as autoscaling/v1 (converted at the
// HTTP boundary; v2 is stored and preferred). Its controller is src/controllers/hpa.
import type { KindDef } from "./kind.ts";
import { defaultHorizontalPodAutoscaler } from "./hpa-defaults.ts";
import { hpaFromV1, hpaToV1 } from "./hpa-conversion.ts";
import { hpaColumns } from "../tables/hpa-columns.ts";
import { validateHorizontalPodAutoscaler } from "../validation/autoscaling.ts";
import { atomicList, struct } from "../patch/schema.ts";
import { conditions, object } from "../patch/upstream-types.ts";

const scalingRules = struct({ policies: atomicList() });

export const horizontalPodAutoscalerKind: KindDef = {
  group: "autoscaling",
  version: "v2",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  subresources: { status: true },
  hasGeneration: true,
  defaults: defaultHorizontalPodAutoscaler,
  validate: validateHorizontalPodAutoscaler,
  columns: hpaColumns,
  otherVersions: [{ version: "v1", protobuf: "k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler", validation: "autoscaling/v1.HorizontalPodAutoscaler", fromStored: hpaToV1, toStored: hpaFromV1 }],
  example: { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 3 } },
  schema: {
    validation: "autoscaling/v2.HorizontalPodAutoscaler",
    protobuf: "k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler",
    patch: object({
      spec: struct({ metrics: atomicList(), behavior: struct({ scaleUp: scalingRules, scaleDown: scalingRules }) }),
      status: struct({ conditions, currentMetrics: atomicList() }),
    }),
  },
};
