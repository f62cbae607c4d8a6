// A custom resource against its CRD's structural schema (openAPIV3Schema): pruning of
// unknown fields, defaulting from `default`, and validation worded as upstream's
// apiextensions-apiserver and kube-openapi validators word it.
import type { FieldError } from "../kinds/kind.ts";
import { duplicate, forbidden, invalidValue, notSupported, required, tooLong } from "../validation/field-errors.ts";
import { goValue } from "../validation/go-format.ts";

export type JSONSchemaProps = {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  properties?: Record<string, JSONSchemaProps>;
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps | boolean;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  nullable?: boolean;
  default?: unknown;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const preserves = (s: JSONSchemaProps) => s["x-kubernetes-preserve-unknown-fields"] === true;

/** ObjectMeta's fields: what is kept of `metadata` at the root and in embedded resources. */
const META_FIELDS = new Set([
  "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
  "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
]);

/**
 * Remove (or, with `found`, only report) the fields the schema does not specify, as upstream's
 * pruning does: apiVersion, kind and metadata stay at the root and in embedded resources.
 * Paths are reported as `.spec.foo` (list items `[0]`).
 */
export function prune(value: unknown, schema: JSONSchemaProps, found?: string[], remove = true): void {
  pruneAt(value, schema, "", true, found, remove);
}

function pruneAt(value: unknown, s: JSONSchemaProps | undefined, path: string, resource: boolean, found: string[] | undefined, remove: boolean) {
  if (!s) return;
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => pruneAt(v, s.items, `${path}[${i}]`, s.items!["x-kubernetes-embedded-resource"] === true, found, remove));
    return;
  }
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    const child = `${path}.${key}`;
    if (resource && (key === "apiVersion" || key === "kind")) continue;
    if (resource && key === "metadata") {
      const m = value.metadata;
      if (isObject(m)) for (const mk of Object.keys(m)) if (!META_FIELDS.has(mk)) drop(m, mk, `${child}.${mk}`, found, remove);
      continue;
    }
    const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
    if (prop) pruneAt(value[key], prop, child, prop["x-kubernetes-embedded-resource"] === true, found, remove);
    else if (isObject(s.additionalProperties)) pruneAt(value[key], s.additionalProperties, child, s.additionalProperties["x-kubernetes-embedded-resource"] === true, found, remove);
    else if (!preserves(s) && s.additionalProperties !== true) drop(value, key, child, found, remove);
  }
}

/** What pruning would remove, as `.spec.foo` paths: the unknown fields of strict field validation. */
export function unknownFieldsOf(body: unknown, schema: JSONSchemaProps): string[] {
  const found: string[] = [];
  prune(body, schema, found, false);
  return found;
}

function drop(obj: Record<string, unknown>, key: string, path: string, found: string[] | undefined, remove: boolean) {
  found?.push(path);
  if (remove) delete obj[key];
}

/** Fill `default`s in place where a field is absent (or null and not nullable), top-down as upstream. */
export function applyDefaults(value: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(value)) {
    for (const v of value) applyDefaults(v, s.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    // A null where null is not allowed is dropped (then defaulted), as upstream prunes it.
    if (value[key] === null && !prop.nullable) delete value[key];
    if (prop.default !== undefined && value[key] === undefined) value[key] = structuredClone(prop.default);
    applyDefaults(value[key], prop);
  }
  if (isObject(s.additionalProperties)) for (const [key, v] of Object.entries(value)) if (!s.properties?.[key]) applyDefaults(v, s.additionalProperties);
}

const TYPE_NAMES: Record<string, (v: unknown) => boolean> = {
  object: isObject,
  array: Array.isArray,
  string: (v) => typeof v === "string",
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
};

const jsonTypeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v);

/** Formats upstream checks on custom resources (kube-openapi's strfmt registry), by name. */
const FORMATS: Record<string, (s: string) => boolean> = {
  "date-time": (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s.replace(" ", "T"))),
  datetime: (s) => FORMATS["date-time"]!(s),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  ipv4: (s) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s),
  ipv6: (s) => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1,
  cidr: (s) => {
    const [ip, bits, extra] = s.split("/");
    if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
    return (FORMATS.ipv4!(ip!) && Number(bits) <= 32) || (FORMATS.ipv6!(ip!) && Number(bits) <= 128);
  },
  hostname: (s) => s.length <= 255 && /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(s),
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
  mac: (s) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(s),
  byte: (s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0,
  uri: (s) => URL.canParse(s),
  duration: (s) => /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d|w))+$/.test(s),
};

/** Values of `value` that break the schema, as 422 field errors. */
export function validateValue(value: unknown, s: JSONSchemaProps, path: string, errs: FieldError[] = []): FieldError[] {
  if (value === undefined) return errs;
  if (value === null) {
    if (!s.nullable && s.type) errs.push(invalidValue(path, "null", `${path} in body must be of type ${s.type}: "null"`));
    return errs;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (!(typeof value === "string" || (typeof value === "number" && Number.isInteger(value)))) errs.push(invalidValue(path, jsonTypeOf(value), `${path} in body must be of type integer,string: ${JSON.stringify(jsonTypeOf(value))}`));
  } else if (s.type && TYPE_NAMES[s.type] && !TYPE_NAMES[s.type]!(value)) {
    errs.push(invalidValue(path, jsonTypeOf(value), `${path} in body must be of type ${s.type}: ${JSON.stringify(jsonTypeOf(value))}`));
    return errs;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push({ field: path, reason: "FieldValueNotSupported", message: notSupported(path, value, []).message + `: supported values: ${s.enum.map((e) => (typeof e === "string" ? JSON.stringify(e) : goValue(e))).join(", ")}` });
  }
  for (const sub of s.allOf ?? []) validateValue(value, sub, path, errs);
  if (typeof value === "string") validateString(value, s, path, errs);
  else if (typeof value === "number") validateNumber(value, s, path, errs);
  else if (Array.isArray(value)) validateArray(value, s, path, errs);
  else if (isObject(value)) validateObject(value, s, path, errs);
  return errs;
}

const patterns = new Map<string, RegExp | null>();
/** A schema's pattern, compiled once (a CRD's schema was checked to hold valid ones). */
function compiled(pattern: string): RegExp | null {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "u");
    } catch {
      re = null;
    }
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

function validateString(value: string, s: JSONSchemaProps, path: string, errs: FieldError[]) {
  const length = [...value].length;
  if (s.maxLength !== undefined && length > s.maxLength) errs.push(tooLong(path, s.maxLength));
  if (s.minLength !== undefined && length < s.minLength) errs.push(invalidValue(path, value, `${path} in body should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined) {
    const re = compiled(s.pattern);
    if (re && !re.test(value)) errs.push(invalidValue(path, value, `${path} in body should match '${s.pattern}'`));
  }
  const check = s.format ? FORMATS[s.format] : undefined;
  if (check && !check(value)) errs.push(invalidValue(path, value, `${path} in body must be of type ${s.format}: ${JSON.stringify(value)}`));
}

function validateNumber(value: number, s: JSONSchemaProps, path: string, errs: FieldError[]) {
  if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
    errs.push(invalidValue(path, value, `${path} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`));
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
    errs.push(invalidValue(path, value, `${path} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`));
  }
  if (s.multipleOf && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9) errs.push(invalidValue(path, value, `${path} in body should be a multiple of ${s.multipleOf}`));
}

function validateArray(value: unknown[], s: JSONSchemaProps, path: string, errs: FieldError[]) {
  if (s.maxItems !== undefined && value.length > s.maxItems) errs.push({ field: path, reason: "FieldValueTooLong", message: `Too many: ${value.length}: must have at most ${s.maxItems} items` });
  if (s.minItems !== undefined && value.length < s.minItems) errs.push(invalidValue(path, value.length, `${path} in body should have at least ${s.minItems} items`));
  if (s.items) value.forEach((v, i) => validateValue(v, s.items!, `${path}[${i}]`, errs));
  const listType = s["x-kubernetes-list-type"];
  if (listType === "set" || s.uniqueItems) {
    const seen = new Set<string>();
    value.forEach((v, i) => {
      const key = JSON.stringify(v);
      if (seen.has(key)) errs.push(duplicate(`${path}[${i}]`, v));
      seen.add(key);
    });
  } else if (listType === "map") {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!isObject(v)) return;
      const key = JSON.stringify(keys.map((k) => v[k] ?? s.items?.properties?.[k]?.default ?? null));
      if (seen.has(key)) errs.push({ field: `${path}[${i}]`, reason: "FieldValueDuplicate", message: `Duplicate value: map[string]interface {}{${keys.map((k) => `"${k}":${goValue(v[k])}`).join(", ")}}` });
      seen.add(key);
    });
  }
}

function validateObject(value: Record<string, unknown>, s: JSONSchemaProps, path: string, errs: FieldError[]) {
  for (const r of s.required ?? []) if (value[r] === undefined) errs.push(required(join(path, r)));
  const count = Object.keys(value).length;
  if (s.maxProperties !== undefined && count > s.maxProperties) errs.push({ field: path, reason: "FieldValueTooLong", message: `Too many: ${count}: must have at most ${s.maxProperties} items` });
  if (s.minProperties !== undefined && count < s.minProperties) errs.push(invalidValue(path, count, `${path} in body should have at least ${s.minProperties} properties`));
  if (s["x-kubernetes-embedded-resource"]) {
    if (value.apiVersion === undefined || value.apiVersion === "") errs.push(required(join(path, "apiVersion"), "must not be empty"));
    if (value.kind === undefined || value.kind === "") errs.push(required(join(path, "kind"), "must not be empty"));
  }
  for (const [key, v] of Object.entries(value)) {
    const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
    if (prop) validateValue(v, prop, join(path, key), errs);
    else if (isObject(s.additionalProperties)) validateValue(v, s.additionalProperties, `${path}[${key}]`, errs);
  }
}

/** The root of a custom resource: metadata is ObjectMeta's business, the rest the schema's. */
export function validateResource(obj: Record<string, unknown>, schema: JSONSchemaProps): FieldError[] {
  const errs: FieldError[] = [];
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  const rootSchema: JSONSchemaProps = { ...schema, properties: { ...schema.properties } };
  delete rootSchema.properties!.metadata;
  delete rootSchema.properties!.apiVersion;
  delete rootSchema.properties!.kind;
  rootSchema.required = (schema.required ?? []).filter((r) => r !== "metadata" && r !== "apiVersion" && r !== "kind");
  validateObject(rest, rootSchema, "", errs);
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const metaSchema = schema.properties?.metadata;
  if (meta && metaSchema?.properties?.name && typeof meta.name === "string") validateValue(meta.name, metaSchema.properties.name, "metadata.name", errs);
  return errs;
}

// ---------------------------------------------------------------------------------------
// The schema itself: is it structural (upstream's checks on a CRD's openAPIV3Schema)?

const VALID_TYPES = ["array", "boolean", "integer", "number", "object", "string"];

export function structuralErrors(schema: JSONSchemaProps | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(schema)) return [required(path, "schemas are required")];
  if (schema.type !== undefined && schema.type !== "object") errs.push(notSupported(`${path}.type`, schema.type, ["object"]));
  const meta = schema.properties?.metadata;
  if (meta) {
    const allowed = new Set(["name", "generateName"]);
    const extra = Object.keys(meta.properties ?? {}).some((k) => !allowed.has(k)) || Object.keys(meta).some((k) => !["type", "properties", "description"].includes(k));
    if (extra) errs.push(forbidden(`${path}.properties[metadata]`, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
    if (meta.type !== undefined && meta.type !== "object") errs.push(invalidValue(`${path}.properties[metadata].type`, meta.type, 'must be "object"'));
  }
  checkNode(schema, path, true, errs);
  return errs;
}

/** What each keyword must hold; upstream's typed decoding refuses anything else. */
const KEYWORD_TYPES: Record<string, "string" | "number" | "boolean" | "object" | "array" | "strings" | "schemas" | "schema" | "schemaOrBool"> = {
  type: "string", format: "string", description: "string", title: "string", pattern: "string",
  minimum: "number", maximum: "number", multipleOf: "number", minLength: "number", maxLength: "number", minItems: "number", maxItems: "number", minProperties: "number", maxProperties: "number",
  exclusiveMinimum: "boolean", exclusiveMaximum: "boolean", uniqueItems: "boolean", nullable: "boolean",
  "x-kubernetes-preserve-unknown-fields": "boolean", "x-kubernetes-int-or-string": "boolean", "x-kubernetes-embedded-resource": "boolean",
  "x-kubernetes-list-type": "string", "x-kubernetes-map-type": "string", "x-kubernetes-list-map-keys": "strings", required: "strings", enum: "array",
  properties: "schemas", items: "schema", not: "schema", allOf: "array", anyOf: "array", oneOf: "array", additionalProperties: "schemaOrBool",
};

function shapeErrors(s: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, want] of Object.entries(KEYWORD_TYPES)) {
    const v = s[key];
    if (v === undefined || v === null) continue;
    const ok =
      want === "string" ? typeof v === "string"
      : want === "number" ? typeof v === "number"
      : want === "boolean" ? typeof v === "boolean"
      : want === "array" ? Array.isArray(v) && (!["allOf", "anyOf", "oneOf"].includes(key) || v.every(isObject))
      : want === "strings" ? Array.isArray(v) && v.every((x) => typeof x === "string")
      : want === "schemas" ? isObject(v) && Object.values(v).every(isObject)
      : want === "schema" ? isObject(v)
      : typeof v === "boolean" || isObject(v);
    if (!ok) errs.push(invalidValue(`${path}.${key}`, v, `must be ${want === "schemas" ? "a map of schemas" : want === "schemaOrBool" ? "a schema or a boolean" : want === "strings" ? "a list of strings" : want === "schema" ? "a schema" : `of type ${want}`}`));
  }
  return errs;
}

function checkNode(s: JSONSchemaProps, path: string, root: boolean, errs: FieldError[]) {
  if (!isObject(s)) return;
  const shape = shapeErrors(s, path);
  if (shape.length) {
    errs.push(...shape);
    return;
  }
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  const preserve = preserves(s);
  if (s.type !== undefined && !VALID_TYPES.includes(s.type)) errs.push(notSupported(`${path}.type`, s.type, VALID_TYPES));
  if (intOrString && s.type) errs.push(forbidden(`${path}.type`, "must be empty if x-kubernetes-int-or-string is true"));
  if (!root && !s.type && !intOrString && !preserve && !s["x-kubernetes-embedded-resource"]) errs.push(required(`${path}.type`, "must not be empty for specified object fields"));
  if (root && !s.type && !preserve) errs.push(required(`${path}.type`, "must not be empty at the root"));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) errs.push(forbidden(`${path}.additionalProperties`, "additionalProperties and properties are mutual exclusive"));
  if (s.type === "array" && !s.items) errs.push(required(`${path}.items`, "must be specified"));
  if (s.uniqueItems) errs.push(forbidden(`${path}.uniqueItems`, "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
  if (s["x-kubernetes-embedded-resource"] && s.type !== "object") errs.push(invalidValue(`${path}.type`, s.type ?? "", "must be object if x-kubernetes-embedded-resource is true"));
  const listType = s["x-kubernetes-list-type"];
  if (listType !== undefined) {
    if (!["atomic", "set", "map"].includes(listType)) errs.push(notSupported(`${path}.x-kubernetes-list-type`, listType, ["atomic", "set", "map"]));
    if (s.type !== "array") errs.push(invalidValue(`${path}.type`, s.type ?? "", "must be array if x-kubernetes-list-type is specified"));
  }
  if (listType === "map") {
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    if (!keys.length) errs.push(required(`${path}.x-kubernetes-list-map-keys`, "must not be empty if x-kubernetes-list-type is map"));
    if (s.items && s.items.type !== "object") errs.push(invalidValue(`${path}.items.type`, s.items.type ?? "", "must be object if parent array's x-kubernetes-list-type is map"));
    for (const k of keys) {
      const p = s.items?.properties?.[k];
      if (!p) errs.push(invalidValue(`${path}.x-kubernetes-list-map-keys`, keys, `entries must all be names of item properties`));
      else if (!(s.items?.required ?? []).includes(k) && p.default === undefined) errs.push(required(`${path}.items.properties[${k}].default`, "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"));
    }
  } else if (s["x-kubernetes-list-map-keys"]?.length) {
    errs.push(forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty if x-kubernetes-list-type is not "map"'));
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
    } catch {
      errs.push(invalidValue(`${path}.pattern`, s.pattern, "must be a valid regular expression"));
    }
  }
  if (s.default !== undefined && !root) {
    const defErrs = validateValue(structuredClone(s.default), { ...s, default: undefined }, `${path}.default`);
    for (const e of defErrs) errs.push({ ...e, field: `${path}.default` });
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) checkNode(p, `${path}.properties[${k}]`, false, errs);
  if (s.items) checkNode(s.items, `${path}.items`, false, errs);
  if (isObject(s.additionalProperties)) checkNode(s.additionalProperties, `${path}.additionalProperties`, false, errs);
}
