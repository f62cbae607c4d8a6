// The patch engine of the API server: pure functions from (stored object, request) to the
// new object. Nothing here touches storage or HTTP; inputs are never mutated.
export type { Obj } from "./values.ts";
export { PatchError, ApplyConflictError, type ApplyConflict } from "./errors.ts";
export { applyMergePatch } from "./merge-patch.ts";
export { applyJsonPatch } from "./json-patch.ts";
export { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
export { serverSideApply, recordUpdate, type ManagedFieldsEntry } from "./server-side-apply.ts";
