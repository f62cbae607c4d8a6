// A kind served in a further version (autoscaling/v1 HorizontalPodAutoscaler beside the
// stored v2), possibly of another group (events.k8s.io/v1 Event beside core v1): the request
// is converted to the stored version and handled as such, and the answer (object, list,
// table rows, watch events) converted back. Patches other than
// apply are applied to the object as that version shows it, then written as an update,
// so a v1 client patches the fields it knows.
import type { KindDef, KubeObject, OtherVersion } from "../kinds/kind.ts";
import { apiVersionOf } from "../kinds/kind.ts";
import { badRequest, invalid, notFound } from "../errors.ts";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from "../patch/index.ts";
import { bodyFormat, readBody } from "./body.ts";
import type { ResourcePath } from "./paths.ts";
import type { ResourceContext } from "./resources.ts";
import type { UserInfo } from "./types.ts";

type Handle = (req: Request, url: URL, path: ResourcePath, ctx: ResourceContext, user: UserInfo) => Promise<Response>;

/** Every served group/version/kind: the declarations plus a view of each further version (for discovery and OpenAPI). */
export function withOtherVersions(kinds: KindDef[]): KindDef[] {
  const out = [...kinds];
  for (const k of kinds) for (const v of k.otherVersions ?? []) out.push({ ...k, group: v.group ?? k.group, version: v.version, schema: { ...k.schema, protobuf: v.protobuf, validation: v.validation ?? k.schema.validation }, otherVersions: undefined });
  return out;
}

const groupVersionPrefix = (group: string, version: string) => (group ? `/apis/${group}/${version}/` : `/api/${version}/`);

/** A field selector in this version's labels, in the stored kind's labels (`regarding.name=x` → `involvedObject.name=x`). */
function storedFieldSelector(selector: string, labels: Record<string, string>): string {
  return selector
    .split(/(?<!\\),/)
    .map((term) => {
      const m = /^([^=!]*)(.*)$/s.exec(term)!;
      const label = m[1]!.trim();
      if (!term.trim()) return term;
      const stored = labels[label];
      if (stored === undefined) throw badRequest(`field label not supported: ${label}`);
      return stored + m[2];
    })
    .join(",");
}

export function otherVersionOf(kinds: KindDef[], path: ResourcePath): { kind: KindDef; version: OtherVersion } | undefined {
  for (const kind of kinds) {
    if (kind.plural !== path.plural) continue;
    const version = kind.otherVersions?.find((v) => (v.group ?? kind.group) === path.group && v.version === path.version);
    if (version) return { kind, version };
  }
  return undefined;
}

export async function handleOtherVersion(req: Request, url: URL, path: ResourcePath, ctx: ResourceContext, user: UserInfo, served: { kind: KindDef; version: OtherVersion }, handle: Handle): Promise<Response> {
  const { kind, version } = served;
  const shownGroup = version.group ?? kind.group;
  const shownVersion = apiVersionOf({ group: shownGroup, version: version.version });
  const storedUrl = new URL(url);
  const shownPrefix = groupVersionPrefix(shownGroup, version.version);
  if (storedUrl.pathname.startsWith(shownPrefix)) storedUrl.pathname = groupVersionPrefix(kind.group, kind.version) + storedUrl.pathname.slice(shownPrefix.length);
  const fieldSelector = storedUrl.searchParams.get("fieldSelector");
  if (fieldSelector && version.fieldLabels) storedUrl.searchParams.set("fieldSelector", storedFieldSelector(fieldSelector, version.fieldLabels));
  const toStored = (body: unknown) => {
    const o = body as KubeObject | undefined;
    // A body of another kind or version is passed on untouched, for the usual error.
    if (!o || typeof o !== "object" || Array.isArray(o) || (o.apiVersion !== undefined && o.apiVersion !== shownVersion) || (o.kind !== undefined && o.kind !== kind.kind)) return o;
    return version.toStored({ ...o, metadata: o.metadata ?? {} });
  };

  let method = req.method;
  let body: string | undefined;
  let contentType = "application/json";
  if (method === "POST" || method === "PUT") {
    const shown = await readBody(req, bodyFormat(req.headers.get("content-type"), method));
    if (method === "POST" && version.validateCreate && shown && typeof shown === "object" && !Array.isArray(shown)) {
      const o = shown as KubeObject;
      const errors = version.validateCreate({ ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace ?? path.namespace } });
      if (errors.length) throw invalid(kind.kind, shownGroup, (o.metadata?.name as string | undefined) ?? "", errors);
    }
    body = JSON.stringify(toStored(shown));
  } else if (method === "PATCH") {
    const format = bodyFormat(req.headers.get("content-type"), method);
    const patch = await readBody(req, format);
    if (patch === undefined) throw badRequest("the patch body is empty");
    if (format === "apply-patch") {
      body = JSON.stringify(toStored(patch));
      contentType = "application/apply-patch+yaml";
    } else {
      const current = ctx.registry.tryGet(kind, path.namespace ?? "", path.name ?? "");
      if (!current) throw notFound({ ...kind, name: path.name ?? "" });
      const shown = version.fromStored(current) as Record<string, unknown>;
      const gvk = { group: shownGroup, version: version.version, kind: kind.kind };
      let patched: unknown;
      try {
        patched = format === "merge-patch" ? applyMergePatch(shown, patch) : format === "json-patch" ? applyJsonPatch(shown, patch) : applyStrategicMergePatch(shown, patch, gvk);
      } catch (e) {
        throw e instanceof PatchError ? badRequest(e.message) : e;
      }
      method = "PUT";
      body = JSON.stringify(toStored(patched));
    }
  } else if (method === "DELETE") {
    body = (await req.text()) || undefined;
  }
  const headers = new Headers(req.headers);
  if (body !== undefined) headers.set("content-type", contentType);
  headers.delete("content-length");
  const storedReq = new Request(storedUrl.href, { method, headers, body, signal: req.signal });
  const res = await handle(storedReq, storedUrl, { ...path, group: kind.group, version: kind.version }, ctx, user);
  return convertResponse(res, kind, version, shownVersion);
}

function convertObject(o: unknown, kind: KindDef, version: OtherVersion): unknown {
  const obj = o as KubeObject | undefined;
  return obj && typeof obj === "object" && obj.kind === kind.kind ? version.fromStored(obj) : o;
}

function convertDocument(doc: any, kind: KindDef, version: OtherVersion, shownVersion: string): any {
  if (doc?.kind === kind.kind) return version.fromStored(doc);
  if (doc?.kind === `${kind.kind}List`) return { ...doc, apiVersion: shownVersion, items: (doc.items ?? []).map((o: unknown) => convertObject(o, kind, version)) };
  if (doc?.kind === "Table") return { ...doc, rows: (doc.rows ?? []).map((r: any) => (r?.object ? { ...r, object: convertObject(r.object, kind, version) } : r)) };
  if (doc?.type && doc.object) return { ...doc, object: convertDocument(doc.object, kind, version, shownVersion) };
  return doc;
}

async function convertResponse(res: Response, kind: KindDef, version: OtherVersion, shownVersion: string): Promise<Response> {
  if (!(res.headers.get("content-type") ?? "").startsWith("application/json") || !res.body) return res;
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  if (res.headers.get("transfer-encoding") !== "chunked") {
    const text = await res.text();
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return new Response(text, { status: res.status, headers });
    }
    return new Response(JSON.stringify(convertDocument(doc, kind, version, shownVersion)), { status: res.status, headers });
  }
  // A watch: newline-delimited events, converted one line at a time as they stream.
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  const convertLine = (line: string) => (line.trim() ? JSON.stringify(convertDocument(JSON.parse(line), kind, version, shownVersion)) : line);
  const stream = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop()!;
        controller.enqueue(encoder.encode(lines.map((l) => `${convertLine(l)}\n`).join("")));
      },
      flush(controller) {
        if (pending) controller.enqueue(encoder.encode(convertLine(pending)));
      },
    }),
  );
  return new Response(stream, { status: res.status, headers });
}
