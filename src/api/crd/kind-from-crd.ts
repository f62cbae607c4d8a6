// The KindDef a CustomResourceDefinition declares: built from its storage version (routes,
// storage, validation, defaults, pruning, table columns, subresources), its other served
// versions answered by rewriting apiVersion (conversion strategy None).
import type { KindDef, KubeObject, OtherVersion, ScaleSpec } from "../kinds/kind.ts";
import type { CrdVersion, CustomResourceDefinition } from "../kinds/customresourcedefinition.ts";
import type { Schema } from "../patch/schema.ts";
import { object } from "../patch/upstream-types.ts";
import { validateMeta } from "../validation/object-meta.ts";
import { applyDefaults, prune, unknownFieldsOf, validateResource, type JSONSchemaProps } from "./structural.ts";
import { printerColumns } from "./printer-columns.ts";
import { readPath } from "../http/scale-paths.ts";

const EVERYTHING: JSONSchemaProps = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

export function storageVersionOf(crd: CustomResourceDefinition): CrdVersion | undefined {
  return crd.spec.versions.find((v) => v.storage);
}

const path = (p: string) => p.replace(/^\./, "");

export function kindFromCrd(crd: CustomResourceDefinition): KindDef {
  const { group, names, scope } = crd.spec;
  const stored = storageVersionOf(crd)!;
  const schema = stored.schema?.openAPIV3Schema ?? EVERYTHING;
  const scale = stored.subresources?.scale;
  const scaleSpec: ScaleSpec | undefined = scale && {
    specReplicasPath: path(scale.specReplicasPath),
    statusReplicasPath: path(scale.statusReplicasPath),
    labelSelectorPath: path(scale.labelSelectorPath ?? ""),
  };
  const namespaced = scope === "Namespaced";
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const v of crd.spec.versions) if (v.served || v.storage) schemas[v.name] = (v.schema?.openAPIV3Schema ?? EVERYTHING) as Record<string, unknown>;
  const otherVersions: OtherVersion[] = crd.spec.versions
    .filter((v) => v.served && !v.storage)
    .map((v) => ({
      version: v.name,
      protobuf: "",
      fromStored: (o: KubeObject) => ({ ...o, apiVersion: `${group}/${v.name}` }),
      toStored: (o: KubeObject) => ({ ...o, apiVersion: `${group}/${stored.name}` }),
      // A create through this version is checked against this version's schema (defaulted and pruned first), as upstream's.
      validateCreate: (o: KubeObject) => {
        const own = v.schema?.openAPIV3Schema;
        if (!own) return [];
        const copy = structuredClone(o);
        prune(copy, own);
        applyDefaults(copy, own);
        return validateResource(copy, own);
      },
    }));
  return {
    group,
    version: stored.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    namespaced,
    ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
    ...(names.categories?.length ? { categories: names.categories } : {}),
    subresources: { ...(stored.subresources?.status ? { status: true } : {}), ...(scaleSpec ? { scale: scaleSpec } : {}) },
    hasGeneration: true,
    // selectableFields: field selectors on the storage version's fields, values rendered as upstream does.
    fieldSelectors: Object.fromEntries(
      (stored.selectableFields ?? []).map((f) => {
        const at = path(f.jsonPath);
        return [at, (o: KubeObject) => {
          const v = readPath(o, at);
          return v === undefined || v === null ? undefined : String(v);
        }];
      }),
    ),
    defaults: (obj) => {
      prune(obj, schema);
      applyDefaults(obj, schema);
    },
    validate: (obj, old) => [...validateMeta(obj, old, namespaced), ...validateResource(obj, schema)],
    columns: printerColumns(stored.additionalPrinterColumns),
    example: {},
    schema: { validation: `${group}/${stored.name}.${names.kind}`, protobuf: "", patch: object(patchSchemaOf(schema).fields ?? {}) },
    ...(otherVersions.length ? { otherVersions } : {}),
    unknownFields: (body) => unknownFieldsOf(body, schema),
    custom: {
      schemas,
      deprecations: Object.fromEntries(
        crd.spec.versions.filter((v) => v.served && v.deprecated).map((v) => [v.name, v.deprecationWarning ?? `${group}/${v.name} ${names.kind} is deprecated`]),
      ),
    },
  };
}

/** What server-side apply needs of the schema: list types, map keys, atomic maps. */
export function patchSchemaOf(s: JSONSchemaProps | undefined): Schema {
  if (!s) return {};
  const out: Schema = {};
  if (s.properties) out.fields = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, patchSchemaOf(v)]));
  if (typeof s.additionalProperties === "object") out.values = patchSchemaOf(s.additionalProperties);
  if (s.items) out.items = patchSchemaOf(s.items);
  const listType = s["x-kubernetes-list-type"];
  if (listType) out.listType = listType;
  if (listType === "map") out.listMapKeys = (s["x-kubernetes-list-map-keys"] ?? []).map((name) => ({ name, ...(s.items?.properties?.[name]?.default !== undefined ? { default: s.items.properties[name]!.default } : {}) }));
  if (s["x-kubernetes-map-type"] === "atomic") out.atomic = true;
  return out;
}
