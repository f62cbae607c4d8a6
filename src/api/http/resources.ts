// The REST verbs on resources: get, list, watch, create, update, patch, delete,
// deletecollection, and the status and scale subresources.
import type { KindDef, KubeObject } from "../kinds/kind.ts";
import { apiVersionOf } from "../kinds/kind.ts";
import { ApiError, badRequest, methodNotAllowed, notFound } from "../errors.ts";
import type { DeleteOptions, FieldValidation, Registry, WriteOptions } from "../registry/registry.ts";
import { resourceKey } from "../registry/registry.ts";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError, serverSideApply, ApplyConflictError } from "../patch/index.ts";
import { toTable } from "../tables/index.ts";
import { scaleOf, writePath } from "./scale-paths.ts";
import { bodyFormat, readBody, type BodyFormat } from "./body.ts";
import { KUBE_PROTOBUF_CONTENT_TYPE } from "../protobuf/content-type.ts";
import { includeObjectParam, representation } from "./negotiate.ts";
import type { ResourcePath } from "./paths.ts";
import { intParam, objectFilter, resourceVersionParam } from "./query.ts";
import type { SubresourceHandler, UserInfo, WatchMetrics } from "./types.ts";
import { watchResponse } from "./watch-stream.ts";
import { handleOtherVersion, otherVersionOf } from "./other-versions.ts";
import { nowTimestamp } from "../registry/metadata.ts";
import { listOptions } from "./list-options.ts";
import { selectedNode } from "../watch-fanout.ts";
import { PodsByNode } from "../pods-by-node.ts";

export type ResourceContext = {
  registry: Registry;
  bookmarkIntervalMs: number;
  subresources: Map<string, SubresourceHandler>;
  watchMetrics?: WatchMetrics;
};

export function json(body: unknown, status = 200, warnings: string[] = []): Response {
  const headers = new Headers({ "Content-Type": "application/json" });
  for (const w of warnings) headers.append("Warning", `299 - "${w.replace(/"/g, "'")}"`);
  return new Response(JSON.stringify(body), { status, headers });
}

export async function handleResource(req: Request, url: URL, path: ResourcePath, ctx: ResourceContext, user: UserInfo): Promise<Response> {
  const custom = (ctx.registry.kind(path.group, path.version, path.plural) ?? otherVersionOf(ctx.registry.kinds, path)?.kind)?.custom;
  if (!custom) return serveResource(req, url, path, ctx, user);
  // Custom resources have no patch strategies to merge by: upstream refuses the type itself, in every version.
  if (req.method === "PATCH" && bodyFormat(req.headers.get("content-type"), "PATCH") === "strategic-merge-patch") {
    throw new ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  }
  const res = await serveResource(req, url, path, ctx, user);
  // A CRD version marked deprecated: every answer through it carries its warning, as upstream's.
  const warning = custom.deprecations?.[path.version];
  if (warning) res.headers.append("Warning", `299 - "${warning.replace(/"/g, "'")}"`);
  return res;
}

async function serveResource(req: Request, url: URL, path: ResourcePath, ctx: ResourceContext, user: UserInfo): Promise<Response> {
  const kind = ctx.registry.kind(path.group, path.version, path.plural);
  if (!kind) {
    const other = otherVersionOf(ctx.registry.kinds, path);
    if (other) return handleOtherVersion(req, url, path, ctx, user, other, handleResource);
    throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  }
  if (kind.namespaced === false && path.namespace !== undefined) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  const namespace = kind.namespaced ? (path.namespace ?? "") : "";
  const params = url.searchParams;
  const method = req.method;
  const watch = path.legacyWatch || params.get("watch") === "true" || params.get("watch") === "1";

  if (path.subresource) {
    if (path.subresource === "status") return handleStatus(req, url, kind, namespace, path.name!, ctx, user);
    if (path.subresource === "scale" && kind.subresources?.scale) return handleScale(req, url, kind, namespace, path.name!, ctx, user);
    const handler = ctx.subresources.get(`${path.plural}/${path.subresource}`);
    if (!handler) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    return handler(req, url, path, user);
  }

  if (!path.name) {
    switch (method) {
      case "GET": {
        return watch ? startWatch(req, url, kind, path.namespace, ctx) : list(req, url, kind, path.namespace, ctx);
      }
      case "POST": {
        const opts = writeOptions(params, req, user);
        const body = await readBody(req, bodyFormat(req.headers.get("content-type"), method));
        ctx.registry.checkFields(kind, body, nameOf(body), opts);
        const created = await ctx.registry.create(kind, namespace, body, opts);
        return json(created, 201, opts.warnings);
      }
      case "DELETE": {
        const opts = await deleteOptions(req, params);
        const filter = objectFilter(kind, params);
        const deleted: KubeObject[] = [];
        for (const o of ctx.registry.list(kind, path.namespace, filter).items) {
          try {
            deleted.push((await ctx.registry.delete(kind, o.metadata.namespace ?? "", o.metadata.name!, opts)).object);
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }
        return json({ kind: `${kind.kind}List`, apiVersion: apiVersionOf(kind), metadata: { resourceVersion: String(ctx.registry.store.revision) }, items: deleted });
      }
      default:
        throw methodNotAllowed(method, kind.plural);
    }
  }

  const name = path.name;
  switch (method) {
    case "GET": {
      if (watch) {
        // Legacy single-object watch: /watch/namespaces/ns/pods/name.
        params.set("fieldSelector", `metadata.name=${name}`);
        return startWatch(req, url, kind, path.namespace, ctx);
      }
      resourceVersionParam(params);
      const obj = ctx.registry.get(kind, namespace, name);
      return json(render(req, url, kind, [obj]) ?? obj);
    }
    case "PUT": {
      const opts = writeOptions(params, req, user);
      const body = await readBody(req, bodyFormat(req.headers.get("content-type"), method));
      ctx.registry.checkFields(kind, body, name, opts);
      return json(await ctx.registry.update(kind, namespace, name, body, opts), 200, opts.warnings);
    }
    case "PATCH": {
      const r = await patch(req, params, kind, namespace, name, ctx, undefined, user);
      return json(r.object, r.created ? 201 : 200, r.warnings);
    }
    case "DELETE": {
      const opts = await deleteOptions(req, params);
      const r = await ctx.registry.delete(kind, namespace, name, opts);
      return json(r.object, r.deleted ? 200 : 202, opts.warnings);
    }
    default:
      throw methodNotAllowed(method, `${kind.plural}/${name}`);
  }
}

function nameOf(body: unknown): string {
  const m = (body as { metadata?: { name?: unknown } } | undefined)?.metadata;
  return typeof m?.name === "string" ? m.name : "";
}

function list(req: Request, url: URL, kind: KindDef, namespace: string | undefined, ctx: ResourceContext): Response {
  const params = url.searchParams;
  resourceVersionParam(params);
  listOptions(params, false);
  // An agent listing its own pods reads them from the index of pods by node.
  const node = resourceKey(kind) === "pods" ? selectedNode(params.get("fieldSelector")) : undefined;
  const among = node !== undefined ? PodsByNode.of(ctx.registry, kind).podsOn(node) : undefined;
  const result = ctx.registry.list(kind, namespace, objectFilter(kind, params), intParam(params, "limit"), params.get("continue") ?? undefined, among);
  const table = render(req, url, kind, result.items);
  const metadata = { resourceVersion: result.resourceVersion, ...(result.continue ? { continue: result.continue, remainingItemCount: result.remainingItemCount } : {}) };
  if (table) return json({ ...table, metadata });
  return json({ kind: `${kind.kind}List`, apiVersion: apiVersionOf(kind), metadata, items: result.items });
}

/** A Table when the client asked for one (kubectl get), otherwise undefined. */
function render(req: Request, url: URL, kind: KindDef, objects: KubeObject[]) {
  const rep = representation(req.headers.get("accept"));
  if (!rep.table) return undefined;
  return toTable(kind, objects, { includeObject: includeObjectParam(url.searchParams.get("includeObject")), now: Date.now() });
}

function startWatch(req: Request, url: URL, kind: KindDef, namespace: string | undefined, ctx: ResourceContext): Response {
  const params = url.searchParams;
  const rep = representation(req.headers.get("accept"));
  const { sendInitialEvents } = listOptions(params, true);
  return watchResponse(ctx.registry, kind, {
    namespace,
    matches: objectFilter(kind, params),
    nodeName: selectedNode(params.get("fieldSelector")),
    resourceVersion: resourceVersionParam(params),
    sendInitialEvents,
    allowBookmarks: params.get("allowWatchBookmarks") === "true",
    bookmarkIntervalMs: ctx.bookmarkIntervalMs,
    timeoutSeconds: intParam(params, "timeoutSeconds"),
    table: rep.table ? { includeObject: includeObjectParam(params.get("includeObject")) } : undefined,
    signal: req.signal,
    metrics: ctx.watchMetrics,
  });
}

/** Upstream names the manager of a write without fieldManager after the client's User-Agent ("kubectl/v1.32…" → "kubectl"). */
function defaultManager(req: Request): string {
  const ua = req.headers.get("user-agent") ?? "";
  return ua.split("/")[0]!.trim().slice(0, 128) || "unknown";
}

function writeOptions(params: URLSearchParams, req?: Request, requester?: UserInfo): WriteOptions {
  const dryRun = params.getAll("dryRun");
  if (dryRun.some((d) => d !== "All")) throw badRequest(`dryRun: Unsupported value: "${dryRun.find((d) => d !== "All")}": supported values: "All"`);
  const fv = params.get("fieldValidation") ?? "Strict";
  if (!["Strict", "Warn", "Ignore"].includes(fv)) throw badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  const fieldManager = params.get("fieldManager") ?? (req ? defaultManager(req) : undefined);
  if (fieldManager !== undefined && fieldManager.length > 128) throw badRequest("fieldManager: Too long: may not be longer than 128");
  const opts: WriteOptions = { dryRun: dryRun.length > 0, fieldManager, fieldValidation: fv as FieldValidation, warnings: [] };
  if (requester) opts.requester = requester;
  return opts;
}

async function deleteOptions(req: Request, params: URLSearchParams): Promise<DeleteOptions> {
  const opts: DeleteOptions = writeOptions(params);
  let body: Record<string, unknown> = {};
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim();
  // kubectl drain's fallback sends a protobuf DeleteOptions.
  if (type === "" || type === "application/json" || type === KUBE_PROTOBUF_CONTENT_TYPE) {
    const parsed = await readBody(req, type === KUBE_PROTOBUF_CONTENT_TYPE ? "protobuf" : "json");
    if (parsed !== undefined) {
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest("the body of a delete request must be a DeleteOptions object");
      body = parsed as Record<string, unknown>;
    }
  }
  const grace = body.gracePeriodSeconds ?? intParam(params, "gracePeriodSeconds");
  if (grace !== undefined) {
    if (typeof grace !== "number" || !Number.isInteger(grace)) throw badRequest("gracePeriodSeconds must be an integer");
    opts.gracePeriodSeconds = Math.max(0, grace);
  }
  const policy = body.propagationPolicy ?? params.get("propagationPolicy") ?? (body.orphanDependents === true || params.get("orphanDependents") === "true" ? "Orphan" : undefined);
  if (policy !== undefined && policy !== null) {
    if (!["Background", "Foreground", "Orphan"].includes(policy as string)) throw badRequest(`propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`);
    opts.propagationPolicy = policy as DeleteOptions["propagationPolicy"];
  }
  if (body.preconditions && typeof body.preconditions === "object") opts.preconditions = body.preconditions as DeleteOptions["preconditions"];
  if (Array.isArray(body.dryRun) && body.dryRun.length) opts.dryRun = true;
  return opts;
}

type PatchResult = { object: KubeObject; created: boolean; warnings: string[] };

/** Apply a PATCH of any of the four types to the object (or, for status, to its status). */
async function patch(req: Request, params: URLSearchParams, kind: KindDef, namespace: string, name: string, ctx: ResourceContext, subresource?: "status", requester?: UserInfo): Promise<PatchResult> {
  const opts = writeOptions(params, req, requester);
  const format = bodyFormat(req.headers.get("content-type"), "PATCH");
  const body = await readBody(req, format);
  if (body === undefined) throw badRequest("the patch body is empty");
  const registry = ctx.registry;
  const gvk = { group: kind.group, version: kind.version, kind: kind.kind };
  try {
    if (format === "apply-patch") {
      if (!params.get("fieldManager")) throw badRequest("PATCH requests with an apply content type must set fieldManager");
      const force = params.get("force") === "true";
      const applied = registry.checkBody(kind, namespace, body);
      if (applied.metadata.name !== undefined && applied.metadata.name !== name) throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      applied.metadata.name = name;
      registry.checkFields(kind, body, name, opts);
      const manager = opts.fieldManager!;
      const r = await registry.replace(
        kind,
        namespace,
        name,
        (current) => {
          const merged = serverSideApply(current, applied, { manager, force, gvk, now: nowTimestamp(), subresource }) as KubeObject;
          if (current) merged.metadata.resourceVersion = applied.metadata.resourceVersion ?? current.metadata.resourceVersion;
          return merged;
        },
        { ...opts, fieldManager: undefined },
        subresource,
        subresource === undefined,
      );
      return { ...r, warnings: opts.warnings ?? [] };
    }
    const r = await registry.replace(
      kind,
      namespace,
      name,
      (current) => {
        if (!current) throw notFound({ ...kind, name });
        const patched = applyPatch(format, current, body, gvk) as KubeObject;
        if (!patched || typeof patched !== "object" || Array.isArray(patched)) throw badRequest("the patch must produce an object");
        if (!patched.metadata || typeof patched.metadata !== "object") patched.metadata = {};
        // The result is checked like a PUT body: same kind, same name, known fields.
        const checked = registry.checkBody(kind, namespace, patched);
        if (checked.metadata.name !== name) throw badRequest(`the name of the object (${checked.metadata.name}) does not match the name on the URL (${name})`);
        registry.checkFields(kind, checked, name, opts);
        return checked;
      },
      opts,
      subresource,
    );
    return { ...r, warnings: opts.warnings ?? [] };
  } catch (e) {
    throw patchError(e, kind, name);
  }
}

function applyPatch(format: BodyFormat, current: KubeObject, body: unknown, gvk: { group: string; version: string; kind: string }) {
  switch (format) {
    case "merge-patch":
      return applyMergePatch(current as Record<string, unknown>, body);
    case "json-patch":
      return applyJsonPatch(current as Record<string, unknown>, body);
    case "strategic-merge-patch":
      return applyStrategicMergePatch(current as Record<string, unknown>, body, gvk);
    default:
      throw badRequest(`unsupported patch type ${format}`);
  }
}

function patchError(e: unknown, kind: KindDef, name: string): unknown {
  if (e instanceof ApplyConflictError) {
    return new ApiError(409, "Conflict", e.message, {
      name,
      group: kind.group || undefined,
      kind: kind.plural,
      causes: e.conflicts.map((c) => ({ type: "FieldManagerConflict", message: c.message, field: c.field })),
    });
  }
  if (e instanceof PatchError) {
    return e.code === 400 ? badRequest(e.message) : new ApiError(422, "Invalid", `${kind.kind}${kind.group ? `.${kind.group}` : ""} "${name}" is invalid: ${e.message}`, { name, kind: kind.kind, group: kind.group || undefined, causes: [{ reason: "FieldValueInvalid", message: e.message }] });
  }
  return e;
}

async function handleStatus(req: Request, url: URL, kind: KindDef, namespace: string, name: string, ctx: ResourceContext, user: UserInfo): Promise<Response> {
  if (!kind.subresources?.status) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  const params = url.searchParams;
  switch (req.method) {
    case "GET":
      return json(ctx.registry.get(kind, namespace, name));
    case "PUT": {
      const opts = writeOptions(params, req);
      const body = await readBody(req, bodyFormat(req.headers.get("content-type"), "PUT"));
      ctx.registry.checkFields(kind, body, name, opts);
      return json(await ctx.registry.update(kind, namespace, name, body, opts, "status"), 200, opts.warnings);
    }
    case "PATCH": {
      const r = await patch(req, params, kind, namespace, name, ctx, "status");
      return json(r.object, 200, r.warnings);
    }
    default:
      throw methodNotAllowed(req.method, `${kind.plural}/status`);
  }
}

async function handleScale(req: Request, url: URL, kind: KindDef, namespace: string, name: string, ctx: ResourceContext, user: UserInfo): Promise<Response> {
  const params = url.searchParams;
  const scaleSpec = kind.subresources!.scale!;
  if (req.method === "GET") {
    return json(scaleOf(scaleSpec, ctx.registry.get(kind, namespace, name)));
  }
  if (req.method !== "PUT" && req.method !== "PATCH") throw methodNotAllowed(req.method, `${kind.plural}/scale`);
  const opts = writeOptions(params, req);
  const format = bodyFormat(req.headers.get("content-type"), req.method);
  const body = await readBody(req, format);
  const r = await ctx.registry.replace(
    kind,
    namespace,
    name,
    (current) => {
      if (!current) throw notFound({ ...kind, name });
      const scale = scaleOf(scaleSpec, current);
      const next = (req.method === "PUT" ? body : applyPatch(format, scale as unknown as KubeObject, body, { group: "autoscaling", version: "v1", kind: "Scale" })) as ReturnType<typeof scaleOf>;
      const replicas = next?.spec?.replicas;
      // Scale.spec.replicas is an int32.
      const tooBig = typeof replicas === "number" && replicas > 2147483647;
      if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0 || tooBig) {
        const detail = tooBig ? "must be less than or equal to 2147483647" : "must be greater than or equal to 0";
        throw new ApiError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: ${detail}`, {
          name,
          group: "autoscaling",
          kind: "Scale",
          causes: [{ reason: "FieldValueInvalid", message: detail, field: "spec.replicas" }],
        });
      }
      const rv = next.metadata?.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) current.metadata.resourceVersion = rv; // a stale precondition conflicts below
      writePath(current, scaleSpec.specReplicasPath, replicas);
      return current;
    },
    opts,
  );
  return json(scaleOf(scaleSpec, r.object), 200, opts.warnings);
}
