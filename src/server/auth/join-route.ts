// POST /v1-skiff/join: an agent presents a join token (the cluster secret or a bootstrap
// token) and its node name and password, and gets its own node credential back, with the
// cluster's service CIDR (the node routes it: see src/agent/network/service-route.ts).
import { timingSafeEqual as equalBytes } from "node:crypto";
import type { Hono } from "hono";
import type { Env } from "../../api/http/app.ts";
import { json } from "../../api/http/resources.ts";
import { ApiError, badRequest, toApiError, unauthorized } from "../../api/errors.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { parseJoinToken } from "../pki/token.ts";
import { checkBootstrapToken } from "./tokens.ts";
import type { NodeCredentials } from "./node-credentials.ts";

export const JOIN_PATH = "/v1-skiff/join";
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Issues the agent's serving certificate for its HTTPS port, signed by the cluster CA. */
export type IssueServingCert = (nodeName: string) => Promise<{ certPem: string; keyPem: string }>;

/** What every node must know of the cluster's network. */
export type ClusterNetwork = { serviceCidr: string };

export function mountJoinRoute(app: Hono<Env>, registry: Registry, credentials: NodeCredentials, clusterSecret: string, issueServing: IssueServingCert, network?: ClusterNetwork) {
  app.post(JOIN_PATH, async (c) => {
    try {
      const header = c.req.header("authorization") ?? "";
      const presented = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
      const parsed = presented ? parseJoinToken(presented) : null;
      const secret = parsed?.secret ?? "";
      if (!secret || !(timingSafeEqual(secret, clusterSecret) || checkBootstrapToken(registry, secret))) throw unauthorized();
      let body: { nodeName?: unknown; password?: unknown };
      try {
        body = await c.req.json();
      } catch {
        throw badRequest("the join request body must be JSON");
      }
      const nodeName = body?.nodeName;
      const password = body?.password;
      if (typeof nodeName !== "string" || nodeName.length > 253 || !NODE_NAME.test(nodeName)) throw badRequest("nodeName must be a lowercase RFC 1123 subdomain");
      if (typeof password !== "string" || password.length < 16) throw badRequest("password must be a string of at least 16 characters");
      const { token, proxyToken } = await credentials.join(nodeName, password);
      const serving = await issueServing(nodeName);
      return json({ nodeName, token, proxyToken, servingCertPem: serving.certPem, servingKeyPem: serving.keyPem, serviceCidr: network?.serviceCidr });
    } catch (e) {
      const err = e instanceof ApiError ? e : toApiError(e);
      return json(err.toStatus(), err.code);
    }
  });
}

/** Compares two secrets in time that does not depend on where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && equalBytes(x, y);
}
