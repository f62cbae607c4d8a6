// Merge strategies of the kinds skiff serves, transcribed from the struct tags and
// `+listType` markers of k8s.io/api (core/v1, apps/v1, coordination/v1, discovery/v1)
// and k8s.io/apimachinery (ObjectMeta, LabelSelector).
import { ANY, atomic, atomicList, keyedList, setList, struct, type Schema } from "./schema.ts";

const objectMeta = struct({
  finalizers: setList(),
  // OwnerReference is an atomic struct; the list merges by uid.
  ownerReferences: keyedList("uid", atomic),
  managedFields: atomicList(),
});

// metav1.LabelSelector, NodeSelector, LocalObjectReference, ObjectReference and the
// key selectors are `+structType=atomic` upstream: applied as one value.
const labelSelector = atomic;
const localObjectReference = atomic;
const objectReference = atomic;

const envVar = struct({
  valueFrom: struct({ configMapKeyRef: atomic, secretKeyRef: atomic, fieldRef: atomic, resourceFieldRef: atomic }),
});

const container = struct({
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

const nodeSelectorTerms = struct({ nodeSelectorTerms: atomicList() }, { atomic: true });

const podSpec = struct({
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

const conditions = keyedList("type");

const podStatus = struct({
  conditions,
  podIPs: keyedList("ip"),
  hostIPs: keyedList("ip"),
  containerStatuses: atomicList(),
  initContainerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
});

const podTemplateSpec = struct({ metadata: objectMeta, spec: podSpec });

const workloadStatus = struct({ conditions });

const deploymentSpec = struct({
  selector: labelSelector,
  template: podTemplateSpec,
  // patchStrategy:"retainKeys": switching the strategy type can drop rollingUpdate.
  strategy: ANY,
});

const replicaSetSpec = struct({ selector: labelSelector, template: podTemplateSpec });

const serviceSpec = struct({
  // Upstream Service ports merge by port; apply keys them by port and protocol.
  ports: keyedList("port", ANY, [{ name: "port" }, { name: "protocol", default: "TCP" }]),
  selector: atomic, // +mapType=atomic
  clusterIPs: atomicList(),
  externalIPs: atomicList(),
  ipFamilies: atomicList(),
  loadBalancerSourceRanges: atomicList(),
});

const serviceStatus = struct({ conditions, loadBalancer: struct({ ingress: atomicList() }) });

const nodeSpec = struct({ taints: atomicList(), podCIDRs: setList() });

const nodeStatus = struct({
  conditions,
  // Strategic merge merges addresses by type, but apply treats the list as atomic.
  addresses: { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" },
  images: atomicList(),
  volumesInUse: atomicList(),
  volumesAttached: atomicList(),
});

const object = (fields: Record<string, Schema> = {}): Schema => struct({ metadata: objectMeta, ...fields });

const KINDS: Record<string, Schema> = {
  "/v1/Pod": object({ spec: podSpec, status: podStatus }),
  "/v1/PodTemplate": object({ template: podTemplateSpec }),
  "/v1/Service": object({ spec: serviceSpec, status: serviceStatus }),
  "/v1/Endpoints": object({ subsets: atomicList() }),
  "/v1/Node": object({ spec: nodeSpec, status: nodeStatus }),
  "/v1/Namespace": object({ spec: struct({ finalizers: atomicList() }), status: struct({ conditions }) }),
  "/v1/ConfigMap": object(),
  "/v1/Secret": object(),
  "/v1/Event": object({ involvedObject: objectReference, related: objectReference }),
  "/v1/ServiceAccount": object({ secrets: keyedList("name", objectReference), imagePullSecrets: atomicList(localObjectReference) }),
  "apps/v1/Deployment": object({ spec: deploymentSpec, status: workloadStatus }),
  "apps/v1/ReplicaSet": object({ spec: replicaSetSpec, status: workloadStatus }),
  "coordination.k8s.io/v1/Lease": object(),
  "discovery.k8s.io/v1/EndpointSlice": object({ endpoints: atomicList(), ports: atomicList() }),
  // ScopeSelector's matchExpressions and LimitRangeSpec.limits are plain (atomic) lists upstream.
  "/v1/ResourceQuota": object({ spec: struct({ scopes: atomicList(), scopeSelector: struct({ matchExpressions: atomicList() }) }) }),
  "/v1/LimitRange": object({ spec: struct({ limits: atomicList() }) }),
};

const GENERIC = object();

/** The patch schema of a kind; kinds without an entry get ObjectMeta's rules and plain maps elsewhere. */
export function schemaFor(gvk: { group: string; version: string; kind: string }): Schema {
  return KINDS[`${gvk.group}/${gvk.version}/${gvk.kind}`] ?? GENERIC;
}
