// policy/v1 PodDisruptionBudget: how many pods of a selector may be disrupted at once. The
// disruption controller (src/controllers/disruption) keeps its status; the eviction API and
// so `kubectl drain` honour it.
import type { KindDef } from "./kind.ts";
import { podDisruptionBudgetColumns } from "../tables/networking-columns.ts";
import { validatePodDisruptionBudget } from "../validation/networking.ts";
import { struct } from "../patch/schema.ts";
import { conditions, labelSelector, object } from "../patch/upstream-types.ts";

export const podDisruptionBudgetKind: KindDef = {
  group: "policy",
  version: "v1",
  kind: "PodDisruptionBudget",
  plural: "poddisruptionbudgets",
  singular: "poddisruptionbudget",
  namespaced: true,
  shortNames: ["pdb"],
  subresources: { status: true },
  hasGeneration: true,
  validate: validatePodDisruptionBudget,
  columns: podDisruptionBudgetColumns,
  example: { spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } } },
  schema: {
    validation: "policy/v1.PodDisruptionBudget",
    protobuf: "k8s.io.api.policy.v1.PodDisruptionBudget",
    patch: object({ spec: struct({ selector: labelSelector }), status: struct({ conditions }) }),
  },
};
