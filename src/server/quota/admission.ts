// ResourceQuota and LimitRange admission, run inside the registry's write (so in write
// order): a pod gets its LimitRange defaults, then its bounds are checked, then every
// create is charged against the namespace's quotas, counting the stored objects and the
// writes planned before it, so two creates cannot both take the last slot.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { ApiError } from "../../api/errors.ts";
import { add, formatQuantity, parseList, ZERO, type Quantity } from "../../api/quantity.ts";
import { usageOf } from "./usage.ts";
import { namespaceUsage } from "./namespace-usage.ts";
import { applyLimitRangeDefaults, limitRangeViolations } from "./limit-ranges.ts";

/** Resources for which each container must state a request or limit once a quota names them. */
const MUST_SPECIFY = new Set(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]);

/** 403 Forbidden about one object, as admission.NewForbidden words it. */
export function forbiddenObject(kind: KindDef, name: string, why: string): ApiError {
  const what = kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
  return new ApiError(403, "Forbidden", `${what} "${name}" is forbidden: ${why}`, { name, group: kind.group || undefined, kind: kind.plural });
}

/** `a=1,b=2` over sorted names, as upstream's prettyPrint. */
const pretty = (list: Map<string, Quantity>, names: string[]) => names.map((n) => `${n}=${formatQuantity(list.get(n) ?? ZERO)}`).join(",");

export function installQuotaAdmission(registry: Registry): void {
  const quotaKind = registry.kindOf("v1", "ResourceQuota");
  const limitRangeKind = registry.kindOf("v1", "LimitRange");
  if (!quotaKind || !limitRangeKind) return;

  registry.addAdmission((op, kind, next, old) => {
    if (kind === quotaKind) return fillQuotaStatus(next, old);
    if (op !== "create" || !kind.namespaced) return;
    const ns = next.metadata.namespace!;
    if (kind.kind === "Pod" && kind.group === "") admitPodLimits(kind, next, ns);
    checkQuotas(kind, next, ns);
  });

  function admitPodLimits(kind: KindDef, pod: KubeObject, ns: string) {
    const ranges = registry.list(limitRangeKind!, ns).items;
    if (!ranges.length) return;
    applyLimitRangeDefaults(pod, ranges);
    const errors = limitRangeViolations(pod, ranges);
    if (errors.length) throw forbiddenObject(kind, pod.metadata.name!, errors.length === 1 ? errors[0]! : `[${errors.join(", ")}]`);
  }

  function checkQuotas(kind: KindDef, obj: KubeObject, ns: string) {
    const quotas = registry.list(quotaKind!, ns).items;
    if (!quotas.length) return;
    const requested = usageOf(kind, obj);
    for (const q of quotas) {
      const hard = parseList((q.spec as { hard?: Record<string, string> } | undefined)?.hard);
      const constrained = [...hard.keys()].filter((n) => requested.has(n));
      if (kind.kind === "Pod" && kind.group === "") checkMustSpecify(kind, obj, q, [...hard.keys()]);
      if (!constrained.length) continue;
      const used = namespaceUsage(registry, ns, new Set(constrained));
      const exceeded = constrained.filter((n) => add(used.get(n) ?? ZERO, requested.get(n)!).milli > hard.get(n)!.milli).sort();
      if (exceeded.length) {
        throw forbiddenObject(kind, obj.metadata.name!, `exceeded quota: ${q.metadata.name}, requested: ${pretty(requested, exceeded)}, used: ${pretty(used, exceeded)}, limited: ${pretty(hard, exceeded)}`);
      }
    }
  }

  // Upstream's backward-compatible rule: a quota on cpu or memory needs every container to say how much.
  function checkMustSpecify(kind: KindDef, pod: KubeObject, quota: KubeObject, hardNames: string[]) {
    const required = hardNames.filter((n) => MUST_SPECIFY.has(n));
    if (!required.length) return;
    const spec = (pod.spec ?? {}) as { containers?: { name?: string; resources?: { requests?: object; limits?: object } }[]; initContainers?: { name?: string; resources?: { requests?: object; limits?: object } }[] };
    const missing = new Map<string, string[]>();
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const has = new Set<string>();
      for (const r of Object.keys(c?.resources?.requests ?? {})) has.add(`requests.${r}`).add(r);
      for (const r of Object.keys(c?.resources?.limits ?? {})) has.add(`limits.${r}`);
      for (const r of required) if (!has.has(r)) missing.set(r, [...(missing.get(r) ?? []), c?.name ?? ""]);
    }
    if (!missing.size) return;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...new Set(missing.get(r))].sort().join(",")}`);
    throw forbiddenObject(kind, pod.metadata.name!, `failed quota: ${quota.metadata.name}: must specify ${parts.join("; ")}`);
  }

  // A quota's status is right from its first revision: hard from spec, used counted now. The quota controller keeps used current afterwards.
  function fillQuotaStatus(quota: KubeObject, old: KubeObject | undefined) {
    const hardText = (quota.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};
    const status = (quota.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
    if (old && JSON.stringify(formatHard(hardText)) === JSON.stringify(status.hard ?? {})) return;
    const hard = parseList(hardText);
    const used = namespaceUsage(registry, quota.metadata.namespace!, new Set(hard.keys()));
    quota.status = { hard: formatHard(hardText), used: Object.fromEntries([...hard.keys()].sort().map((n) => [n, formatQuantity(used.get(n) ?? ZERO)])) };
  }
}

/** status.hard keeps spec.hard's own spelling of each quantity, in name order. */
export function formatHard(hard: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(hard).sort().map((k) => [k, hard[k]!]));
}
