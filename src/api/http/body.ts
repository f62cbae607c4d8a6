// Reading request bodies: size limit, content types, JSON or YAML, nesting depth. The YAML
// parser and the protobuf decoder are loaded with the first body that needs them: most
// clients send JSON, and an idle server then holds neither.
import { badRequest, tooLarge, unsupportedMediaType } from "../errors.ts";
import { KUBE_PROTOBUF_CONTENT_TYPE } from "../protobuf/content-type.ts";

export const MAX_BODY_BYTES = 3 * 1024 * 1024;
const MAX_DEPTH = 200;

export type BodyFormat = "json" | "yaml" | "protobuf" | "merge-patch" | "json-patch" | "strategic-merge-patch" | "apply-patch";

export function bodyFormat(contentType: string | null | undefined, method: string): BodyFormat {
  // kubectl sends some PUTs with no Content-Type at all: that means JSON.
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (method === "PATCH") {
    switch (type) {
      case "application/merge-patch+json":
        return "merge-patch";
      case "application/json-patch+json":
        return "json-patch";
      case "application/strategic-merge-patch+json":
        return "strategic-merge-patch";
      case "application/apply-patch+yaml":
      case "application/apply-patch+json":
        return "apply-patch";
      default:
        throw unsupportedMediaType(type || "none");
    }
  }
  if (type === "" || type === "application/json" || type === "*/*") return "json";
  if (type === "application/yaml" || type === "application/x-yaml" || type === "text/yaml") return "yaml";
  // Typed clients (kubectl create configmap, helm's release Secrets) send protobuf.
  if (type === KUBE_PROTOBUF_CONTENT_TYPE) return "protobuf";
  throw unsupportedMediaType(type);
}

/** Read at most MAX_BODY_BYTES, then parse. Returns undefined for an empty body. */
export async function readBody(req: Request, format: BodyFormat): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  if (format === "protobuf") {
    const bytes = await readLimitedBytes(req);
    return checkShape(await (await import("../protobuf/request-body.ts")).protobufRequestObject(bytes));
  }
  const text = await readLimited(req);
  if (text.trim() === "") return undefined;
  const yaml = format === "yaml" || format === "apply-patch" ? await import("yaml") : undefined;
  let value: unknown;
  try {
    value = yaml ? yaml.parse(text, { maxAliasCount: 100, uniqueKeys: false }) : JSON.parse(text);
  } catch (e) {
    const what = format === "yaml" || format === "apply-patch" ? "YAML" : "JSON";
    throw badRequest(`the request body is not valid ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
  return checkShape(value);
}

/**
 * Nesting depth, and no "__proto__" key: every later step (patches, defaults, copies)
 * treats keys as plain data, and assigning a "__proto__" key would replace an object's
 * prototype instead. No Kubernetes field has that name; as a map key it is refused.
 */
function checkShape(value: unknown): unknown {
  if (depth(value, 0) > MAX_DEPTH) throw badRequest(`the request body is nested deeper than ${MAX_DEPTH} levels`);
  return value;
}

async function readLimited(req: Request): Promise<string> {
  const bytes = await readLimitedBytes(req);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("the request body is not valid UTF-8");
  }
}

async function readLimitedBytes(req: Request): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function depth(v: unknown, d: number): number {
  if (d > MAX_DEPTH) return d;
  if (v === null || typeof v !== "object") return d;
  let max = d + 1;
  if (!Array.isArray(v) && Object.hasOwn(v, "__proto__")) throw badRequest('the request body has a key "__proto__", which is not accepted anywhere in an object');
  for (const child of Array.isArray(v) ? v : Object.values(v)) {
    const c = depth(child, d + 1);
    if (c > max) max = c;
    if (max > MAX_DEPTH) break;
  }
  return max;
}
