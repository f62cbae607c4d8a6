// spec.podFailurePolicy: the first rule matching a failed pod decides whether it fails the
// Job at once (FailJob), is not counted (Ignore), or counts toward backoffLimit (Count).
import type { KubeObject } from "../../api/kinds/kind.ts";
import { containerStatusesOf } from "./job-status.ts";

type Rule = {
  action: string;
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
};
export type PodFailurePolicy = { rules?: Rule[] };

export type PolicyMatch = { action: string; message: string };

export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: KubeObject): PolicyMatch | undefined {
  const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const { containerName, operator, values } = rule.onExitCodes;
      for (const c of containerStatusesOf(pod)) {
        const code = c.state?.terminated?.exitCode;
        if (code === undefined || code === 0 || (containerName && c.name !== containerName)) continue;
        if (values.includes(code) === (operator === "In")) {
          return { action: rule.action, message: `Container ${c.name} for pod ${podName} failed with exit code ${code} matching ${rule.action} rule at index ${i}` };
        }
      }
    }
    const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    for (const want of rule.onPodConditions ?? []) {
      if (conditions.some((c) => c.type === want.type && c.status === (want.status ?? "True"))) {
        return { action: rule.action, message: `Pod ${podName} has condition ${want.type} matching ${rule.action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}
