// The review APIs, create-only and never stored: authorization.k8s.io/v1
// SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`),
// SubjectAccessReview and LocalSubjectAccessReview (asking about someone else), and
// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`). Who may create each is
// decided by the authorization filter like any request (system:basic-user grants the self
// reviews to everyone authenticated).
import type { Hono } from "hono";
import type { AuthorizationAttributes, UserInfo } from "../../api/http/types.ts";
import { badRequest, invalid, methodNotAllowed } from "../../api/errors.ts";
import { bodyFormat, readBody } from "../../api/http/body.ts";
import { json } from "../../api/http/resources.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import type { FieldError } from "../../api/kinds/kind.ts";
import type { PolicyRule } from "../../api/validation/rbac.ts";
import { PRIVILEGED_GROUP, type Authorizer } from "./authorizer.ts";

const AUTHZ = "authorization.k8s.io";
const AUTHN = "authentication.k8s.io";

type ResourceAttributes = { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
type NonResourceAttributes = { path?: string; verb?: string };
type ReviewSpec = { resourceAttributes?: ResourceAttributes; nonResourceAttributes?: NonResourceAttributes; user?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]>; namespace?: string };
type Review = { apiVersion?: string; kind?: string; metadata?: Record<string, unknown>; spec?: ReviewSpec };

/** The kinds served here, for discovery (create is their only verb, as upstream lists them). */
const REVIEW_RESOURCES = [
  { group: AUTHZ, name: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview", namespaced: true },
  { group: AUTHZ, name: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false },
  { group: AUTHZ, name: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", namespaced: false },
  { group: AUTHZ, name: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false },
  { group: AUTHN, name: "selfsubjectreviews", kind: "SelfSubjectReview", namespaced: false },
];
const resourcesOf = (group: string) => REVIEW_RESOURCES.filter((r) => r.group === group);
const apiGroup = (group: string) => ({ kind: "APIGroup", apiVersion: "v1", name: group, versions: [{ groupVersion: `${group}/v1`, version: "v1" }], preferredVersion: { groupVersion: `${group}/v1`, version: "v1" } });
const resourceList = (group: string) => ({
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: `${group}/v1`,
  resources: resourcesOf(group).map((r) => ({ name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ["create"] })),
});

/** The two groups in /apis, legacy and aggregated. */
export const reviewDiscovery = [AUTHN, AUTHZ].map((group) => ({
  group: apiGroup(group),
  aggregated: {
    metadata: { name: group, creationTimestamp: null },
    versions: [
      {
        version: "v1",
        resources: resourcesOf(group).map((r) => ({ resource: r.name, responseKind: { group, version: "v1", kind: r.kind }, scope: r.namespaced ? "Namespaced" : "Cluster", singularResource: r.kind.toLowerCase(), verbs: ["create"] })),
        freshness: "Current",
      },
    ],
  },
}));

async function readReview(req: Request, kind: string): Promise<Review> {
  const body = await readBody(req, bodyFormat(req.headers.get("content-type"), "POST"));
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest(`the body of the request must be a ${kind} object`);
  const r = body as Review;
  if (r.kind !== undefined && r.kind !== kind) throw badRequest(`the body must be a ${kind}, not ${String(r.kind)}`);
  return r;
}

/** The attributes a review asks about, checked as upstream's ValidateSubjectAccessReviewSpec. */
function attributesOf(kind: string, spec: ReviewSpec | undefined): AuthorizationAttributes {
  const s = (spec && typeof spec === "object" ? spec : {}) as ReviewSpec;
  const ra = s.resourceAttributes;
  const nra = s.nonResourceAttributes;
  for (const [field, v] of [["resourceAttributes", ra], ["nonResourceAttributes", nra]] as const) {
    if (v !== undefined && v !== null && (typeof v !== "object" || Array.isArray(v))) throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: spec.${field} must be an object`);
  }
  if (!!ra === !!nra) {
    throw invalid(kind, AUTHZ, "", [{ field: "spec.resourceAttributes", reason: "FieldValueInvalid", message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified` }]);
  }
  if (nra) {
    return { verb: str(nra.verb), resourceRequest: false, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path: str(nra.path) };
  }
  return {
    verb: str(ra!.verb),
    resourceRequest: true,
    apiGroup: str(ra!.group),
    apiVersion: str(ra!.version),
    resource: str(ra!.resource),
    subresource: str(ra!.subresource),
    namespace: str(ra!.namespace),
    name: str(ra!.name),
    path: "",
  };
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

function answer(kind: string, group: string, review: Review, status: unknown, namespace?: string): Response {
  const metadata = { ...(review.metadata ?? {}), creationTimestamp: null, ...(namespace ? { namespace } : {}) };
  delete (metadata as Record<string, unknown>).resourceVersion;
  return json({ kind, apiVersion: `${group}/v1`, metadata, spec: review.spec ?? {}, status }, 201);
}

function accessStatus(authz: Authorizer, user: Pick<UserInfo, "name" | "groups" | "node">, a: AuthorizationAttributes) {
  const d = authz.decide(user, a);
  return d.allowed ? { allowed: true } : { allowed: false, ...(d.reason ? { reason: d.reason } : {}) };
}

/** The rules of a user in a namespace, as SelfSubjectRulesReview reports them. */
function rulesStatus(authz: Authorizer, user: UserInfo, namespace: string) {
  const rules: PolicyRule[] = authz.rbac.rulesFor(user, namespace);
  const resourceRules = rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs! }));
  // A node's own rights (NodeRestriction) are not rules: its list is incomplete, as upstream's.
  return { resourceRules, nonResourceRules, incomplete: !!user.node && !user.groups.includes(PRIVILEGED_GROUP) };
}

export function mountReviewRoutes(app: Hono<{ Variables: { user: UserInfo } }>, authz: Authorizer): void {
  for (const group of [AUTHN, AUTHZ]) {
    app.get(`/apis/${group}`, (c) => c.json(apiGroup(group)));
    app.get(`/apis/${group}/v1`, (c) => c.json(resourceList(group)));
  }
  const post = (path: string, handler: (req: Request, user: UserInfo, namespace?: string) => Promise<Response>) => {
    app.all(path, (c) => {
      if (c.req.method !== "POST") throw methodNotAllowed(c.req.method, path.split("/").pop()!);
      return handler(c.req.raw, c.get("user"), c.req.param("namespace"));
    });
  };

  post(`/apis/${AUTHZ}/v1/selfsubjectaccessreviews`, async (req, user) => {
    const review = await readReview(req, "SelfSubjectAccessReview");
    return answer("SelfSubjectAccessReview", AUTHZ, review, accessStatus(authz, user, attributesOf("SelfSubjectAccessReview", review.spec)));
  });

  post(`/apis/${AUTHZ}/v1/selfsubjectrulesreviews`, async (req, user) => {
    const review = await readReview(req, "SelfSubjectRulesReview");
    const namespace = str(review.spec?.namespace);
    return answer("SelfSubjectRulesReview", AUTHZ, review, rulesStatus(authz, user, namespace));
  });

  const subjectReview = async (kind: string, req: Request, namespace?: string) => {
    const review = await readReview(req, kind);
    const spec = (review.spec ?? {}) as ReviewSpec;
    const a = attributesOf(kind, spec);
    const errs: FieldError[] = [];
    if (!spec.user && !spec.groups?.length) errs.push({ field: "spec.user", reason: "FieldValueInvalid", message: `Invalid value: "": at least one of user or group must be specified` });
    if (namespace !== undefined && a.resourceRequest && a.namespace !== namespace) {
      errs.push({ field: "spec.resourceAttributes.namespace", reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(a.namespace)}: must match metadata.namespace` });
    }
    if (errs.length) throw invalid(kind, AUTHZ, "", errs);
    const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === "string") : [];
    return answer(kind, AUTHZ, review, accessStatus(authz, { name: str(spec.user), groups }, a), namespace);
  };
  post(`/apis/${AUTHZ}/v1/subjectaccessreviews`, (req) => subjectReview("SubjectAccessReview", req));
  post(`/apis/${AUTHZ}/v1/namespaces/:namespace/localsubjectaccessreviews`, (req, _user, ns) => subjectReview("LocalSubjectAccessReview", req, ns ?? ""));

  post(`/apis/${AUTHN}/v1/selfsubjectreviews`, async (req, user) => {
    const review = await readReview(req, "SelfSubjectReview");
    const userInfo = { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) };
    return json({ kind: "SelfSubjectReview", apiVersion: `${AUTHN}/v1`, metadata: { ...(review.metadata ?? {}), creationTimestamp: nowTimestamp() }, status: { userInfo } }, 201);
  });
}

