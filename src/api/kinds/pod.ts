// core/v1 Pod.
import type { KindDef } from "./kind.ts";
import { defaultPod } from "./pod-defaults.ts";
import { podColumns } from "../tables/pod-columns.ts";
import { validatePod } from "../validation/pod.ts";
import { object, podSpec, podStatus } from "../patch/upstream-types.ts";

export const podKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  singular: "pod",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  subresources: { status: true, extra: ["log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers", "eviction", "binding"] },
  // Upstream pods carry a generation only since 1.33.
  hasGeneration: false,
  defaults: (pod: any) => defaultPod(pod),
  validate: validatePod,
  columns: podColumns,
  fieldSelectors: {
    "spec.nodeName": (o: any) => o.spec?.nodeName ?? "",
    "spec.restartPolicy": (o: any) => o.spec?.restartPolicy ?? "",
    "spec.schedulerName": (o: any) => o.spec?.schedulerName ?? "",
    "spec.serviceAccountName": (o: any) => o.spec?.serviceAccountName ?? "",
    "spec.hostNetwork": (o: any) => String(!!o.spec?.hostNetwork),
    "status.phase": (o: any) => o.status?.phase ?? "",
    "status.podIP": (o: any) => o.status?.podIPs?.[0]?.ip ?? o.status?.podIP ?? "",
    "status.nominatedNodeName": (o: any) => o.status?.nominatedNodeName ?? "",
  },
  example: { spec: { containers: [{ name: "c", image: "localhost/example:1" }] } },
  schema: {
    validation: "core/v1.Pod",
    protobuf: "k8s.io.api.core.v1.Pod",
    patch: object({ spec: podSpec, status: podStatus }),
  },
};
