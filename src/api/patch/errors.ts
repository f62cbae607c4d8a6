// Errors a patch can raise. The API layer turns them into Kubernetes Status objects:
// PatchError → 400 BadRequest or 422 Invalid, ApplyConflictError → 409 Conflict.

/** Thrown for a patch that cannot apply; the server maps it to a 400/422 Status. */
export class PatchError extends Error {
  constructor(
    message: string,
    public code: 400 | 422 = 422,
  ) {
    super(message);
    this.name = "PatchError";
  }
}

export type ApplyConflict = {
  /** The name of the field manager that owns the field. */
  manager: string;
  /** The field in structured-merge-diff path form, e.g. `.spec.replicas` or `.spec.containers[name="web"].image`. */
  field: string;
  /** The upstream cause message, e.g. `conflict with "kubectl-client-side-apply" using apps/v1`. */
  message: string;
};

/** Server-side apply found fields owned by other managers with different values (→ 409 Conflict). */
export class ApplyConflictError extends Error {
  constructor(public conflicts: ApplyConflict[]) {
    super(conflictMessage(conflicts));
    this.name = "ApplyConflictError";
  }
}

// Same wording as k8s.io/apiserver's fieldmanager so clients and people see familiar text.
function conflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: ${conflicts[0]!.message}: ${conflicts[0]!.field}`;
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) byManager.set(c.message, [...(byManager.get(c.message) ?? []), c]);
  const lines: string[] = [];
  for (const who of [...byManager.keys()].sort()) {
    lines.push(`${who}:`);
    for (const c of byManager.get(who)!) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}
