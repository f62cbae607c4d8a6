// HPA status conditions as upstream's setCondition keeps them: one per type, in the order
// first set, lastTransitionTime moved only when the status flips.
export type ConditionType = "AbleToScale" | "ScalingActive" | "ScalingLimited";
export type HpaCondition = { type: ConditionType; status: "True" | "False" | "Unknown"; lastTransitionTime?: string; reason?: string; message?: string };

export function setCondition(list: HpaCondition[], type: ConditionType, status: "True" | "False", reason: string, message: string, now: string): HpaCondition[] {
  const i = list.findIndex((c) => c.type === type);
  const previous = i >= 0 ? list[i] : undefined;
  const next: HpaCondition = { type, status, lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : now, reason, message };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}
