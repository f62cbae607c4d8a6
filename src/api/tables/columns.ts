// Small builders for table columns, so each kind's printer reads like upstream's
// column list (pkg/printers/internalversion/printers.go).
import type { TableColumn } from "../kinds/kind.ts";
import { since } from "./human-duration.ts";

type Cell = (obj: any, now: number) => unknown;

export const col = (name: string, type: string, description: string, cell: Cell, priority = 0, format = ""): TableColumn => ({ name, type, format, description, priority, cell });
export const wide = (name: string, type: string, description: string, cell: Cell): TableColumn => col(name, type, description, cell, 1);

export const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
export const AGE_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const nameColumn = (): TableColumn => col("Name", "string", NAME_DESCRIPTION, (o) => o.metadata?.name ?? "", 0, "name");
export const ageColumn = (): TableColumn => col("Age", "string", AGE_DESCRIPTION, (o, now) => since(o.metadata?.creationTimestamp, now));

/** Container names and images, comma-joined (layoutContainerCells). */
export function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** Up to three items, then " + N more..." (listWithMoreString). */
export function listWithMore(list: string[], total: number, max = 3, empty = "<unset>"): string {
  const shown = list.slice(0, max).join(",");
  if (total > max) return `${shown} + ${total - max} more...`;
  return shown === "" ? empty : shown;
}
