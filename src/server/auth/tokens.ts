// Join tokens besides the cluster secret: bootstrap-token Secrets in kube-system, in
// upstream's format (`<6-char id>.<16-char secret>`, with an optional expiration).
// `skiff token` creates and deletes them through the API; the server checks them here.
import type { Registry } from "../../api/registry/registry.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";

export const TOKEN_NAMESPACE = "kube-system";
const ID = /^[a-z0-9]{6}$/;
const SECRET = /^[a-z0-9]{16}$/;

export type BootstrapToken = { id: string; description?: string; expiration?: string };

function secretKind(registry: Registry) {
  return registry.kinds.find((k) => k.kind === "Secret")!;
}

const decode = (v: unknown) => (typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : undefined);

export function tokenOf(o: KubeObject): (BootstrapToken & { secret: string }) | undefined {
  const data = (o as { data?: Record<string, string> }).data ?? {};
  const id = decode(data["token-id"]);
  const secret = decode(data["token-secret"]);
  if (!id || !secret) return undefined;
  return { id, secret, description: decode(data.description), expiration: decode(data.expiration) };
}

/** Whether `<id>.<secret>` names a live, unexpired bootstrap token. */
export function checkBootstrapToken(registry: Registry, value: string, now = Date.now()): boolean {
  const [id, secret] = value.split(".");
  if (!id || !secret || !ID.test(id) || !SECRET.test(secret)) return false;
  const obj = registry.tryGet(secretKind(registry), TOKEN_NAMESPACE, `bootstrap-token-${id}`);
  if (!obj) return false;
  const t = tokenOf(obj);
  if (!t || t.secret !== secret) return false;
  return !t.expiration || Date.parse(t.expiration) > now;
}
