// What one object charges against a ResourceQuota, as upstream's quota evaluators count
// it: every object `count/<resource>[.<group>]` (and the legacy names `pods`, `services`…),
// a pod also its cpu and memory requests and limits. Terminal pods charge nothing.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import { add, max, parseList, ZERO, type Quantity } from "../../api/quantity.ts";

export type Usage = Map<string, Quantity>;

const ONE: Quantity = { milli: 1000n, binary: false };

/** Resources with a bare name besides `count/…` (upstream's legacy object counts). */
const LEGACY_COUNTS = new Set(["pods", "services", "configmaps", "secrets", "replicationcontrollers", "resourcequotas", "persistentvolumeclaims"]);

/** Requests that also go by their bare name (`cpu` means `requests.cpu`). */
const BARE_REQUESTS = new Set(["cpu", "memory", "ephemeral-storage"]);

export const countName = (kind: Pick<KindDef, "group" | "plural">) => (kind.group ? `count/${kind.plural}.${kind.group}` : `count/${kind.plural}`);

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
type Container = { name?: string; resources?: Resources };
type PodSpec = { containers?: Container[]; initContainers?: (Container & { restartPolicy?: string })[]; overhead?: Record<string, unknown> };

/** Whether a pod still holds quota: not Succeeded/Failed, and not past its deletion grace. */
export function podCharges(pod: KubeObject, now = Date.now()): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  const m = pod.metadata;
  if (m.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined && now > Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000) return false;
  return true;
}

/** A container's compute usage: `requests.X` (and bare `cpu`/`memory`), `limits.X`. */
export function containerUsage(c: Container): Usage {
  const u: Usage = new Map();
  for (const [r, q] of parseList(c.resources?.requests)) {
    u.set(`requests.${r}`, q);
    if (BARE_REQUESTS.has(r)) u.set(r, q);
  }
  for (const [r, q] of parseList(c.resources?.limits)) u.set(`limits.${r}`, q);
  return u;
}

/** The pod's compute usage: containers summed, at least each init container, plus overhead. */
export function podComputeUsage(pod: KubeObject): Usage {
  const spec = (pod.spec ?? {}) as PodSpec;
  const sum: Usage = new Map();
  for (const c of spec.containers ?? []) for (const [k, q] of containerUsage(c)) sum.set(k, add(sum.get(k) ?? ZERO, q));
  for (const c of spec.initContainers ?? []) for (const [k, q] of containerUsage(c)) sum.set(k, max(sum.get(k) ?? ZERO, q));
  for (const [r, q] of parseList(spec.overhead)) {
    for (const k of [`requests.${r}`, `limits.${r}`, ...(BARE_REQUESTS.has(r) ? [r] : [])]) if (sum.has(k)) sum.set(k, add(sum.get(k)!, q));
  }
  return sum;
}

// Objects stored in the cache are never mutated (writes replace them), so their usage is computed once.
const cache = new WeakMap<KubeObject, Usage>();

/** Everything the object charges. */
export function usageOf(kind: KindDef, obj: KubeObject): Usage {
  const isPod = kind.kind === "Pod" && kind.group === "";
  if (isPod && !podCharges(obj)) return new Map();
  let u = cache.get(obj);
  if (u) return u;
  u = isPod ? podComputeUsage(obj) : new Map();
  u.set(countName(kind), ONE);
  if (!kind.group && LEGACY_COUNTS.has(kind.plural)) u.set(kind.plural, ONE);
  cache.set(obj, u);
  return u;
}

/** The sum over objects, only for the resources in `names`. */
export function sumUsage(kind: KindDef, objects: Iterable<KubeObject>, names: Set<string>, into: Usage = new Map()): Usage {
  for (const o of objects) {
    for (const [k, q] of usageOf(kind, o)) if (names.has(k)) into.set(k, add(into.get(k) ?? ZERO, q));
  }
  return into;
}
