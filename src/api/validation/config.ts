// ConfigMap and Secret validation: key syntax, required keys of typed secrets, and the
// `immutable: true` contract on update.
import type { ConfigMap, Secret } from "kubernetes-types/core/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { forbidden, invalidValue, required } from "./field-errors.ts";
import { isConfigMapKey } from "./names.ts";
import { validateMeta } from "./object-meta.ts";
import { deepEqual } from "./deep-equal.ts";

const IMMUTABLE = "field is immutable when `immutable` is set";

/** Upstream's MaxSecretSize, the limit of a ConfigMap's or a Secret's values together. */
export const MAX_DATA_BYTES = 1024 * 1024;
const tooBig = (field: string): FieldError => ({ field, reason: "FieldValueTooLong", message: `Too long: must have at most ${MAX_DATA_BYTES} bytes` });
const textBytes = (m: Record<string, string> | undefined) => Object.values(m ?? {}).reduce((n, v) => n + Buffer.byteLength(v), 0);
/** binaryData and Secret data are stored decoded: their size is that of the bytes, not of the base64 text. */
const decodedBytes = (m: Record<string, string> | undefined) => Object.values(m ?? {}).reduce((n, v) => n + Buffer.from(v, "base64").length, 0);

function validateKeys(data: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) for (const m of isConfigMapKey(key)) errs.push(invalidValue(`${path}[${key}]`, key, m));
  return errs;
}

function immutableUpdate(obj: { data?: unknown; binaryData?: unknown; immutable?: boolean }, old: { data?: unknown; binaryData?: unknown; immutable?: boolean }, fields: ("data" | "binaryData")[]): FieldError[] {
  if (!old.immutable) return [];
  const errs: FieldError[] = [];
  if (!obj.immutable) errs.push(forbidden("immutable", IMMUTABLE));
  for (const f of fields) if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(forbidden(f, IMMUTABLE));
  return errs;
}

export function validateConfigMap(obj: KubeObject, old?: KubeObject): FieldError[] {
  const cm = obj as unknown as ConfigMap;
  const errs = validateMeta(obj, old, true);
  errs.push(...validateKeys(cm.data, "data"), ...validateKeys(cm.binaryData, "binaryData"));
  for (const key of Object.keys(cm.binaryData ?? {})) if (cm.data && Object.hasOwn(cm.data, key)) errs.push(invalidValue(`binaryData[${key}]`, key, "duplicate of key present in data"));
  // The whole object is meant, which upstream prints as the field "[]".
  if (textBytes(cm.data) + decodedBytes(cm.binaryData) > MAX_DATA_BYTES) errs.push(tooBig("[]"));
  if (old) errs.push(...immutableUpdate(cm, old as unknown as ConfigMap, ["data", "binaryData"]));
  return errs;
}

/** Keys each built-in secret type requires. */
const REQUIRED_KEYS: Record<string, string[]> = {
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
};

const isBase64 = (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;

export function validateSecret(obj: KubeObject, old?: KubeObject): FieldError[] {
  const s = obj as unknown as Secret;
  const errs = validateMeta(obj, old, true);
  errs.push(...validateKeys(s.data, "data"));
  for (const [k, v] of Object.entries(s.data ?? {})) if (!isBase64(v)) errs.push(invalidValue(`data[${k}]`, "<value omitted>", "must be base64-encoded"));
  if (decodedBytes(s.data) > MAX_DATA_BYTES) errs.push(tooBig("data"));
  const type = s.type ?? "Opaque";
  for (const key of Object.hasOwn(REQUIRED_KEYS, type) ? REQUIRED_KEYS[type]! : []) if (!(key in (s.data ?? {})) && !(key in (s.stringData ?? {}))) errs.push(required(`data[${key}]`));
  if (type === "kubernetes.io/basic-auth" && !("username" in (s.data ?? {})) && !("password" in (s.data ?? {}))) errs.push(required("data[username]"), required("data[password]"));
  if (type === "kubernetes.io/service-account-token" && !s.metadata?.annotations?.["kubernetes.io/service-account.name"]) errs.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
  if (old) {
    const o = old as unknown as Secret;
    if ((o.type ?? "Opaque") !== type) errs.push(invalidValue("type", type, "field is immutable"));
    errs.push(...immutableUpdate(s, o, ["data"]));
  }
  return errs;
}
