// A container's environment: values, ConfigMap/Secret keys, the pod's own fields, envFrom,
// and $(VAR) references to earlier variables, as the kubelet resolves them.
import type { KubeObject } from "../api/kinds/kind.ts";
import type { Pod } from "./pod-source.ts";

export class ContainerConfigError extends Error {}

export type ObjectLookup = (plural: "configmaps" | "secrets" | "persistentvolumeclaims" | "persistentvolumes", namespace: string, name: string) => KubeObject | undefined;

function keyOf(lookup: ObjectLookup, plural: "configmaps" | "secrets", ns: string, name: string, key: string, optional: boolean): string | undefined {
  const obj = lookup(plural, ns, name) as { data?: Record<string, string>; binaryData?: Record<string, string> } | undefined;
  const kind = plural === "configmaps" ? "configmap" : "secret";
  if (!obj) {
    if (optional) return undefined;
    throw new ContainerConfigError(`${kind} "${name}" not found`);
  }
  const raw = obj.data?.[key];
  if (raw === undefined) {
    if (optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${key} in ${plural === "configmaps" ? "ConfigMap" : "Secret"} ${ns}/${name}`);
  }
  return plural === "secrets" ? Buffer.from(raw, "base64").toString("utf8") : raw;
}

export function fieldValue(pod: Pod, path: string): string {
  const m = pod.metadata;
  const label = path.match(/^metadata\.(labels|annotations)\['(.+)'\]$/);
  if (label) return (label[1] === "labels" ? m.labels : m.annotations)?.[label[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return m.name ?? "";
    case "metadata.namespace":
      return m.namespace ?? "";
    case "metadata.uid":
      return m.uid ?? "";
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec.serviceAccountName ?? "";
    case "status.podIP":
      return pod.status?.podIP ?? "";
    case "status.hostIP":
      return pod.status?.hostIP ?? "";
  }
  throw new ContainerConfigError(`unsupported fieldRef ${path}`);
}

const expand = (value: string, env: Record<string, string>) => value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name) => (m === "$$" ? "$" : name in env ? env[name]! : m));

/**
 * The variables of the `kubernetes` Service that every container gets, whatever
 * enableServiceLinks says (upstream's master service variables).
 */
export function kubernetesServiceEnv(clusterIP: string, port = 443): Record<string, string> {
  const url = `tcp://${clusterIP}:${port}`;
  return {
    KUBERNETES_SERVICE_HOST: clusterIP,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: url,
    [`KUBERNETES_PORT_${port}_TCP`]: url,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: "tcp",
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: clusterIP,
  };
}

/** A container's environment; service variables come first, so the container's own may refer to or override them. */
export function containerEnv(pod: Pod, container: any, lookup: ObjectLookup, podIP?: string, serviceEnv: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...serviceEnv };
  const ns = pod.metadata.namespace!;
  const withIp: Pod = podIP ? { ...pod, status: { ...pod.status, podIP } } : pod;
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    const ref = from.configMapRef ?? from.secretRef;
    const plural = from.configMapRef ? "configmaps" : "secrets";
    const obj = lookup(plural, ns, ref.name) as { data?: Record<string, string> } | undefined;
    if (!obj) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${plural === "configmaps" ? "configmap" : "secret"} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(obj.data ?? {})) env[prefix + k] = plural === "secrets" ? Buffer.from(v, "base64").toString("utf8") : v;
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    let value: string | undefined;
    if (!vf) value = expand(e.value ?? "", env);
    else if (vf.configMapKeyRef) value = keyOf(lookup, "configmaps", ns, vf.configMapKeyRef.name, vf.configMapKeyRef.key, !!vf.configMapKeyRef.optional);
    else if (vf.secretKeyRef) value = keyOf(lookup, "secrets", ns, vf.secretKeyRef.name, vf.secretKeyRef.key, !!vf.secretKeyRef.optional);
    else if (vf.fieldRef) value = fieldValue(withIp, vf.fieldRef.fieldPath);
    else if (vf.resourceFieldRef) value = resourceFieldValue(container, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor);
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

/**
 * A container's resource as the downward API gives it: rounded up in units of the divisor
 * (default 1: cores, bytes); an unset limit is the node's capacity, an unset request 0.
 */
export function resourceFieldValue(container: any, resource: string, divisor: string | number = "1"): string {
  const [section, name] = resource.split(".") as [string, string | undefined];
  if ((section !== "limits" && section !== "requests") || !name) throw new ContainerConfigError(`unsupported resourceFieldRef resource ${resource}`);
  const unit = parseQuantity(divisor);
  if (!(unit > 0)) throw new ContainerConfigError(`invalid resourceFieldRef divisor "${divisor}"`);
  const set = container.resources?.[section]?.[name];
  let amount: number;
  if (set !== undefined) amount = parseQuantity(set);
  else if (section === "requests") amount = 0;
  else amount = name === "cpu" ? require("node:os").cpus().length : name === "memory" ? require("node:os").totalmem() : 0;
  // Upstream divides whole millicores for cpu and whole units otherwise, each rounded up;
  // a tiny epsilon keeps float noise ("0.1" * 1000) from rounding up a step.
  const whole = (q: number, scale: number) => Math.max(1, Math.ceil(q * scale - 1e-9));
  const value = name === "cpu" ? Math.ceil(amount * 1000 - 1e-9) / whole(unit, 1000) : Math.ceil(amount - 1e-9) / whole(unit, 1);
  return String(Math.ceil(value - 1e-9));
}

const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes resource quantity ("100m", "64Mi", "1.5", "2e3") as a number. */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = String(q).trim().match(/^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/);
  if (!m) throw new ContainerConfigError(`invalid quantity "${q}"`);
  return Number(m[1]) * SUFFIX[m[2] ?? ""]!;
}

/** Whether a container's environment reads the pod IP (then the sandbox must run before it is made). */
export function readsPodIP(container: any): boolean {
  return (container.env ?? []).some((e: any) => e.valueFrom?.fieldRef?.fieldPath === "status.podIP" || e.valueFrom?.fieldRef?.fieldPath === "status.podIPs");
}
