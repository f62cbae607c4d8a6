// Merge strategies of upstream types, transcribed from the struct tags and `+listType`
// markers of k8s.io/api and k8s.io/apimachinery (ObjectMeta, LabelSelector). Each kind's
// declaration composes its `schema.patch` from these pieces.
import { ANY, atomic, atomicList, keyedList, setList, struct, type Schema } from "./schema.ts";

export const objectMeta = struct({
  finalizers: setList(),
  // OwnerReference is an atomic struct; the list merges by uid.
  ownerReferences: keyedList("uid", atomic),
  managedFields: atomicList(),
});

// metav1.LabelSelector, NodeSelector, LocalObjectReference, ObjectReference and the
// key selectors are `+structType=atomic` upstream: applied as one value.
export const labelSelector = atomic;
export const localObjectReference = atomic;
export const objectReference = atomic;

export const envVar = struct({
  valueFrom: struct({ configMapKeyRef: atomic, secretKeyRef: atomic, fieldRef: atomic, resourceFieldRef: atomic }),
});

export const container = struct({
  // Ports merge by containerPort in strategic merge; apply keys them by port and protocol (default TCP).
  ports: keyedList("containerPort", ANY, [{ name: "containerPort" }, { name: "protocol", default: "TCP" }]),
  env: keyedList("name", envVar),
  volumeMounts: keyedList("mountPath"),
  volumeDevices: keyedList("devicePath"),
  envFrom: atomicList(),
  command: atomicList(),
  args: atomicList(),
  resizePolicy: atomicList(),
});

export const nodeSelectorTerms = struct({ nodeSelectorTerms: atomicList() }, { atomic: true });

export const podSpec = struct({
  containers: keyedList("name", container),
  initContainers: keyedList("name", container),
  ephemeralContainers: keyedList("name", container),
  // `merge,retainKeys` upstream: a volume element's source may be switched with $retainKeys.
  volumes: keyedList("name"),
  imagePullSecrets: keyedList("name", localObjectReference),
  hostAliases: keyedList("ip"),
  tolerations: atomicList(),
  readinessGates: atomicList(),
  schedulingGates: keyedList("name"),
  resourceClaims: keyedList("name"),
  topologySpreadConstraints: keyedList("topologyKey", ANY, [{ name: "topologyKey" }, { name: "whenUnsatisfiable" }]),
  affinity: struct({ nodeAffinity: struct({ requiredDuringSchedulingIgnoredDuringExecution: nodeSelectorTerms }) }),
});

export const conditions = keyedList("type");

export const podStatus = struct({
  conditions,
  podIPs: keyedList("ip"),
  hostIPs: keyedList("ip"),
  containerStatuses: atomicList(),
  initContainerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
});

export const podTemplateSpec = struct({ metadata: objectMeta, spec: podSpec });

export const workloadStatus = struct({ conditions });

export const deploymentSpec = struct({
  selector: labelSelector,
  template: podTemplateSpec,
  // patchStrategy:"retainKeys": switching the strategy type can drop rollingUpdate.
  strategy: ANY,
});

export const replicaSetSpec = struct({ selector: labelSelector, template: podTemplateSpec });

export const serviceSpec = struct({
  // Upstream Service ports merge by port; apply keys them by port and protocol.
  ports: keyedList("port", ANY, [{ name: "port" }, { name: "protocol", default: "TCP" }]),
  selector: atomic, // +mapType=atomic
  clusterIPs: atomicList(),
  externalIPs: atomicList(),
  ipFamilies: atomicList(),
  loadBalancerSourceRanges: atomicList(),
});

export const serviceStatus = struct({ conditions, loadBalancer: struct({ ingress: atomicList() }) });

export const nodeSpec = struct({ taints: atomicList(), podCIDRs: setList() });

export const nodeStatus = struct({
  conditions,
  // Strategic merge merges addresses by type, but apply treats the list as atomic.
  addresses: { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" },
  images: atomicList(),
  volumesInUse: atomicList(),
  volumesAttached: atomicList(),
});

/** A top-level object: ObjectMeta plus the kind's own fields. */
export const object = (fields: Record<string, Schema> = {}): Schema => struct({ metadata: objectMeta, ...fields });

// batch/v1: JobStatus.conditions merge by type in strategic merge but are atomic for apply;
// the pod failure policy's rules, CronJob's active list are atomic lists.
export const jobSpec = struct({ selector: labelSelector, template: podTemplateSpec, podFailurePolicy: struct({ rules: atomicList() }) });
export const jobStatus = struct({ conditions: { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" } });
export const cronJobSpec = struct({ jobTemplate: struct({ metadata: objectMeta, spec: jobSpec }) });
export const cronJobStatus = struct({ active: atomicList(objectReference) });
