// Pod and PodSpec validation (pkg/apis/core/validation: ValidatePodSpec, ValidatePodUpdate),
// for the fields skiff acts on. Paths and messages as upstream.
import type { Container, ContainerPort, PodSpec, Toleration } from "kubernetes-types/core/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { duplicate, forbidden, invalidValue, notFound, notSupported, required } from "./field-errors.ts";
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum } from "./names.ts";
import { validateLabels, validateMeta } from "./object-meta.ts";
import { semanticEqual } from "./deep-equal.ts";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];

function validatePorts(ports: ContainerPort[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) for (const m of msgs) errs.push(invalidValue(`${p}.name`, port.name, m));
      else if (names.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(`${p}.containerPort`));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(invalidValue(`${p}.containerPort`, port.containerPort, m));
    if (port.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(invalidValue(`${p}.hostPort`, port.hostPort, m));
    if (!port.protocol) errs.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function validateContainers(containers: Container[], path: string, names: Set<string>, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c.name) errs.push(required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(c.name)) errs.push(invalidValue(`${p}.name`, c.name, m));
      if (names.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
      else names.add(c.name);
    }
    if (!c.image) errs.push(required(`${p}.image`));
    else if (c.image.trim() !== c.image) errs.push(invalidValue(`${p}.image`, c.image, "must not have leading or trailing whitespace"));
    if (!c.imagePullPolicy) errs.push(required(`${p}.imagePullPolicy`));
    else if (!PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    if (c.terminationMessagePolicy && !MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) errs.push(notSupported(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, MESSAGE_POLICIES));
    errs.push(...validatePorts(c.ports ?? [], `${p}.ports`));
    (c.env ?? []).forEach((e, j) => {
      if (!e.name) errs.push(required(`${p}.env[${j}].name`));
    });
    (c.volumeMounts ?? []).forEach((m, j) => {
      const mp = `${p}.volumeMounts[${j}]`;
      if (!m.name) errs.push(required(`${mp}.name`));
      else if (!volumes.has(m.name)) errs.push(notFound(`${mp}.name`, m.name));
      if (!m.mountPath) errs.push(required(`${mp}.mountPath`));
    });
  });
  return errs;
}

/** A PodSpec at `path` (`spec`, or `spec.template.spec` inside workloads). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [required(path)];
  const errs: FieldError[] = [];
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const p = `${path}.volumes[${i}]`;
    if (!v.name) errs.push(required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(invalidValue(`${p}.name`, v.name, m));
      if (volumes.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      volumes.add(v.name);
    }
  });
  const names = new Set<string>();
  if (!(spec.containers ?? []).length) errs.push(required(`${path}.containers`));
  errs.push(...validateContainers(spec.initContainers ?? [], `${path}.initContainers`, names, volumes));
  errs.push(...validateContainers(spec.containers ?? [], `${path}.containers`, names, volumes));
  if (!spec.restartPolicy) errs.push(required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (!spec.dnsPolicy) errs.push(required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) for (const m of isDNS1123Subdomain(spec.serviceAccountName)) errs.push(invalidValue(`${path}.serviceAccountName`, spec.serviceAccountName, m));
  if (spec.nodeName) for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(invalidValue(`${path}.nodeName`, spec.nodeName, m));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    errs.push(invalidValue(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive"));
  }
  return errs;
}


const UPDATABLE =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

const tolerationKey = (t: Toleration) => JSON.stringify([t.key ?? "", t.operator ?? "", t.value ?? "", t.effect ?? "", t.tolerationSeconds ?? null]);

/** ValidatePodUpdate: only images, activeDeadlineSeconds and added tolerations may change. */
export function validatePodSpecUpdate(spec: PodSpec, old: PodSpec): FieldError[] {
  const errs: FieldError[] = [];
  const munged: PodSpec = structuredClone(spec);
  // Images may change: compare with the old images in place.
  munged.containers?.forEach((c, i) => {
    const o = old.containers?.[i];
    if (o) c.image = o.image;
  });
  munged.initContainers?.forEach((c, i) => {
    const o = old.initContainers?.[i];
    if (o) c.image = o.image;
  });
  // activeDeadlineSeconds may be set or lowered, never removed or raised.
  const newDeadline = spec.activeDeadlineSeconds;
  const oldDeadline = old.activeDeadlineSeconds;
  if (oldDeadline != null && (newDeadline == null || newDeadline > oldDeadline)) {
    errs.push(invalidValue("spec.activeDeadlineSeconds", newDeadline ?? null, "must be less than or equal to previous value"));
  }
  munged.activeDeadlineSeconds = oldDeadline;
  // Tolerations may only be added.
  const newTols = new Set((spec.tolerations ?? []).map(tolerationKey));
  if ((old.tolerations ?? []).every((t) => newTols.has(tolerationKey(t)))) munged.tolerations = old.tolerations;
  if ((old.terminationGracePeriodSeconds ?? 0) < 0 && spec.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  // Binding a pod to a node sets spec.nodeName once (the binding subresource writes through here).
  if (!old.nodeName && spec.nodeName) munged.nodeName = old.nodeName;
  if (!semanticEqual(munged, old)) errs.push(forbidden("spec", UPDATABLE));
  return errs;
}

export function validatePod(pod: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(pod, old, true);
  const spec = pod.spec as PodSpec | undefined;
  errs.push(...validatePodSpec(spec, "spec"));
  if (old && spec && old.spec) errs.push(...validatePodSpecUpdate(spec, old.spec as PodSpec));
  return errs;
}
