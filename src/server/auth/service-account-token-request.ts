// The TokenRequest API (POST .../serviceaccounts/NAME/token, authentication.k8s.io/v1) and
// the authenticator that accepts what it issues, as upstream's: a token is good while its
// signature, expiry and audience hold and the service account (and the pod, secret or node
// it is bound to) still exists with the uid it names.
import type { FieldError, KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { ApiError, badRequest, conflict, forbidden, invalid, notFound } from "../../api/errors.ts";
import { bodyFormat, readBody } from "../../api/http/body.ts";
import { json } from "../../api/http/resources.ts";
import type { RequestAttributes, SubresourceHandler, UserInfo } from "../../api/http/types.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import { API_AUDIENCES, claimsFor, serviceAccountUsername, type ServiceAccountClaims, type ServiceAccountTokenSigner, type TokenGrant } from "./service-account-tokens.ts";

const GROUP = "authentication.k8s.io";
const DEFAULT_SECONDS = 3600;
const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
/** A pod being deleted keeps its tokens this long past its deletion time, as upstream. */
const DELETION_GRACE_MS = 60_000;

type TokenRequestBody = {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: { kind?: unknown; apiVersion?: unknown; name?: unknown; uid?: unknown } | null };
};

type BoundKind = "Pod" | "Secret" | "Node";
const BOUND_KINDS: Record<BoundKind, { group: string; version: string; kind: string }> = {
  Pod: { group: "", version: "v1", kind: "Pod" },
  Secret: { group: "", version: "v1", kind: "Secret" },
  Node: { group: "", version: "v1", kind: "Node" },
};

const userOfClaims = (c: ServiceAccountClaims): UserInfo => {
  const ns = c["kubernetes.io"].namespace;
  const extra: Record<string, string[]> = { "authentication.kubernetes.io/credential-id": [`JTI=${c.jti}`] };
  const pod = c["kubernetes.io"].pod;
  if (pod) {
    extra["authentication.kubernetes.io/pod-name"] = [pod.name];
    extra["authentication.kubernetes.io/pod-uid"] = [pod.uid];
  }
  return { name: c.sub, uid: c["kubernetes.io"].serviceaccount.uid, groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"], extra };
};

/** Whether a bearer token has the shape of a JWT (three base64url parts), so other checks can skip it cheaply. */
export const looksLikeJwt = (token: string) => token.startsWith("eyJ") && token.split(".").length === 3;

/** Maps a service account token to its user, or undefined when it is not (or no longer) valid. */
export function serviceAccountAuthenticator(registry: Registry, signer: ServiceAccountTokenSigner, audiences = API_AUDIENCES) {
  const kinds = kindsOf(registry);
  return (token: string, nowMs = Date.now()): UserInfo | undefined => {
    if (!looksLikeJwt(token)) return undefined;
    const claims = signer.verify(token, audiences, Math.floor(nowMs / 1000));
    if (!claims) return undefined;
    const k = claims["kubernetes.io"];
    const sa = registry.tryGet(kinds.serviceAccount, k.namespace, k.serviceaccount.name);
    if (!sa || sa.metadata.uid !== k.serviceaccount.uid) return undefined;
    if (k.pod) {
      const pod = registry.tryGet(kinds.Pod, k.namespace, k.pod.name);
      if (!pod || pod.metadata.uid !== k.pod.uid) return undefined;
      const deleting = pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : NaN;
      if (deleting + DELETION_GRACE_MS < nowMs) return undefined;
    }
    if (k.secret) {
      const secret = registry.tryGet(kinds.Secret, k.namespace, k.secret.name);
      if (!secret || secret.metadata.uid !== k.secret.uid) return undefined;
    }
    if (k.node) {
      const node = registry.tryGet(kinds.Node, "", k.node.name);
      if (!node || node.metadata.uid !== k.node.uid) return undefined;
    }
    return userOfClaims(claims);
  };
}

function kindsOf(registry: Registry) {
  const find = (kind: string) => registry.kindOf("v1", kind)!;
  return { serviceAccount: find("ServiceAccount"), Pod: find("Pod"), Secret: find("Secret"), Node: find("Node") } satisfies Record<string, KindDef> & Record<BoundKind, KindDef>;
}

/** The `serviceaccounts/token` subresource. */
export function tokenRequestHandler(registry: Registry, signer: ServiceAccountTokenSigner, authorize: (user: UserInfo, attrs: RequestAttributes) => void): SubresourceHandler {
  const kinds = kindsOf(registry);
  return async (req, _url, path, user) => {
    if (req.method !== "POST") throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${req.method} serviceaccounts/token)`);
    const namespace = path.namespace ?? "";
    const name = path.name!;
    authorize(user, { verb: "create", kind: kinds.serviceAccount, namespace, name, subresource: "token" });
    // kubectl create token sends protobuf; curl and the JavaScript client JSON.
    const body = ((await readBody(req, bodyFormat(req.headers.get("content-type"), "POST"))) ?? {}) as TokenRequestBody;
    if (typeof body !== "object" || Array.isArray(body)) throw badRequest("the body of a TokenRequest must be an object");
    if (body.kind !== undefined && body.kind !== "TokenRequest") throw badRequest(`the body must be a TokenRequest, not ${String(body.kind)}`);
    const spec = body.spec ?? {};
    const errors: FieldError[] = [];
    const seconds = spec.expirationSeconds ?? DEFAULT_SECONDS;
    if (typeof seconds !== "number" || !Number.isInteger(seconds)) errors.push({ field: "spec.expirationSeconds", reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(seconds)}: must be an integer` });
    else if (seconds < MIN_SECONDS) errors.push({ field: "spec.expirationSeconds", reason: "FieldValueInvalid", message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` });
    else if (seconds > MAX_SECONDS) errors.push({ field: "spec.expirationSeconds", reason: "FieldValueInvalid", message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` });
    const audiences = spec.audiences ?? [];
    if (!Array.isArray(audiences) || audiences.some((a) => typeof a !== "string" || a === "")) errors.push({ field: "spec.audiences", reason: "FieldValueInvalid", message: "Invalid value: audiences must be non-empty strings" });
    if (errors.length) throw invalid("TokenRequest", GROUP, name, errors);

    const sa = registry.tryGet(kinds.serviceAccount, namespace, name);
    if (!sa) throw notFound({ ...kinds.serviceAccount, name });
    const bound = boundObject(kinds, namespace, name, spec.boundObjectRef);
    // NodeRestriction: a node asks only for tokens bound to a pod that runs on it.
    if (user.node) {
      if (bound?.kind !== "Pod") throw forbidden(`serviceaccounts "${name}" is forbidden: node requested token not bound to a pod`, { name, kind: "serviceaccounts" });
      if ((bound.object.spec as { nodeName?: string } | undefined)?.nodeName !== user.node) throw forbidden(`serviceaccounts "${name}" is forbidden: node requested token bound to a pod scheduled on a different node`, { name, kind: "serviceaccounts" });
    }
    const grant: TokenGrant = {
      namespace,
      serviceAccount: { name, uid: sa.metadata.uid! },
      audiences: audiences as string[],
      expirationSeconds: seconds as number,
      bound: bound && { kind: bound.kind, ref: { name: bound.object.metadata.name!, uid: bound.object.metadata.uid! } },
    };
    const claims = claimsFor(grant);
    const token = await signer.sign(claims);
    const ref = spec.boundObjectRef;
    return json(
      {
        kind: "TokenRequest",
        apiVersion: `${GROUP}/v1`,
        metadata: { name, namespace, creationTimestamp: nowTimestamp() },
        spec: {
          audiences: claims.aud,
          expirationSeconds: seconds,
          boundObjectRef: bound ? { kind: bound.kind, apiVersion: (ref?.apiVersion as string) || "v1", name: bound.object.metadata.name, uid: bound.object.metadata.uid } : null,
        },
        status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") },
      },
      201,
    );
  };

  function boundObject(k: ReturnType<typeof kindsOf>, namespace: string, saName: string, ref: NonNullable<TokenRequestBody["spec"]>["boundObjectRef"]) {
    if (!ref) return undefined;
    const kind = ref.kind as BoundKind;
    const target = typeof ref.kind === "string" && Object.hasOwn(BOUND_KINDS, ref.kind) ? BOUND_KINDS[kind] : undefined;
    const apiVersion = (ref.apiVersion as string | undefined) ?? "v1";
    if (!target || (apiVersion !== "" && apiVersion !== "v1")) throw badRequest(`cannot bind token for object of type ${String(ref.apiVersion ?? "")}, Kind=${String(ref.kind ?? "")}`);
    if (typeof ref.name !== "string" || !ref.name) throw invalid("TokenRequest", GROUP, saName, [{ field: "spec.boundObjectRef.name", reason: "FieldValueRequired", message: "Required value" }]);
    const object: KubeObject | undefined = registry.tryGet(k[kind], kind === "Node" ? "" : namespace, ref.name);
    if (!object) throw notFound({ ...k[kind], name: ref.name });
    const uid = ref.uid;
    if (uid && uid !== object.metadata.uid) {
      throw conflict({ ...k[kind], name: ref.name }, `the UID in the bound object reference (${String(uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (kind === "Pod" && (object.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName !== saName) {
      throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
    return { kind, object };
  }
}

export { serviceAccountUsername };
