// pods/ephemeralcontainers writes, as upstream's ValidatePodEphemeralContainersUpdate:
// containers are only added, never changed or removed, and an ephemeral container has
// no ports, probes, lifecycle or resources (it is not part of the pod's service).
import type { EphemeralContainer, PodSpec } from "kubernetes-types/core/v1";
import type { FieldError } from "../kinds/kind.ts";
import { duplicate, forbidden, invalidValue, notFound, required } from "./field-errors.ts";
import { isDNS1123Label } from "./names.ts";
import { semanticEqual } from "./deep-equal.ts";

const NOT_ALLOWED = ["ports", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "resources", "resizePolicy", "restartPolicy"] as const;

export function validateEphemeralContainersUpdate(next: EphemeralContainer[], spec: PodSpec): FieldError[] {
  const errs: FieldError[] = [];
  const path = "spec.ephemeralContainers";
  const old = spec.ephemeralContainers ?? [];
  const byName = new Map(next.map((c) => [c.name, c]));
  for (const o of old) {
    const n = byName.get(o.name);
    if (!n) errs.push(forbidden(path, `existing ephemeral containers "${o.name}" may not be removed`));
    else if (!semanticEqual(n, o)) errs.push(forbidden(`${path}[${next.indexOf(n)}]`, `existing ephemeral containers "${o.name}" may not be changed`));
  }
  const names = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name));
  const targets = new Set((spec.containers ?? []).map((c) => c.name));
  next.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c.name) errs.push(required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(c.name)) errs.push(invalidValue(`${p}.name`, c.name, m));
      if (names.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image) errs.push(required(`${p}.image`));
    const fields = c as unknown as Record<string, unknown>;
    for (const f of NOT_ALLOWED) if (fields[f] !== undefined && !isEmpty(fields[f])) errs.push(forbidden(`${p}.${f}`, "cannot be set for an Ephemeral Container"));
    if (c.targetContainerName && !targets.has(c.targetContainerName)) errs.push(notFound(`${p}.targetContainerName`, c.targetContainerName));
  });
  return errs;
}

function isEmpty(v: unknown): boolean {
  return v === null || (typeof v === "object" && Object.keys(v as object).length === 0);
}
