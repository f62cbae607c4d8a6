// The files of a downwardAPI volume (or projection): the pod's own fields and its
// containers' resources, written as the kubelet writes them.
import { quote } from "../charts/gotemplate/quote.ts";
import { ContainerConfigError, fieldValue, resourceFieldValue } from "./env.ts";
import type { Pod } from "./pod-source.ts";

type DownwardItem = {
  path: string;
  mode?: number;
  fieldRef?: { fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string | number };
};

/** `key="value"` lines sorted by key, values quoted as Go's %q (fieldpath.FormatMap). */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${quote(m![k]!)}`)
    .join("\n");
}

function itemValue(pod: Pod, volume: string, item: DownwardItem): string {
  if (item.fieldRef) {
    const path = item.fieldRef.fieldPath;
    // Whole maps are allowed in files only (not in env).
    if (path === "metadata.labels") return formatMap(pod.metadata.labels);
    if (path === "metadata.annotations") return formatMap(pod.metadata.annotations);
    return fieldValue(pod, path);
  }
  if (item.resourceFieldRef) {
    const ref = item.resourceFieldRef;
    const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
    const container = all.find((c) => c.name === ref.containerName);
    if (!container) throw new ContainerConfigError(`volume "${volume}": container "${ref.containerName ?? ""}" named by resourceFieldRef of ${item.path} is not in the pod`);
    return resourceFieldValue(container, ref.resource, ref.divisor);
  }
  throw new ContainerConfigError(`volume "${volume}": item ${item.path} has neither fieldRef nor resourceFieldRef`);
}

/** The wanted files (relative path → content and mode) of a list of downwardAPI items. */
export function downwardFiles(pod: Pod, volume: string, items: DownwardItem[] | undefined, defaultMode: number): Map<string, { data: Buffer; mode: number }> {
  const files = new Map<string, { data: Buffer; mode: number }>();
  for (const item of items ?? []) files.set(item.path, { data: Buffer.from(itemValue(pod, volume, item)), mode: item.mode ?? defaultMode });
  return files;
}
