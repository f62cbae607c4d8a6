// Shapes shared by the HTTP layer.
import type { KindDef } from "../kinds/kind.ts";
import type { ResourcePath } from "./paths.ts";

export type UserInfo = {
  name: string;
  groups: string[];
  /** Set for a node agent's credential: the node it may act for. */
  node?: string;
  /** The identity's uid (a service account's), when it has one. */
  uid?: string;
  /** What the authenticator adds (a service account token's pod name and uid, its credential id). */
  extra?: Record<string, string[]>;
};

export type RequestAttributes = {
  verb: "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";
  kind: KindDef;
  namespace?: string;
  name?: string;
  subresource?: string;
};

/**
 * What authorization decides on, derived from the request's method and path alone (upstream's
 * RequestInfo / authorizer.Attributes): a resource request names group, resource, subresource,
 * namespace and name; any other path is a non-resource request with the method as its verb.
 */
export type AuthorizationAttributes = {
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
};

/** Routes like pods/log or pods/exec that another part of skiff answers (the node proxy). */
export type SubresourceHandler = (req: Request, url: URL, path: ResourcePath, user: UserInfo) => Promise<Response> | Response;

export type WatchMetrics = { opened(kind: KindDef): void; closed(kind: KindDef): void; sent(kind: KindDef): void };
