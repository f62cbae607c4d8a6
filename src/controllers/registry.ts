// Every controller of the server, in one list: startControlPlaneLoops builds and starts
// them from it. Adding a controller = one entry here (it returns undefined when the
// kinds it needs are not served).
import type { Registry } from "../api/registry/registry.ts";
import type { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import type { RecordEvent } from "./events.ts";
import type { ControlledKinds } from "./shared/kinds.ts";
import { replicaSetController } from "./replicaset/replicaset-controller.ts";
import { deploymentController } from "./deployment/deployment-controller.ts";
import { nodeLifecycleController } from "./node-lifecycle.ts";
import { garbageCollector } from "./garbage-collector.ts";
import { endpointsController } from "./endpoints.ts";
import { resourceQuotaController } from "./resource-quota.ts";
import { daemonSetController } from "./daemonset/daemonset-controller.ts";
import { statefulSetController } from "./statefulset/statefulset-controller.ts";
import { taintEvictionController } from "./taint-eviction.ts";
import { namespaceController } from "./namespace.ts";
import { loadBalancerController } from "../server/services/load-balancer-status.ts";
import { hpaController, type HpaControllerOptions } from "./hpa/hpa-controller.ts";
import { jobController } from "./job/job-controller.ts";
import { cronJobController } from "./cronjob/cronjob-controller.ts";
import { eventTtlController } from "./event-ttl.ts";
import { persistentVolumeController } from "./storage/persistent-volume-controller.ts";
import { serviceAccountController } from "./service-account.ts";
import { rootCaPublisher } from "./root-ca-publisher.ts";
import { disruptionController } from "./disruption/disruption-controller.ts";
import { clusterRoleAggregationController } from "./clusterrole-aggregation.ts";
import { crdController } from "./crd-controller.ts";

export type ControllerContext = {
  registry: Registry;
  informers: InformerFactory;
  kinds: ControlledKinds;
  /** An event recorder writing as this component ("replicaset-controller"). */
  events: (component: string) => RecordEvent;
  nodeMonitorGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  /** How long an Event lives after its last write (kube-apiserver --event-ttl). */
  eventTtlMs?: number;
  /** Where local-path volumes are made on the nodes (DATA/storage of the server by default). */
  localStoragePath?: string;
  /** The cluster CA (PEM) the root CA publisher puts in every namespace's kube-root-ca.crt. */
  caPem?: string;
  /** What the HorizontalPodAutoscaler controller reads (pods' usage) and how often it runs. */
  hpa?: Omit<HpaControllerOptions, "podUsage"> & Partial<Pick<HpaControllerOptions, "podUsage">>;
};

export type ControllerRegistration = {
  name: string;
  /**
   * Runs even when the server runs its API without the control-plane loops: namespace
   * deletion and LoadBalancer addresses are part of the API's own behaviour.
   */
  always?: boolean;
  create: (ctx: ControllerContext) => Controller | undefined;
};

export const controllerRegistrations: ControllerRegistration[] = [
  { name: "namespace", always: true, create: (c) => namespaceController(c.registry) },
  { name: "service-lb", always: true, create: (c) => loadBalancerController(c.registry) },
  // Authorization reads the aggregated roles (admin, edit, view): part of the API's own behaviour.
  {
    name: "clusterrole-aggregation",
    always: true,
    create: ({ registry, informers }) => {
      const clusterRole = registry.kind("rbac.authorization.k8s.io", "v1", "clusterroles");
      return clusterRole && clusterRoleAggregationController(registry, informers, clusterRole);
    },
  },
  // CRD conditions and deletion of a CRD's objects: part of the API's own behaviour.
  {
    name: "customresourcedefinition",
    always: true,
    create: ({ registry }) => (registry.kind("apiextensions.k8s.io", "v1", "customresourcedefinitions") ? crdController(registry) : undefined),
  },
  { name: "event-ttl", always: true, create: ({ registry, informers, kinds, eventTtlMs }) => kinds.event && eventTtlController(registry, informers, kinds.event, eventTtlMs) },
  {
    name: "replicaset",
    create: ({ registry, informers, kinds, events }) => kinds.replicaSet && replicaSetController(registry, informers, { pod: kinds.pod, replicaSet: kinds.replicaSet }, events("replicaset-controller")),
  },
  {
    name: "deployment",
    create: ({ registry, informers, kinds, events }) =>
      kinds.replicaSet && kinds.deployment && deploymentController(registry, informers, { pod: kinds.pod, replicaSet: kinds.replicaSet, deployment: kinds.deployment }, events("deployment-controller")),
  },
  {
    name: "node-lifecycle",
    create: ({ registry, informers, kinds, events, nodeMonitorGracePeriodMs, podEvictionTimeoutMs }) =>
      nodeLifecycleController(registry, informers, { node: kinds.node, pod: kinds.pod, lease: kinds.lease }, events("node-controller"), { gracePeriodMs: nodeMonitorGracePeriodMs, evictionTimeoutMs: podEvictionTimeoutMs }),
  },
  { name: "garbage-collector", create: ({ registry, informers }) => garbageCollector(registry, informers) },
  {
    name: "daemonset",
    create: ({ registry, informers, kinds, events }) => {
      const daemonSet = registry.kind("apps", "v1", "daemonsets");
      const controllerRevision = registry.kind("apps", "v1", "controllerrevisions");
      return daemonSet && controllerRevision && daemonSetController(registry, informers, { pod: kinds.pod, node: kinds.node, daemonSet, controllerRevision }, events("daemonset-controller"));
    },
  },
  {
    name: "statefulset",
    create: ({ registry, informers, kinds, events }) => {
      const statefulSet = registry.kind("apps", "v1", "statefulsets");
      const controllerRevision = registry.kind("apps", "v1", "controllerrevisions");
      const claim = registry.kind("", "v1", "persistentvolumeclaims");
      return statefulSet && controllerRevision && statefulSetController(registry, informers, { pod: kinds.pod, statefulSet, controllerRevision, claim }, events("statefulset-controller"));
    },
  },
  { name: "taint-eviction", create: ({ registry, informers, kinds, events }) => taintEvictionController(registry, informers, { node: kinds.node, pod: kinds.pod }, events("taint-eviction-controller")) },
  {
    name: "endpoints",
    create: ({ registry, informers, kinds }) =>
      kinds.service && (kinds.endpoints || kinds.endpointSlice) ? endpointsController(registry, informers, { pod: kinds.pod, service: kinds.service, endpoints: kinds.endpoints, endpointSlice: kinds.endpointSlice }) : undefined,
  },
  { name: "resource-quota", create: ({ registry, informers, kinds }) => kinds.resourceQuota && resourceQuotaController(registry, informers, kinds.resourceQuota) },
  {
    name: "job",
    create: ({ registry, informers, kinds, events }) => {
      const job = registry.kind("batch", "v1", "jobs");
      return job && jobController(registry, informers, { pod: kinds.pod, job }, events("job-controller"));
    },
  },
  {
    name: "cronjob",
    create: ({ registry, informers, events }) => {
      const job = registry.kind("batch", "v1", "jobs");
      const cronJob = registry.kind("batch", "v1", "cronjobs");
      return job && cronJob && cronJobController(registry, informers, { job, cronJob }, events("cronjob-controller"));
    },
  },
  {
    name: "horizontal-pod-autoscaler",
    create: ({ registry, informers, kinds, events, hpa }) => {
      const kind = registry.kind("autoscaling", "v2", "horizontalpodautoscalers");
      return kind && hpaController(registry, informers, { hpa: kind, pod: kinds.pod }, events("horizontal-pod-autoscaler"), { ...hpa, podUsage: hpa?.podUsage ?? (() => []) });
    },
  },
  {
    name: "serviceaccount",
    create: ({ registry, informers, kinds }) => {
      const serviceAccount = registry.kind("", "v1", "serviceaccounts");
      return kinds.namespace && serviceAccount && serviceAccountController(registry, informers, { namespace: kinds.namespace, serviceAccount });
    },
  },
  {
    name: "root-ca-cert-publisher",
    create: ({ registry, informers, kinds, caPem }) => {
      const configMap = registry.kind("", "v1", "configmaps");
      return caPem && kinds.namespace && configMap ? rootCaPublisher(registry, informers, { namespace: kinds.namespace, configMap }, caPem) : undefined;
    },
  },
  {
    name: "disruption",
    create: ({ registry, informers, kinds, events }) => {
      const pdb = registry.kind("policy", "v1", "poddisruptionbudgets");
      return pdb && disruptionController(registry, informers, { pod: kinds.pod, pdb }, events("controllermanager"));
    },
  },
  {
    name: "persistentvolume",
    create: ({ registry, informers, kinds, events, localStoragePath }) => {
      const claim = registry.kind("", "v1", "persistentvolumeclaims");
      const volume = registry.kind("", "v1", "persistentvolumes");
      const storageClass = registry.kind("storage.k8s.io", "v1", "storageclasses");
      if (!claim || !volume || !storageClass) return undefined;
      return persistentVolumeController(registry, informers, { pod: kinds.pod, node: kinds.node, claim, volume, storageClass }, events("persistentvolume-controller"), localStoragePath ?? "/var/lib/skiff/storage");
    },
  },
];
