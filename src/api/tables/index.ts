// Server-side printing for `kubectl get` (meta.k8s.io/v1 Table).
export { toTable, columnsOf, type Table, type TableRow, type TableOptions, type IncludeObject } from "./to-table.ts";
export { humanDuration, since } from "./human-duration.ts";
export { podColumns, podSummary } from "./pod-columns.ts";
export { deploymentColumns, replicaSetColumns } from "./workload-columns.ts";
export { serviceColumns, endpointsColumns, endpointSliceColumns } from "./service-columns.ts";
export { nodeColumns, namespaceColumns, configMapColumns, secretColumns, serviceAccountColumns, leaseColumns, eventColumns } from "./cluster-columns.ts";
