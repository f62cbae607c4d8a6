// A server joining an HA cluster with embedded etcd (`skiff server --server URL --token T`):
// it asks a running server to add it as an etcd member, and gets back the members to start
// its own with and the cluster's secrets, still sealed with the token (it opens them itself).
// The running server's side is POST /v1-skiff/server-join; only the cluster secret (the
// server token) is accepted there, never an agent's bootstrap token.
import type { Hono } from "hono";
import type { Env } from "../../api/http/app.ts";
import { json } from "../../api/http/resources.ts";
import { ApiError, badRequest, conflict, toApiError, unauthorized } from "../../api/errors.ts";
import { b64, EtcdClient, unb64 } from "../../store/etcd/client.ts";
import { parseJoinToken } from "../pki/token.ts";
import { fetchAndVerifyCa } from "../pki/verify-ca.ts";
import { sealedSecretsKey } from "../cluster-secrets.ts";
import { timingSafeEqual } from "../auth/join-route.ts";

/** Any failure as a Kubernetes Status of its code. */
const statusAnswer = (e: unknown) => {
  const err = e instanceof ApiError ? e : toApiError(e);
  return json(err.toStatus(), err.code);
};

export const SERVER_JOIN_PATH = "/v1-skiff/server-join";
const MEMBER_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

type Member = { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[] };
export type JoinAnswer = { initialCluster: string; clientUrls: string[]; sealedSecrets: string };

export function listMembers(client: EtcdClient): Promise<Member[]> {
  return client.call<{ members?: Member[] }>("/v3/cluster/member/list", {}).then((r) => r.members ?? []);
}

export function mountServerJoinRoute(app: Hono<Env>, deps: { client: EtcdClient; secretsBase: string; clusterSecret: string }) {
  app.post(SERVER_JOIN_PATH, async (c) => {
    try {
      const header = c.req.header("authorization") ?? "";
      const secret = parseJoinToken(header.startsWith("Bearer ") ? header.slice(7).trim() : "")?.secret ?? "";
      if (!secret || !timingSafeEqual(secret, deps.clusterSecret)) throw unauthorized();
      const body = (await c.req.json().catch(() => {
        throw badRequest("the server-join request body must be JSON");
      })) as { name?: unknown; peerUrl?: unknown; clientUrl?: unknown };
      const { name, peerUrl, clientUrl } = body ?? {};
      if (typeof name !== "string" || name.length > 63 || !MEMBER_NAME.test(name)) throw badRequest("name must be a lowercase DNS name of at most 63 characters");
      for (const [field, v] of [["peerUrl", peerUrl], ["clientUrl", clientUrl]] as const) {
        if (typeof v !== "string" || !/^https:\/\/[^/\s]+:\d+$/.test(v)) throw badRequest(`${field} must be an https://HOST:PORT URL`);
      }
      let members = await listMembers(deps.client);
      const named = members.find((m) => m.name === name);
      if (named && !named.peerURLs?.includes(peerUrl as string)) throw conflict({ group: "", plural: "etcd-members", name }, `an etcd member named ${name} exists at ${named.peerURLs?.join(",")}: delete its node first`);
      // Another server added but not started yet: its name is unknown, so no member list can be given now.
      if (members.some((m) => !m.name && !m.peerURLs?.includes(peerUrl as string))) throw new ApiError(503, "ServiceUnavailable", "another server is joining the etcd cluster: try again in a few seconds");
      // Read before the member is added: until the new member runs, a cluster of two has no quorum.
      // Serializable (this member's copy): a retried join after the add must still get an answer.
      const found = await deps.client.range(b64(sealedSecretsKey(deps.secretsBase, secret)), undefined, { serializable: true });
      const sealed = found.kvs?.[0];
      if (!sealed) throw new ApiError(503, "ServiceUnavailable", "the cluster's secrets are not stored yet: try again in a few seconds");
      if (!members.some((m) => m.peerURLs?.includes(peerUrl as string))) {
        members = (await deps.client.call<{ members?: Member[] }>("/v3/cluster/member/add", { peerURLs: [peerUrl] })).members ?? [];
      }
      const initialCluster = members.map((m) => `${m.name || (m.peerURLs?.includes(peerUrl as string) ? name : "")}=${m.peerURLs?.[0]}`).join(",");
      const answer: JoinAnswer = { initialCluster, clientUrls: members.flatMap((m) => m.clientURLs ?? []), sealedSecrets: unb64(sealed.value) };
      return json(answer);
    } catch (e) {
      return statusAnswer(e);
    }
  });
}

/** The joining side: verify the server against the token's CA hash, then ask to be added (retried while another server joins). */
export async function requestMembership(serverUrl: string, token: string, me: { name: string; peerUrl: string; clientUrl: string }, log: (line: string) => void): Promise<JoinAnswer> {
  const caPem = await fetchAndVerifyCa(serverUrl, token);
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(new URL(SERVER_JOIN_PATH, serverUrl), {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(me),
      tls: { ca: caPem },
      signal: AbortSignal.timeout(30_000),
    } as RequestInit);
    const body = (await res.json().catch(() => ({}))) as Partial<JoinAnswer> & { message?: string };
    if (res.ok && body.initialCluster && body.sealedSecrets) return body as JoinAnswer;
    if (res.status === 503 && attempt < 20) {
      log(`skiff server: ${body.message ?? "the server cannot add members now"}; retrying`);
      await Bun.sleep(2000);
      continue;
    }
    if (res.status === 401) throw new Error(`${serverUrl} refused the token (401): give the first server's token (DATA/server/token on it)`);
    throw new Error(`${serverUrl} did not add this server to its etcd cluster (${res.status}): ${body.message ?? "no reason given"}`);
  }
}
