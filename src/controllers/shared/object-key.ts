// Work-queue keys: "namespace/name" for namespaced objects, "name" for cluster-scoped ones.
import type { KubeObject } from "../../api/kinds/kind.ts";

export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function isNotFoundOrConflict(e: unknown): boolean {
  const code = (e as { code?: number })?.code;
  return code === 404 || code === 409;
}

export function isNotFound(e: unknown): boolean {
  return (e as { code?: number })?.code === 404;
}
