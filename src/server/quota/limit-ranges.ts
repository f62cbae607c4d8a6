// LimitRange for pods, as upstream's LimitRanger admission plugin: defaults first (each
// container without a request or limit gets the range's), then the bounds (min, max,
// maxLimitRequestRatio per Container, min and max per Pod), worded as upstream words them.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { add, formatQuantity, max, parseList, parseQuantity, ZERO, type Quantity } from "../../api/quantity.ts";

export const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger";

type Item = { type?: string; default?: Record<string, string>; defaultRequest?: Record<string, string>; min?: Record<string, string>; max?: Record<string, string>; maxLimitRequestRatio?: Record<string, string> };
type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
type Container = { name?: string; resources?: Resources };
type PodSpec = { containers?: Container[]; initContainers?: Container[] };

const itemsOf = (ranges: KubeObject[], type: string): Item[] =>
  ranges.flatMap((r) => ((r.spec as { limits?: Item[] } | undefined)?.limits ?? []).filter((i) => i?.type === type));

/** Fill missing requests and limits from the Container items' defaults; records what was set in the pod's annotation. */
export function applyLimitRangeDefaults(pod: KubeObject, ranges: KubeObject[]): void {
  const defaults: Resources = { requests: {}, limits: {} };
  for (const item of itemsOf(ranges, "Container")) {
    Object.assign(defaults.limits!, item.default ?? {});
    Object.assign(defaults.requests!, item.defaultRequest ?? {});
  }
  if (!Object.keys(defaults.limits!).length && !Object.keys(defaults.requests!).length) return;
  const spec = (pod.spec ?? {}) as PodSpec;
  const notes: string[] = [];
  const merge = (c: Container, prefix: string) => {
    if (!c || typeof c !== "object") return;
    c.resources ??= {};
    const set = (which: "requests" | "limits") => {
      const added: string[] = [];
      for (const [k, v] of Object.entries(defaults[which]!)) {
        if (c.resources![which]?.[k] !== undefined) continue;
        c.resources![which] = { ...(c.resources![which] ?? {}), [k]: v };
        added.push(k);
      }
      return added.sort();
    };
    const requests = set("requests");
    const limits = set("limits");
    if (requests.length) notes.push(`${requests.join(", ")} request for ${prefix} ${c.name}`);
    if (limits.length) notes.push(`${limits.join(", ")} limit for ${prefix} ${c.name}`);
  };
  for (const c of spec.initContainers ?? []) merge(c, "init container");
  for (const c of spec.containers ?? []) merge(c, "container");
  if (notes.length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}` };
}

type Observed = { request?: Quantity; requestText?: string; limit?: Quantity; limitText?: string };

function observe(requests: Record<string, unknown> | undefined, limits: Record<string, unknown> | undefined, r: string): Observed {
  const req = requests?.[r];
  const lim = limits?.[r];
  const request = parseQuantity(req);
  const limit = parseQuantity(lim);
  return { request, requestText: request && formatQuantity(request), limit, limitText: limit && formatQuantity(limit) };
}

function minError(type: string, r: string, enforced: Quantity, o: Observed): string | undefined {
  const e = formatQuantity(enforced);
  if (!o.request) return `minimum ${r} usage per ${type} is ${e}.  No request is specified`;
  if (o.request.milli < enforced.milli) return `minimum ${r} usage per ${type} is ${e}, but request is ${o.requestText}`;
  if (o.limit && o.limit.milli < enforced.milli) return `minimum ${r} usage per ${type} is ${e}, but limit is ${o.limitText}`;
}

function maxError(type: string, r: string, enforced: Quantity, o: Observed): string | undefined {
  const e = formatQuantity(enforced);
  if (!o.limit) return `maximum ${r} usage per ${type} is ${e}.  No limit is specified`;
  if (o.limit.milli > enforced.milli) return `maximum ${r} usage per ${type} is ${e}, but limit is ${o.limitText}`;
  if (o.request && o.request.milli > enforced.milli) return `maximum ${r} usage per ${type} is ${e}, but request is ${o.requestText}`;
}

function ratioError(type: string, r: string, enforced: Quantity, o: Observed): string | undefined {
  const e = formatQuantity(enforced);
  if (!o.request || o.request.milli === 0n) return `${r} max limit to request ratio per ${type} is ${e}, but no request is specified or request is 0`;
  if (!o.limit || o.limit.milli === 0n) return `${r} max limit to request ratio per ${type} is ${e}, but no limit is specified or limit is 0`;
  const ratio = Number(o.limit.milli) / Number(o.request.milli);
  if (ratio * 1000 > Number(enforced.milli)) return `${r} max limit to request ratio per ${type} is ${e}, but provided ratio is ${ratio.toFixed(6)}`;
}

function checkItem(type: string, item: Item, requests: Record<string, unknown> | undefined, limits: Record<string, unknown> | undefined, errors: string[]) {
  const run = (bounds: Record<string, string> | undefined, check: typeof minError) => {
    for (const [r, q] of parseList(bounds)) {
      const e = check(type, r, q, observe(requests, limits, r));
      if (e) errors.push(e);
    }
  };
  run(item.min, minError);
  run(item.max, maxError);
  if (type === "Container") run(item.maxLimitRequestRatio, ratioError);
}

/** A pod's requests or limits summed over its containers, at least each init container's. */
function podTotal(spec: PodSpec, which: "requests" | "limits"): Record<string, string> {
  const sum = new Map<string, Quantity>();
  for (const c of spec.containers ?? []) for (const [k, q] of parseList(c?.resources?.[which])) sum.set(k, add(sum.get(k) ?? ZERO, q));
  for (const c of spec.initContainers ?? []) for (const [k, q] of parseList(c?.resources?.[which])) sum.set(k, max(sum.get(k) ?? ZERO, q));
  return Object.fromEntries([...sum].map(([k, q]) => [k, formatQuantity(q)]));
}

/** Every bound the pod breaks, as upstream's messages. */
export function limitRangeViolations(pod: KubeObject, ranges: KubeObject[]): string[] {
  const spec = (pod.spec ?? {}) as PodSpec;
  const errors: string[] = [];
  for (const item of itemsOf(ranges, "Container")) {
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      if (c && typeof c === "object") checkItem("Container", item, c.resources?.requests, c.resources?.limits, errors);
    }
  }
  for (const item of itemsOf(ranges, "Pod")) checkItem("Pod", item, podTotal(spec, "requests"), podTotal(spec, "limits"), errors);
  return errors;
}
