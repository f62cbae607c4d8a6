// core/v1 ResourceQuota: spec.hard caps a namespace's object counts and compute, enforced
// at admission; status.hard/used are kept by the admission and the quota controller.
// Scopes and scopeSelector are stored but not applied: every quota counts every object.
import type { KindDef } from "./kind.ts";
import { resourceQuotaColumns } from "../tables/quota-columns.ts";
import { validateResourceQuota } from "../validation/quota.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList, struct } from "../patch/schema.ts";

export const resourceQuotaKind: KindDef = {
  group: "",
  version: "v1",
  kind: "ResourceQuota",
  plural: "resourcequotas",
  singular: "resourcequota",
  namespaced: true,
  shortNames: ["quota"],
  subresources: { status: true },
  validate: validateResourceQuota,
  columns: resourceQuotaColumns,
  example: { spec: { hard: { pods: "10" } } },
  schema: {
    validation: "core/v1.ResourceQuota",
    protobuf: "k8s.io.api.core.v1.ResourceQuota",
    // ScopeSelector's matchExpressions are a plain (atomic) list upstream.
    patch: object({ spec: struct({ scopes: atomicList(), scopeSelector: struct({ matchExpressions: atomicList() }) }) }),
  },
};
