// What a StatefulSet's pod and claims look like, as upstream's stateful_set_utils: pod
// NAME-ORDINAL with hostname NAME-ORDINAL and the governing Service as subdomain (so
// NAME-0.SERVICE.NS.svc resolves), one claim TEMPLATE-NAME-ORDINAL per volumeClaimTemplate
// mounted in place of the template's volume of that name, and the revision it was made from.
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { OwnerReference } from "kubernetes-types/meta/v1";
import { REVISION_HASH_LABEL } from "../daemonset/daemon-pods.ts";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

type Meta = { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Template = { metadata?: Meta; spec?: { volumes?: { name: string }[]; hostname?: string; subdomain?: string } & Record<string, unknown> };
export type StatefulSetSpec = {
  replicas?: number;
  serviceName?: string;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: Template;
  volumeClaimTemplates?: { metadata?: Meta; spec?: Record<string, unknown> }[];
  podManagementPolicy?: "OrderedReady" | "Parallel";
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: "Retain" | "Delete"; whenScaled?: "Retain" | "Delete" };
  ordinals?: { start?: number };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
};

export const specOf = (sts: KubeObject) => (sts.spec ?? {}) as StatefulSetSpec;
export const podName = (sts: KubeObject, ordinal: number) => `${sts.metadata.name}-${ordinal}`;
export const claimName = (template: string, pod: string) => `${template}-${pod}`;
export const podRevision = (pod: KubeObject) => pod.metadata.labels?.[REVISION_HASH_LABEL] ?? "";

/** The ordinal of a pod named NAME-N of this set, or undefined for any other name. */
export function ordinalOf(sts: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${sts.metadata.name}-`;
  const name = pod.metadata.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** The template a revision holds (its data is `{"spec":{"template":{…,"$patch":"replace"}}}`). */
export function revisionTemplate(cr: KubeObject): Template {
  const t = structuredClone((cr as { data?: { spec?: { template?: Template & { $patch?: string } } } }).data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

/** The claims of the pod with this ordinal, with the set's selector labels (getPersistentVolumeClaims). */
export function podClaims(sts: KubeObject, ordinal: number): KubeObject[] {
  const spec = specOf(sts);
  const pod = podName(sts, ordinal);
  return (spec.volumeClaimTemplates ?? []).map((t) => ({
    metadata: {
      name: claimName(t.metadata?.name ?? "", pod),
      namespace: sts.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** newVersionedStatefulSetPod: the pod for `ordinal` from `template`, labelled with its revision. */
export function statefulPod(sts: KubeObject, ordinal: number, template: Template, revision: string, ownerRef: OwnerReference): KubeObject {
  const spec = specOf(sts);
  const name = podName(sts, ordinal);
  const podSpec = structuredClone(template.spec ?? {}) as NonNullable<Template["spec"]>;
  const claims = spec.volumeClaimTemplates ?? [];
  const claimVolumes = claims.map((t) => ({ name: t.metadata?.name ?? "", persistentVolumeClaim: { claimName: claimName(t.metadata?.name ?? "", name) } }));
  const volumes = (podSpec.volumes ?? []).filter((v) => !claimVolumes.some((c) => c.name === v.name));
  if (claimVolumes.length || podSpec.volumes) podSpec.volumes = [...claimVolumes, ...volumes];
  podSpec.hostname = name;
  if (spec.serviceName) podSpec.subdomain = spec.serviceName;
  return {
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: revision, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRef],
    },
    spec: podSpec,
  };
}
