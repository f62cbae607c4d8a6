/**
 * One declaration per resource kind: routes, discovery, OpenAPI, storage, defaults,
 * validation (semantic and field types), strategic-merge and apply keys, protobuf decoding,
 * the scale subresource, status handling and table output are all derived from its KindDef.
 *
 * Adding a kind = one declaration file (+ its controller): the file exports a KindDef, is
 * listed in kinds/index.ts, and `bun scripts/generate-kind-schemas.ts` regenerates the
 * field and protobuf tables from the declarations (test/unit/kinds/declarations.test.ts
 * fails while a served kind lacks any of them). A controller is one entry of
 * src/controllers/registry.ts.
 */
import type { ObjectMeta } from "kubernetes-types/meta/v1";
import type { Schema } from "../patch/schema.ts";

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
  /**
   * Status strategy on create: with a status subresource a new object's status is dropped
   * (its controller writes it); kinds whose author reports their own status (Node) keep it.
   */
  keepStatusOnCreate?: boolean;
  /** The upstream type, named once per consumer. */
  schema: KindSchema;
  /**
   * A small valid object of this kind, without apiVersion, kind and metadata.name: what tests
   * that go over every served kind create, so a new kind is covered by them at once.
   */
  example: Record<string, unknown>;
  /**
   * Further versions served for the same stored objects (autoscaling/v1 beside v2, or
   * events.k8s.io/v1 Event beside core v1): requests and answers are converted at the HTTP
   * boundary; discovery lists them after `version`, which stays the stored and preferred one.
   */
  otherVersions?: OtherVersion[];
  /**
   * A kind served from a CustomResourceDefinition: its structural schema per served version
   * stands in for the generated tables (OpenAPI), and strategic merge patch is refused (415)
   * as upstream refuses it for custom resources.
   */
  custom?: CustomKind;
  /**
   * Fields of a body the kind's own schema does not specify, as `.spec.foo` paths, for kinds
   * the generated field table does not describe (CRDs and their kinds); the table's walk otherwise.
   */
  unknownFields?: (body: unknown) => string[];
  /** The kind's OpenAPI schema (below apiVersion, kind and metadata) when the generated table does not describe it. */
  openapiSchema?: Record<string, unknown>;
};

export type CustomKind = {
  /** openAPIV3Schema of each served version, by version name. */
  schemas: Record<string, Record<string, unknown>>;
  /** The warning answered through each deprecated version, by version name. */
  deprecations?: Record<string, string>;
};

export type OtherVersion = {
  /** Another API group serving the same objects (events.k8s.io for core Events); the kind's own group when absent. */
  group?: string;
  version: string;
  /** Its protobuf message, for protobuf request bodies. */
  protobuf: string;
  /** Its kubernetes-types interface ("events/v1.Event"), for the field types OpenAPI shows; the stored version's when absent. */
  validation?: string;
  fromStored: (obj: KubeObject) => KubeObject;
  toStored: (obj: KubeObject) => KubeObject;
  /** Field selector labels of this version and the stored ones they stand for; others are refused. Passed through when absent. */
  fieldLabels?: Record<string, string>;
  /** Checks a create made through this version applies on top of the kind's own (upstream's version-dependent validation). */
  validateCreate?: (obj: KubeObject) => FieldError[];
};

export type KindSchema = {
  /**
   * kubernetes-types module and interface ("apps/v1.Deployment"): field names and value types
   * for strict field validation, type checks and decode errors (kube-schema.generated.ts).
   */
  validation: string;
  /** Protobuf message ("k8s.io.api.apps.v1.Deployment") for protobuf request bodies (kube-proto-schema.generated.ts). */
  protobuf: string;
  /** Strategic-merge and apply semantics of the type's lists and structs (patchMergeKey, listType…). */
  patch: Schema;
};

/** Where the scale subresource reads and writes, as dotted paths (upstream's CRD scale paths, minus the leading dot). */
export type ScaleSpec = {
  specReplicasPath: string; // "spec.replicas"
  statusReplicasPath: string; // "status.replicas"
  labelSelectorPath: string; // "spec.selector" (a LabelSelector, rendered as a string) or a path holding the selector string already
};

export function apiVersionOf(k: Pick<KindDef, "group" | "version">): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}
