// `kubectl get` for nodes, namespaces, configmaps, secrets, serviceaccounts, leases and
// events, as upstream's printNode, printNamespace, printConfigMap… give them.
import type { Node, Namespace, ConfigMap, Secret, ServiceAccount, Event } from "kubernetes-types/core/v1";
import type { Lease } from "kubernetes-types/coordination/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, NAME_DESCRIPTION, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";

export function nodeStatus(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === "Ready");
  const status = ready ? [ready.status === "True" ? "Ready" : "NotReady"] : ["Unknown"];
  if (n.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

/** Roles from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` label, sorted. */
export function nodeRoles(n: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata?.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return [...roles].sort().join(",") || "<none>";
}

const address = (n: Node, type: string) => (n.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";
const orUnknown = (s: string | undefined) => s || "<unknown>";

export const nodeColumns: TableColumn[] = [
  nameColumn(),
  col("Status", "string", "The status of the node", nodeStatus),
  col("Roles", "string", "The roles of the node", nodeRoles),
  ageColumn(),
  col("Version", "string", "Kubelet Version reported by the node.", (n: Node) => n.status?.nodeInfo?.kubeletVersion ?? ""),
  wide("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses", (n: Node) => address(n, "InternalIP")),
  wide("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses", (n: Node) => address(n, "ExternalIP")),
  wide("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", (n: Node) => orUnknown(n.status?.nodeInfo?.osImage)),
  wide("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", (n: Node) => orUnknown(n.status?.nodeInfo?.kernelVersion)),
  wide("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", (n: Node) => orUnknown(n.status?.nodeInfo?.containerRuntimeVersion)),
];

export const namespaceColumns: TableColumn[] = [
  nameColumn(),
  col("Status", "string", "The status of the namespace", (n: Namespace) => n.status?.phase ?? ""),
  ageColumn(),
];

export const configMapColumns: TableColumn[] = [
  nameColumn(),
  col("Data", "integer", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.", (c: ConfigMap) => Object.keys(c.data ?? {}).length + Object.keys(c.binaryData ?? {}).length),
  ageColumn(),
];

export const secretColumns: TableColumn[] = [
  nameColumn(),
  col("Type", "string", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types", (s: Secret) => s.type ?? ""),
  col("Data", "integer", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4", (s: Secret) => Object.keys(s.data ?? {}).length),
  ageColumn(),
];

export const serviceAccountColumns: TableColumn[] = [
  nameColumn(),
  col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", (s: ServiceAccount) => (s.secrets ?? []).length),
  ageColumn(),
];

export const leaseColumns: TableColumn[] = [
  nameColumn(),
  col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.", (l: Lease) => l.spec?.holderIdentity ?? ""),
  ageColumn(),
];

function eventTimes(e: Event, now: number): { first: string; last: string; count: number } {
  const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1; // singleton events of the events.k8s.io API carry no count
  return { first, last, count };
}

function eventSource(e: Event): string {
  const component = e.source?.component || e.reportingComponent || "";
  const instance = e.source?.host || e.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

function eventObject(e: Event): string {
  const kind = (e.involvedObject?.kind ?? "").toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

export const eventColumns: TableColumn[] = [
  col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded.", (e: Event, now) => eventTimes(e, now).last),
  col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future", (e: Event) => e.type ?? ""),
  col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", (e: Event) => e.reason ?? ""),
  col("Object", "string", "The object that this event is about.", eventObject),
  wide("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", (e: Event) => e.involvedObject?.fieldPath ?? ""),
  wide("Source", "string", "The component reporting this event. Should be a short machine understandable string.", eventSource),
  col("Message", "string", "A human-readable description of the status of this operation.", (e: Event) => (e.message ?? "").trim()),
  wide("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", (e: Event, now) => eventTimes(e, now).first),
  wide("Count", "string", "The number of times this event has occurred.", (e: Event, now) => eventTimes(e, now).count),
  col("Name", "string", NAME_DESCRIPTION, (e: Event) => e.metadata?.name ?? "", 1, "name"),
];
