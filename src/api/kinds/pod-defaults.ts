// Pod spec defaults as upstream's defaulters (pkg/apis/core/v1/defaults.go) fill them,
// shared by Pods and the pod templates of Deployments and ReplicaSets.
import type { Container, PodSpec, Probe, Volume } from "kubernetes-types/core/v1";
import { qosClass } from "../../agent/pod-status.ts";

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Always for `:latest` or an untagged image, IfNotPresent for a tag or a digest. */
export function defaultPullPolicy(image: string | undefined): "Always" | "IfNotPresent" {
  if (!image) return "Always";
  if (image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "Always";
  return lastSegment.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: Probe | undefined) {
  if (!isObj(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHttpGet(p.httpGet);
  if (isObj(p.grpc) && p.grpc.service === undefined) p.grpc.service = "";
}

function defaultHttpGet(h: unknown) {
  if (!isObj(h)) return;
  h.path ||= "/";
  h.scheme ??= "HTTP";
}

export function defaultContainer(c: Container) {
  if (!isObj(c)) return;
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.resources ??= {};
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObj(p)) p.protocol ??= "TCP";
  for (const e of Array.isArray(c.env) ? c.env : []) if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef)) e.valueFrom.fieldRef.apiVersion ??= "v1";
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) for (const h of [c.lifecycle.postStart, c.lifecycle.preStop]) if (isObj(h)) defaultHttpGet(h.httpGet);
}

function defaultDownwardItems(items: unknown) {
  for (const it of Array.isArray(items) ? items : []) if (isObj(it) && isObj(it.fieldRef)) it.fieldRef.apiVersion ??= "v1";
}

function defaultVolume(v: Volume) {
  if (!isObj(v)) return;
  // A volume naming no source at all is an emptyDir upstream.
  if (Object.keys(v).every((k) => k === "name")) (v as Obj).emptyDir = {};
  if (isObj(v.configMap)) v.configMap.defaultMode ??= 420;
  if (isObj(v.secret)) v.secret.defaultMode ??= 420;
  if (isObj(v.downwardAPI)) {
    v.downwardAPI.defaultMode ??= 420;
    defaultDownwardItems(v.downwardAPI.items);
  }
  if (isObj(v.projected)) {
    v.projected.defaultMode ??= 420;
    for (const src of Array.isArray(v.projected.sources) ? v.projected.sources : []) {
      if (!isObj(src)) continue;
      // One hour, as upstream's defaulter; clients such as kubectl describe read it unchecked.
      if (isObj(src.serviceAccountToken)) src.serviceAccountToken.expirationSeconds ??= 3600;
      if (isObj(src.downwardAPI)) defaultDownwardItems(src.downwardAPI.items);
    }
  }
  if (isObj(v.hostPath)) v.hostPath.type ??= "";
  // Sources the agent does not mount still read back as upstream stores them.
  if (isObj(v.iscsi)) v.iscsi.iscsiInterface ||= "default";
  if (isObj(v.rbd)) {
    v.rbd.pool ||= "rbd";
    v.rbd.user ||= "admin";
    v.rbd.keyring ||= "/etc/ceph/keyring";
  }
  if (isObj(v.azureDisk)) {
    v.azureDisk.cachingMode ??= "ReadWrite";
    v.azureDisk.fsType ??= "ext4";
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= "Shared";
  }
  if (isObj(v.scaleIO)) {
    v.scaleIO.storageMode ||= "ThinProvisioned";
    v.scaleIO.fsType ||= "xfs";
  }
}

/** Defaults of a PodSpec (pod or template). */
export function defaultPodSpec(spec: PodSpec | undefined) {
  if (!isObj(spec)) return;
  spec.restartPolicy ??= "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : []) defaultContainer(c as Container);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) defaultVolume(v);
}

/** Defaults of a Pod object: the spec's, plus what the ServiceAccount admission adds. */
export function defaultPod(pod: { spec?: PodSpec; status?: unknown }) {
  // Malformed specs are left for validation to report.
  if (!isObj(pod.spec)) return;
  defaultPodSpec(pod.spec);
  // Pods only (not templates): service links on, requests default to the limits.
  pod.spec.enableServiceLinks ??= true;
  const containers = [...(Array.isArray(pod.spec.containers) ? pod.spec.containers : []), ...(Array.isArray(pod.spec.initContainers) ? pod.spec.initContainers : [])].filter(isObj);
  for (const c of containers) {
    const r = c.resources;
    if (!isObj(r) || !isObj(r.limits)) continue;
    r.requests ??= {};
    for (const [k, v] of Object.entries(r.limits)) r.requests[k] ??= v;
  }
  pod.spec.serviceAccountName ||= "default";
  pod.spec.serviceAccount ||= pod.spec.serviceAccountName;
  pod.spec.priority ??= 0;
  // On the host network a container port is also a host port (pods only, as upstream since 1.28).
  if (pod.spec.hostNetwork === true) {
    for (const c of containers) for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObj(p) && !p.hostPort) p.hostPort = p.containerPort;
  }
  // A new pod is Pending, with its QoS class, until its node reports (a status the store holds is kept).
  if (pod.status === undefined && Array.isArray(pod.spec.containers)) pod.status = { phase: "Pending", qosClass: qosClass({ spec: { containers } } as any) };
}
