// core/v1 Service.
import type { KindDef } from "./kind.ts";
import { serviceColumns } from "../tables/service-columns.ts";
import { validateService } from "../validation/service.ts";
import { object, serviceSpec, serviceStatus } from "../patch/upstream-types.ts";

/** SetDefaults_Service, plus the IP-family fields the service REST storage fills. */
export function defaultService(svc: any) {
  const spec = svc.spec;
  if (typeof spec !== "object" || spec === null) return;
  spec.type ??= "ClusterIP";
  spec.sessionAffinity ??= "None";
  if (spec.sessionAffinity === "ClientIP") {
    spec.sessionAffinityConfig ??= {};
    const config = spec.sessionAffinityConfig;
    if (typeof config === "object" && config !== null) {
      config.clientIP ??= {};
      if (typeof config.clientIP === "object" && config.clientIP !== null) config.clientIP.timeoutSeconds ??= 10800;
    }
  }
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (typeof p !== "object" || p === null) continue;
    p.protocol ??= "TCP";
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  if (spec.type !== "ExternalName") {
    spec.internalTrafficPolicy ??= "Cluster";
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilyPolicy ??= "SingleStack";
    spec.ipFamilies ??= ["IPv4"];
  }
  if (spec.type === "NodePort" || spec.type === "LoadBalancer" || (spec.externalIPs?.length ?? 0) > 0) spec.externalTrafficPolicy ??= "Cluster";
  if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
  svc.status ??= { loadBalancer: {} };
}

export const serviceKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  singular: "service",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  subresources: { status: true, extra: ["proxy"] },
  defaults: defaultService,
  validate: validateService,
  columns: serviceColumns,
  fieldSelectors: {
    "spec.clusterIP": (o: any) => o.spec?.clusterIP ?? "",
    "spec.type": (o: any) => o.spec?.type ?? "",
  },
  example: { spec: { ports: [{ port: 80 }] } },
  schema: {
    validation: "core/v1.Service",
    protobuf: "k8s.io.api.core.v1.Service",
    patch: object({ spec: serviceSpec, status: serviceStatus }),
  },
};
