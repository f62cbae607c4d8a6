// apiextensions.k8s.io/v1 CustomResourceDefinition: names, group, versions with exactly
// one storage version, structural schemas, subresources and printer columns, checked as
// upstream's apiextensions validation words it. Serving the kinds they define is
// src/api/crd's business.
import type { FieldError, KindDef, KubeObject } from "./kind.ts";
import { col } from "../tables/columns.ts";
import { atomicList, keyedList, struct } from "../patch/schema.ts";
import { object } from "../patch/upstream-types.ts";
import { duplicate, invalidValue, notSupported, required } from "../validation/field-errors.ts";
import { validateMeta } from "../validation/object-meta.ts";
import { isDNS1035Label, isDNS1123Subdomain } from "../validation/names.ts";
import { prune, structuralErrors, unknownFieldsOf, validateValue, type JSONSchemaProps } from "../crd/structural.ts";
import { parseJsonPath, type PrinterColumn } from "../crd/printer-columns.ts";

export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

export type CrdNames = { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
export type CrdVersion = {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
};
export type CrdCondition = { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string };
export type CustomResourceDefinition = KubeObject & {
  spec: { group: string; names: CrdNames; scope: "Namespaced" | "Cluster"; versions: CrdVersion[]; conversion?: { strategy: string }; preserveUnknownFields?: boolean };
  status?: { conditions?: CrdCondition[]; acceptedNames?: CrdNames; storedVersions?: string[] };
};

const KIND_FORMAT = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function defaults(o: KubeObject) {
  const crd = o as CustomResourceDefinition;
  const spec = crd.spec;
  if (!spec || typeof spec !== "object") return;
  spec.conversion ??= { strategy: "None" };
  const names = spec.names;
  if (names && typeof names === "object" && typeof names.kind === "string") {
    names.singular ||= names.kind.toLowerCase();
    names.listKind ||= `${names.kind}List`;
  }
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    const columns = v && typeof v === "object" ? v.additionalPrinterColumns : undefined;
    for (const c of Array.isArray(columns) ? columns : []) if (c && typeof c === "object") c.priority ??= 0;
  }
  // Deleting a CRD first deletes its objects: the finalizer holds the CRD until then.
  const fin = (crd.metadata.finalizers ??= []);
  if (!crd.metadata.deletionTimestamp && !fin.includes(CRD_CLEANUP_FINALIZER)) fin.push(CRD_CLEANUP_FINALIZER);
}

function validateNames(names: CrdNames | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!names || typeof names !== "object") return [required(path)];
  if (!names.plural) errs.push(required(`${path}.plural`));
  else for (const m of isDNS1035Label(names.plural)) errs.push(invalidValue(`${path}.plural`, names.plural, m));
  if (names.singular) for (const m of isDNS1035Label(names.singular)) errs.push(invalidValue(`${path}.singular`, names.singular, m));
  if (!names.kind) errs.push(required(`${path}.kind`));
  else if (!KIND_FORMAT.test(names.kind.toLowerCase())) errs.push(invalidValue(`${path}.kind`, names.kind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"));
  if (!names.listKind) errs.push(required(`${path}.listKind`));
  else if (!KIND_FORMAT.test(names.listKind.toLowerCase())) errs.push(invalidValue(`${path}.listKind`, names.listKind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"));
  else if (names.listKind === names.kind) errs.push(invalidValue(`${path}.listKind`, names.listKind, "kind and listKind may not be the same"));
  (names.shortNames ?? []).forEach((s, i) => {
    for (const m of isDNS1035Label(s)) errs.push(invalidValue(`${path}.shortNames[${i}]`, s, m));
  });
  (names.categories ?? []).forEach((s, i) => {
    for (const m of isDNS1035Label(s)) errs.push(invalidValue(`${path}.categories[${i}]`, s, m));
  });
  return errs;
}

const COLUMN_TYPES = ["integer", "number", "string", "boolean", "date"];

function validateVersion(v: CrdVersion, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!v.name) errs.push(required(`${path}.name`));
  else for (const m of isDNS1035Label(v.name)) errs.push(invalidValue(`${path}.name`, v.name, m));
  errs.push(...structuralErrors(v.schema?.openAPIV3Schema, `${path}.schema.openAPIV3Schema`));
  const scale = v.subresources?.scale;
  if (scale) {
    const sp = `${path}.subresources.scale`;
    if (!scale.specReplicasPath) errs.push(required(`${sp}.specReplicasPath`));
    else if (!/^\.spec(\.[A-Za-z0-9_]+)+$/.test(scale.specReplicasPath)) errs.push(invalidValue(`${sp}.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
    if (!scale.statusReplicasPath) errs.push(required(`${sp}.statusReplicasPath`));
    else if (!/^\.status(\.[A-Za-z0-9_]+)+$/.test(scale.statusReplicasPath)) errs.push(invalidValue(`${sp}.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
    if (scale.labelSelectorPath && !/^\.(spec|status)(\.[A-Za-z0-9_]+)+$/.test(scale.labelSelectorPath)) errs.push(invalidValue(`${sp}.labelSelectorPath`, scale.labelSelectorPath, "should be a json path under either .spec or .status"));
  }
  const selectable = v.selectableFields ?? [];
  if (selectable.length > 8) errs.push({ field: `${path}.selectableFields`, reason: "FieldValueTooLong", message: `Too many: ${selectable.length}: must have at most 8 items` });
  const seenPaths = new Set<string>();
  selectable.forEach((f, i) => {
    const fp = `${path}.selectableFields[${i}].jsonPath`;
    if (!f?.jsonPath) return errs.push(required(fp));
    if (seenPaths.has(f.jsonPath)) errs.push(duplicate(fp, f.jsonPath));
    seenPaths.add(f.jsonPath);
    let node: JSONSchemaProps | undefined = v.schema?.openAPIV3Schema;
    const parts = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(f.jsonPath) ? f.jsonPath.slice(1).split(".") : undefined;
    for (const p of parts ?? []) node = node?.properties?.[p];
    if (!parts || !node) errs.push(invalidValue(fp, f.jsonPath, "is an invalid path: does not refer to a valid field"));
    else if (!["string", "integer", "boolean"].includes(node.type ?? "")) {
      errs.push(invalidValue(fp, f.jsonPath, "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."));
    }
  });
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const cp = `${path}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(required(`${cp}.name`));
    if (!COLUMN_TYPES.includes(c.type)) errs.push(notSupported(`${cp}.type`, c.type ?? "", COLUMN_TYPES));
    if (c.format && !["int32", "int64", "float", "double", "byte", "date", "date-time", "password"].includes(c.format)) errs.push(notSupported(`${cp}.format`, c.format, ["int32", "int64", "float", "double", "byte", "date", "date-time", "password"]));
    if (!c.jsonPath) errs.push(required(`${cp}.JSONPath`));
    else {
      try {
        parseJsonPath(c.jsonPath);
      } catch (e) {
        errs.push(invalidValue(`${cp}.JSONPath`, c.jsonPath, `must be a simple json path: ${(e as Error).message}`));
      }
    }
  });
  return errs;
}

// The value types of a CRD's fields, checked before anything reads them (upstream's typed decoding).
const str: JSONSchemaProps = { type: "string" };
const strings: JSONSchemaProps = { type: "array", items: str };
const bool: JSONSchemaProps = { type: "boolean" };
const obj = (properties: Record<string, JSONSchemaProps>): JSONSchemaProps => ({ type: "object", properties });
const anySchema: JSONSchemaProps = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const namesShape = obj({ plural: str, singular: str, kind: str, listKind: str, shortNames: strings, categories: strings });
const SPEC_SHAPE: JSONSchemaProps = obj({
  group: str,
  scope: str,
  names: namesShape,
  preserveUnknownFields: bool,
  conversion: obj({ strategy: str, webhook: anySchema }),
  versions: {
    type: "array",
    items: obj({
      name: str,
      served: bool,
      storage: bool,
      deprecated: bool,
      deprecationWarning: str,
      schema: obj({ openAPIV3Schema: anySchema }),
      subresources: obj({ status: anySchema, scale: obj({ specReplicasPath: str, statusReplicasPath: str, labelSelectorPath: str }) }),
      additionalPrinterColumns: { type: "array", items: obj({ name: str, type: str, format: str, description: str, priority: { type: "integer" }, jsonPath: str }) },
      selectableFields: { type: "array", items: obj({ jsonPath: str }) },
    }),
  },
});

const CONDITION: JSONSchemaProps = obj({ type: str, status: str, lastTransitionTime: str, reason: str, message: str, observedGeneration: { type: "integer" } });
const CRD_SHAPE: JSONSchemaProps = obj({
  spec: SPEC_SHAPE,
  status: obj({ conditions: { type: "array", items: CONDITION }, acceptedNames: namesShape, storedVersions: strings }),
});

export function validateCustomResourceDefinition(o: KubeObject, old?: KubeObject): FieldError[] {
  const crd = o as CustomResourceDefinition;
  const errs = validateMeta(o, old, false, (name) => isDNS1123Subdomain(name));
  const spec = crd.spec;
  if (!spec || typeof spec !== "object") return [...errs, required("spec")];
  const shape = validateValue(spec, SPEC_SHAPE, "spec");
  if (shape.length) return [...errs, ...shape];
  if (!spec.group) errs.push(required("spec.group"));
  else {
    for (const m of isDNS1123Subdomain(spec.group)) errs.push(invalidValue("spec.group", spec.group, m));
    if (spec.group.split(".").length < 2) errs.push(invalidValue("spec.group", spec.group, "should be a domain with at least one dot"));
  }
  if (spec.names?.plural && spec.group && crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    errs.push(invalidValue("metadata.name", crd.metadata.name ?? "", 'must be spec.names.plural+"."+spec.group'));
  }
  errs.push(...validateNames(spec.names, "spec.names"));
  if (!spec.scope) errs.push(required("spec.scope"));
  else if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") errs.push(notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (!versions.length) errs.push(invalidValue("spec.versions", versions, "must have exactly one version marked as storage version"));
  else {
    const storage = versions.filter((v) => v?.storage).length;
    if (storage !== 1) errs.push(invalidValue("spec.versions", versions.map((v) => v?.name), "must have exactly one version marked as storage version"));
    if (!versions.some((v) => v?.served)) errs.push(invalidValue("spec.versions", versions.map((v) => v?.name), "must have at least one version marked as served"));
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (!v || typeof v !== "object") return errs.push(required(`spec.versions[${i}]`));
      if (seen.has(v.name)) errs.push(duplicate(`spec.versions[${i}].name`, v.name));
      seen.add(v.name);
      errs.push(...validateVersion(v, `spec.versions[${i}]`));
    });
  }
  const strategy = spec.conversion?.strategy;
  if (strategy && strategy !== "None") {
    errs.push(notSupported("spec.conversion.strategy", strategy, ["None"]));
  }
  if (spec.preserveUnknownFields === true) errs.push(invalidValue("spec.preserveUnknownFields", true, "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"));
  if (old) {
    const before = (old as CustomResourceDefinition).spec;
    if (before?.group !== spec.group) errs.push(invalidValue("spec.group", spec.group, "field is immutable"));
    if (before?.names?.plural !== spec.names?.plural) errs.push(invalidValue("spec.names.plural", spec.names?.plural, "field is immutable"));
    if (before?.scope !== spec.scope) errs.push(invalidValue("spec.scope", spec.scope, "field is immutable"));
    // A version whose objects are stored may not go while status.storedVersions names it.
    const stored = (old as CustomResourceDefinition).status?.storedVersions ?? [];
    for (const s of stored) {
      if (!versions.some((v) => v?.name === s)) errs.push(invalidValue("status.storedVersions", stored, `must appear in spec.versions`));
    }
  }
  return errs;
}

export const customResourceDefinitionKind: KindDef = {
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  subresources: { status: true },
  hasGeneration: true,
  defaults: (o) => {
    prune(o, CRD_SHAPE);
    defaults(o);
  },
  validate: validateCustomResourceDefinition,
  unknownFields: (body) => unknownFieldsOf(body, CRD_SHAPE),
  openapiSchema: CRD_SHAPE,
  columns: [
    col("Name", "string", "Name must be unique within a namespace.", (o) => o.metadata?.name ?? "", 0, "name"),
    col("Created At", "date", "", (o) => o.metadata?.creationTimestamp ?? ""),
  ],
  example: {
    spec: {
      group: "example.skiff.dev",
      names: { plural: "examples", kind: "Example" },
      scope: "Namespaced",
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  },
  schema: {
    validation: "apiextensions/v1.CustomResourceDefinition",
    protobuf: "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
    patch: object({
      spec: struct({ versions: keyedList("name", struct({ additionalPrinterColumns: atomicList() })) }),
      status: struct({ conditions: keyedList("type"), storedVersions: atomicList() }),
    }),
  },
};
