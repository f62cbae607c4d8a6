// Upstream's ServiceAccount admission for new pods: the pod names a service account that
// exists (`default` unless it says otherwise), takes its imagePullSecrets when it has none,
// and, unless automountServiceAccountToken is false on the pod or its account, gets the
// projected volume kube-api-access-XXXXX (token, ca.crt, namespace) mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { generateSuffix } from "../../api/registry/metadata.ts";
import { forbiddenObject } from "../quota/admission.ts";
import { PROJECTED_TOKEN_SECONDS } from "./service-account-tokens.ts";
import { ROOT_CA_CONFIGMAP } from "../../controllers/root-ca-publisher.ts";

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const DEFAULT_SERVICE_ACCOUNT = "default";
const VOLUME_PREFIX = "kube-api-access-";

type Mount = { name: string; mountPath: string; readOnly?: boolean };
type Container = { volumeMounts?: Mount[] };
type PodSpec = {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
  volumes?: { name: string; projected?: unknown }[];
  containers?: Container[];
  initContainers?: Container[];
};
type ServiceAccount = KubeObject & { automountServiceAccountToken?: boolean; imagePullSecrets?: { name: string }[] };

/** The volume upstream's admission adds, under `name`. */
export function serviceAccountVolume(name: string) {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_SECONDS, path: "token" } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

export function installServiceAccountAdmission(registry: Registry): void {
  const podKind = registry.kindOf("v1", "Pod");
  const saKind = registry.kindOf("v1", "ServiceAccount");
  if (!podKind || !saKind) return;
  registry.addAdmission((op, kind, pod) => {
    if (op !== "create" || kind !== podKind) return;
    admitPod(registry, podKind, saKind, pod);
  });
}

function admitPod(registry: Registry, podKind: KindDef, saKind: KindDef, pod: KubeObject) {
  const spec = pod.spec as PodSpec | undefined;
  if (!spec || typeof spec !== "object") return;
  // A static (mirror) pod of a node has no service account, as upstream.
  if (pod.metadata.annotations?.["kubernetes.io/config.mirror"] !== undefined) return;
  const name = spec.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
  const ns = pod.metadata.namespace!;
  const sa = registry.tryGet(saKind, ns, name) as ServiceAccount | undefined;
  // Upstream waits a moment for the `default` account of a new namespace, which its
  // controller makes right away; here the pod is admitted as if it existed (tokens for it
  // are issued once it does).
  if (!sa && name !== DEFAULT_SERVICE_ACCOUNT) {
    throw forbiddenObject(podKind, pod.metadata.name!, `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`);
  }
  if (!spec.imagePullSecrets?.length && sa?.imagePullSecrets?.length) spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
  const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
  if (!automount) return;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].filter((c) => c && typeof c === "object");
  const needing = containers.filter((c) => !(c.volumeMounts ?? []).some((m) => m?.mountPath === SERVICE_ACCOUNT_MOUNT_PATH));
  if (!needing.length) return;
  spec.volumes ??= [];
  const taken = new Set(spec.volumes.map((v) => v?.name));
  let volume = "";
  do volume = VOLUME_PREFIX + generateSuffix();
  while (taken.has(volume));
  spec.volumes.push(serviceAccountVolume(volume));
  for (const c of needing) (c.volumeMounts ??= []).push({ name: volume, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
}
