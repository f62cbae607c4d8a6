// Kubernetes `Status` errors. Every failure the API answers is one of these, so clients
// (kubectl prints `Error from server (Reason): message`) always get a readable reason.
import type { FieldError } from "./kinds/kind.ts";
import { isDiskFull } from "../store/disk-reserve.ts";
import { EtcdUnavailableError } from "../store/etcd/client.ts";

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Gone"
  | "Expired"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "RequestURITooLong"
  | "RequestHeaderFieldsTooLarge"
  | "UnsupportedMediaType"
  | "TooManyRequests"
  | "InternalError"
  | "InsufficientStorage"
  | "ServiceUnavailable"
  | "Timeout";

export type StatusDetails = {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { type?: string; reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
};

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus() {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

type Target = { plural: string; group: string; kind?: string; name?: string };
const what = (t: Target) => (t.group ? `${t.plural}.${t.group}` : t.plural);

export const badRequest = (message: string, details?: StatusDetails) => new ApiError(400, "BadRequest", message, details);
export const unauthorized = () => new ApiError(401, "Unauthorized", "Unauthorized");
export const forbidden = (message: string, details?: StatusDetails) => new ApiError(403, "Forbidden", message, details);
export const notFound = (t: Target) =>
  new ApiError(404, "NotFound", `${what(t)} "${t.name}" not found`, { name: t.name, group: t.group || undefined, kind: t.plural });
export const alreadyExists = (t: Target) =>
  new ApiError(409, "AlreadyExists", `${what(t)} "${t.name}" already exists`, { name: t.name, group: t.group || undefined, kind: t.plural });
export const conflict = (t: Target, why: string) =>
  new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${what(t)} "${t.name}": ${why}`, { name: t.name, group: t.group || undefined, kind: t.plural });
export const staleConflict = (t: Target) => conflict(t, "the object has been modified; please apply your changes to the latest version and try again");
export const expired = (message: string) => new ApiError(410, "Expired", message);
export const tooLarge = (message = "the request body is too large (limit 3 MiB)") => new ApiError(413, "RequestEntityTooLarge", message);
export const unsupportedMediaType = (type: string) => new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${type})`);
export const methodNotAllowed = (verb: string, what: string) => new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${verb} ${what})`);

/** 422 Invalid, naming every offending field as upstream does. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const list = errors.map((e) => `${e.field}: ${e.message}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(", ")}]`;
  return new ApiError(422, "Invalid", `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${summary}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  // 507 as WebDAV has it: the request was fine, the server has no room to keep it.
  if (isDiskFull(e)) return new ApiError(507, "InsufficientStorage", "the data disk of the server is full: free space on it (deletions are still accepted)");
  if (e instanceof EtcdUnavailableError) return new ApiError(503, "ServiceUnavailable", "the datastore (etcd) does not answer: retry later");
  // decodeURIComponent on a client's malformed percent-encoding ("%", "%ff%fe").
  if (e instanceof URIError) return badRequest("the request contains malformed percent-encoding");
  // The detail stays in the server's log: a message can carry paths or internals of the machine.
  console.error("internal error:", e);
  return new ApiError(500, "InternalError", "Internal error occurred");
}
