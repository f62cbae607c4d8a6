// The scale subresource reads and writes where the kind's ScaleSpec says, as upstream's
// scale paths do for custom resources (a Job-like kind may keep its count elsewhere).
import type { KubeObject, ScaleSpec } from "../kinds/kind.ts";
import { labelSelectorToString } from "../selectors/label-selector.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function readPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Set a dotted path, creating the objects on the way. */
export function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** autoscaling/v1 Scale of an object. */
export function scaleOf(spec: ScaleSpec, obj: KubeObject) {
  const m = obj.metadata;
  const selector = readPath(obj, spec.labelSelectorPath);
  const replicas = (path: string) => {
    const v = readPath(obj, path);
    return typeof v === "number" ? v : 0;
  };
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: replicas(spec.specReplicasPath) },
    status: { replicas: replicas(spec.statusReplicasPath), selector: typeof selector === "string" ? selector : isObject(selector) ? labelSelectorToString(selector as never) : "" },
  };
}
