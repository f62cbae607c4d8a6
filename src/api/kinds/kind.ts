// One declaration per resource kind: routes, discovery, OpenAPI, storage, validation and
// table output are all derived from it.
import type { ObjectMeta } from "kubernetes-types/meta/v1";

/** kubernetes-types marks fields readonly; the server is the one that writes them. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: Writable<ObjectMeta>;
  [key: string]: unknown;
};

/** One problem with a field, as a `details.causes[]` entry of a 422 Invalid Status. */
export type FieldError = {
  field: string;
  reason: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueNotSupported" | "FieldValueDuplicate" | "FieldValueForbidden" | "FieldValueTooLong" | "FieldValueNotFound";
  message: string;
};

export type ColumnDefinition = { name: string; type: string; format: string; description: string; priority: number };
export type TableColumn = ColumnDefinition & { cell: (obj: any, now: number) => unknown };

export type KindDef<T extends KubeObject = KubeObject> = {
  group: string; // "" for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources served besides the object itself. */
  subresources?: { status?: boolean; scale?: ScaleSpec; extra?: string[] };
  /** Fill defaults in place on create and update (as upstream's defaulters). */
  defaults?: (obj: T) => void;
  /** Semantic checks; `old` is set on update. */
  validate?: (obj: T, old?: T) => FieldError[];
  /** Table columns for `kubectl get`, all of them (wide ones with priority 1); Name and Age when absent. */
  columns?: TableColumn[];
  /** Field selectors besides metadata.name/namespace. */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
  /** Whether a template/spec change bumps metadata.generation (everything but metadata and status). */
  hasGeneration?: boolean;
};

export type ScaleSpec = {
  specReplicasPath: string; // "spec.replicas"
  statusReplicasPath: string; // "status.replicas"
  labelSelectorPath: string; // "spec.selector" (a LabelSelector) — rendered as a string in Scale.status.selector
};

export function apiVersionOf(k: Pick<KindDef, "group" | "version">): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}
