// The API server's HTTP application: authentication, discovery, OpenAPI, health and the
// resource routes, with every failure answered as a Kubernetes Status.
import { Hono } from "hono";
import type { KindDef } from "../kinds/kind.ts";
import { ApiError, badRequest, methodNotAllowed, toApiError, unauthorized } from "../errors.ts";
import type { Registry } from "../registry/registry.ts";
import { KUBE_VERSION } from "../../version.ts";
import { AGGREGATED_CONTENT_TYPE, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, groupVersions } from "./discovery.ts";
import { healthResponse, type HealthCheck } from "./health.ts";
import { OPENAPI_V2_PROTOBUF, OpenApiDocuments, openapiV2Protobuf } from "./openapi.ts";
import { parseResourcePath, pathSegments } from "./paths.ts";
import { handleResource, json } from "./resources.ts";
import { withOtherVersions } from "./other-versions.ts";
import { METHOD_HEADER } from "./tls-front.ts";
import type { AuthorizationAttributes, SubresourceHandler, UserInfo, WatchMetrics } from "./types.ts";
import { requestAttributes } from "./request-attributes.ts";

export type ApiAppOptions = {
  registry: Registry;
  /** Maps a bearer token to its user, or undefined when the token is unknown. */
  authenticate: (token: string) => UserInfo | undefined;
  /**
   * Decides every authenticated request before any route runs, from attributes derived from
   * its method and path alone (resources, subresources, plain paths); throws a 403 ApiError
   * when the user may not make it.
   */
  authorize?: (user: UserInfo, attrs: AuthorizationAttributes) => void;
  /** The user an authenticated caller asks to act as (Impersonate-* headers), checked; undefined when it asks for none. */
  impersonate?: (caller: UserInfo, headers: Headers) => UserInfo | undefined;
  health: { livez: HealthCheck[]; readyz: HealthCheck[] };
  caPem?: string;
  serverAddress: string;
  bookmarkIntervalMs?: number;
  subresources?: Map<string, SubresourceHandler>;
  /** Extra routes (node join, metrics…) mounted before the resource routes. */
  extend?: (app: Hono<Env>) => void;
  /** Paths answered without a token. */
  anonymousPaths?: string[];
  watchMetrics?: WatchMetrics;
  /** An API group served by routes of its own (metrics.k8s.io), listed in /apis. */
  extraDiscovery?: { group: unknown; aggregated: unknown } | { group: unknown; aggregated: unknown }[];
  onRequest?: (info: { verb: string; resource: string; code: number; seconds: number }) => void;
};

export type Env = { Variables: { user: UserInfo } };

const OPEN_PATHS = new Set(["/livez", "/readyz", "/healthz", "/version", "/cacerts"]);
/** Methods the API has a meaning for; Bun passes a few more it knows (PROPFIND, TRACE…). */
export const SERVED_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function createApiApp(opts: ApiAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  // Discovery and OpenAPI list every served version (autoscaling/v1 beside v2).
  // Kinds come and go while serving (CRDs): the list is rebuilt only when the registry's changes.
  let servedKinds: KindDef[] = [];
  let servedAt = -1;
  const kinds = (): KindDef[] => {
    if (servedAt !== opts.registry.kindsRevision) {
      servedKinds = withOtherVersions(opts.registry.kinds);
      servedAt = opts.registry.kindsRevision;
    }
    return servedKinds;
  };
  const anonymous = new Set([...OPEN_PATHS, ...(opts.anonymousPaths ?? [])]);
  const subresources = opts.subresources ?? new Map();

  app.onError((err) => {
    const e = toApiError(err);
    return json(e.toStatus(), e.code);
  });
  app.notFound(() => json(new ApiError(404, "NotFound", "the server could not find the requested resource", {}).toStatus(), 404));

  app.use("*", async (c, next) => {
    const started = performance.now();
    const path = c.req.path;
    if (!anonymous.has(path)) {
      const header = c.req.header("authorization") ?? "";
      const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
      const user = token ? opts.authenticate(token) : undefined;
      if (!user) {
        opts.onRequest?.({ verb: c.req.method, resource: path, code: 401, seconds: (performance.now() - started) / 1000 });
        return json(unauthorized().toStatus(), 401);
      }
      c.set("user", user);
    }
    // After authentication, so an anonymous client learns nothing but 401 on protected paths.
    // The TLS front passes a method Bun's parser does not know as GET, naming the real one.
    const method = c.req.header(METHOD_HEADER) ?? c.req.method;
    if (!SERVED_METHODS.has(method)) {
      const e = methodNotAllowed(method, path);
      opts.onRequest?.({ verb: method, resource: path, code: e.code, seconds: (performance.now() - started) / 1000 });
      return json(e.toStatus(), e.code);
    }
    let user = c.get("user");
    if (user && opts.authorize) {
      try {
        const as = opts.impersonate?.(user, c.req.raw.headers);
        if (as) c.set("user", (user = as));
        const upgrade = (c.req.header("upgrade") ?? "").toLowerCase() === "websocket";
        opts.authorize(user, requestAttributes(method, path, new URL(c.req.url).searchParams, upgrade));
      } catch (err) {
        const e = toApiError(err);
        opts.onRequest?.({ verb: method, resource: path, code: e.code, seconds: (performance.now() - started) / 1000 });
        return json(e.toStatus(), e.code);
      }
    }
    await next();
    opts.onRequest?.({ verb: c.req.method, resource: path, code: c.res.status, seconds: (performance.now() - started) / 1000 });
  });

  app.get("/version", (c) =>
    c.json({ ...KUBE_VERSION, gitCommit: "", gitTreeState: "clean", buildDate: "2026-11-28T00:00:00Z", goVersion: "bun" + Bun.version, compiler: "bun", platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}` }),
  );
  app.get("/livez", (c) => healthResponse(opts.health.livez, new URL(c.req.url), "livez"));
  app.get("/readyz", (c) => healthResponse(opts.health.readyz, new URL(c.req.url), "readyz"));
  app.get("/healthz", (c) => healthResponse(opts.health.readyz, new URL(c.req.url), "healthz"));
  app.get("/cacerts", (c) => (opts.caPem ? c.text(opts.caPem) : c.notFound()));

  const aggregated = (accept: string | undefined) => (accept ?? "").split(",")[0]!.includes("as=APIGroupDiscoveryList");
  app.get("/api", (c) =>
    aggregated(c.req.header("accept"))
      ? new Response(JSON.stringify(aggregatedDiscovery(kinds(), true)), { headers: { "Content-Type": AGGREGATED_CONTENT_TYPE } })
      : c.json(apiVersions(opts.serverAddress)),
  );
  app.get("/apis", (c) => {
    const extra = [opts.extraDiscovery ?? []].flat();
    if (aggregated(c.req.header("accept"))) {
      const doc = aggregatedDiscovery(kinds(), false);
      for (const e of extra) doc.items.push(e.aggregated as (typeof doc.items)[number]);
      return new Response(JSON.stringify(doc), { headers: { "Content-Type": AGGREGATED_CONTENT_TYPE } });
    }
    const list = apiGroupList(kinds());
    for (const e of extra) list.groups.push(e.group as (typeof list.groups)[number]);
    return c.json(list);
  });
  // Routes of other parts (node join, metrics, metrics.k8s.io) come before the generic group routes.
  opts.extend?.(app);
  app.get("/api/v1", (c) => c.json(apiResourceList(kinds(), "", "v1")));
  app.get("/apis/:group", (c) => {
    const versions = groupVersions(kinds(), c.req.param("group"));
    if (!versions.length) return c.notFound();
    return c.json(apiGroup(c.req.param("group"), versions));
  });
  app.get("/apis/:group/:version", (c) => {
    const { group, version } = c.req.param();
    if (!groupVersions(kinds(), group).includes(version)) return c.notFound();
    return c.json(apiResourceList(kinds(), group, version));
  });
  // Built on first request, kept while the served kinds stay the same.
  let openapi: { at: number; docs: OpenApiDocuments } | undefined;
  const openapiDocs = () => {
    const list = kinds();
    if (openapi?.at !== servedAt) openapi = { at: servedAt, docs: new OpenApiDocuments(list) };
    return openapi.docs;
  };
  app.get("/openapi/v3", (c) => c.json(openapiDocs().root()));
  app.get("/openapi/v2", (c) =>
    (c.req.header("accept") ?? "").includes("protobuf")
      ? c.body(openapiV2Protobuf(), 200, { "content-type": OPENAPI_V2_PROTOBUF })
      : c.body(openapiDocs().v2Json(), 200, { "content-type": "application/json" }),
  );
  app.get("/openapi/v3/*", (c) => {
    const rest = c.req.path.slice("/openapi/v3/".length).split("/");
    const [group, version] = rest[0] === "api" ? ["", rest[1]!] : [rest[1]!, rest[2]!];
    const doc = openapiDocs().groupVersion(group, version);
    return doc ? c.body(doc, 200, { "content-type": "application/json" }) : c.notFound();
  });

  const resources = { registry: opts.registry, bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000, subresources, watchMetrics: opts.watchMetrics };
  app.all("/api/*", (c) => route(c.req.raw, c.get("user")));
  app.all("/apis/*", (c) => route(c.req.raw, c.get("user")));
  function route(req: Request, user: UserInfo) {
    const url = new URL(req.url);
    if (!pathSegments(url.pathname)) throw badRequest("the request path contains malformed percent-encoding");
    const path = parseResourcePath(url.pathname);
    if (!path) throw new ApiError(404, "NotFound", "the server could not find the requested resource", {});
    return handleResource(req, url, path, resources, user);
  }
  return app;
}
