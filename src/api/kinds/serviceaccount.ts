// core/v1 ServiceAccount.
import type { KindDef } from "./kind.ts";
import { serviceAccountColumns } from "../tables/cluster-columns.ts";
import { validateServiceAccount } from "../validation/cluster.ts";
import { localObjectReference, object, objectReference } from "../patch/upstream-types.ts";
import { atomicList, keyedList } from "../patch/schema.ts";

export const serviceAccountKind: KindDef = {
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  singular: "serviceaccount",
  namespaced: true,
  shortNames: ["sa"],
  // POST .../serviceaccounts/NAME/token (TokenRequest) is served by the server's auth part.
  subresources: { extra: ["token"] },
  validate: validateServiceAccount,
  columns: serviceAccountColumns,
  example: {},
  schema: {
    validation: "core/v1.ServiceAccount",
    protobuf: "k8s.io.api.core.v1.ServiceAccount",
    patch: object({ secrets: keyedList("name", objectReference), imagePullSecrets: atomicList(localObjectReference) }),
  },
};
