// Minimal kind declarations for allocator tests: the real Registry and Store, without
// depending on every validation rule of the full kinds.
import type { KindDef } from "../../../src/api/kinds/kind.ts";

// No upstream type named: every field is known, nothing is type-checked.
const schema = { validation: "", protobuf: "", patch: {} };
const base = { version: "v1", subresources: { status: true }, schema };
export const testNamespaceKind: KindDef = { ...base, group: "", kind: "Namespace", plural: "namespaces", singular: "namespace", namespaced: false };
export const testNodeKind: KindDef = { ...base, group: "", kind: "Node", plural: "nodes", singular: "node", namespaced: false, keepStatusOnCreate: true };
export const testServiceKind: KindDef = { ...base, group: "", kind: "Service", plural: "services", singular: "service", namespaced: true };
export const testEndpointsKind: KindDef = { version: "v1", group: "", kind: "Endpoints", plural: "endpoints", singular: "endpoints", namespaced: true, schema };
export const testSliceKind: KindDef = { version: "v1", group: "discovery.k8s.io", kind: "EndpointSlice", plural: "endpointslices", singular: "endpointslice", namespaced: true, schema };
export const testKinds = [testNamespaceKind, testNodeKind, testServiceKind, testEndpointsKind, testSliceKind];
