// Upstream's ClusterRole aggregation controller: a ClusterRole with an aggregationRule holds
// the rules of every other ClusterRole its selectors match (in name order, each rule once),
// so `admin`, `edit` and `view` grow when a ClusterRole labelled aggregate-to-* appears.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { labelSelectorMatcher, type LabelSelectorObject } from "../api/selectors/label-selector.ts";
import { deepEqual } from "../api/validation/deep-equal.ts";
import type { PolicyRule } from "../api/validation/rbac.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";

type Aggregated = KubeObject & { aggregationRule?: { clusterRoleSelectors?: LabelSelectorObject[] }; rules?: PolicyRule[] };

/** The rules an aggregated ClusterRole should hold, from the roles `all` lists. */
export function aggregatedRules(role: Aggregated, all: KubeObject[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const others = all.filter((o) => o.metadata.name !== role.metadata.name).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const matches = labelSelectorMatcher(selector);
    for (const o of others) {
      if (!matches(o.metadata.labels ?? {})) continue;
      for (const r of ((o as Aggregated).rules ?? []) as PolicyRule[]) if (!rules.some((have) => deepEqual(have, r))) rules.push(r);
    }
  }
  return rules;
}

export function clusterRoleAggregationController(registry: Registry, informers: InformerFactory, clusterRoleKind: KindDef): Controller {
  const roles = informers.for(clusterRoleKind);
  const aggregatedNames = () => roles.list().filter((o) => (o as Aggregated).aggregationRule).map((o) => o.metadata.name!);

  const controller = new Controller({
    name: "clusterrole-aggregation",
    workers: 1,
    resyncMs: 5 * 60_000,
    allKeys: aggregatedNames,
    reconcile: async (name) => {
      const role = roles.get("", name) as Aggregated | undefined;
      if (!role?.aggregationRule) return;
      const want = aggregatedRules(role, roles.list());
      if (deepEqual(role.rules ?? [], want)) return;
      await registry.replace(clusterRoleKind, "", name, (cur) => {
        if (!cur || !(cur as Aggregated).aggregationRule) return cur!;
        return { ...cur, rules: aggregatedRules(cur as Aggregated, roles.list()) };
      });
    },
  });

  // Any ClusterRole's change may change what an aggregated one gathers; there are few of those.
  roles.onChange(() => {
    for (const name of aggregatedNames()) controller.enqueue(name);
  });
  return controller;
}
