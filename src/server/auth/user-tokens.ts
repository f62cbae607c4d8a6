// Credentials of users other than the admin (made by `skiff kubeconfig create`): a bearer
// token whose sha256 is kept in a Secret of kube-system with the user's name and groups.
// The server never stores the token itself; deleting the Secret revokes it at once.
import type { Registry } from "../../api/registry/registry.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { UserInfo } from "../../api/http/types.ts";
import { TOKEN_NAMESPACE } from "./tokens.ts";

export const USER_TOKEN_TYPE = "skiff.io/user-token";
export const sha256Hex = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");

/** A new token and the Secret that lets the server recognise it (the token itself is not in it). */
export function newUserToken(user: string, groups: string[] = []): { token: string; secret: KubeObject } {
  const token = `skiff-user.${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
  const stringData = { user, groups: groups.join(","), "token-hash": sha256Hex(token) };
  const id = sha256Hex(token).slice(0, 10);
  return { token, secret: { metadata: { name: `user-token-${id}`, namespace: TOKEN_NAMESPACE, labels: { "skiff.io/user": labelValue(user) } }, type: USER_TOKEN_TYPE, stringData } as KubeObject };
}

/** A label value naming the user when it can (names like "jane@example.com" are cut to what labels allow). */
function labelValue(user: string): string {
  return user.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "user";
}

const field = (o: KubeObject, key: string) => {
  const v = (o as { data?: Record<string, string> }).data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
};

export class UserTokens {
  /** sha256(token) → user. */
  private readonly byHash = new Map<string, UserInfo>();
  private readonly hashOf = new Map<string, string>();

  constructor(registry: Registry) {
    const secrets = registry.kind("", "v1", "secrets")!;
    for (const o of registry.list(secrets, TOKEN_NAMESPACE, isUserToken).items) this.index(o);
    registry.subscribe((c) => {
      if (c.resource !== "secrets" || c.namespace !== TOKEN_NAMESPACE) return;
      this.unindex(c.name);
      if (c.type !== "DELETED" && isUserToken(c.object)) this.index(c.object);
    });
  }

  private index(o: KubeObject) {
    const hash = field(o, "token-hash");
    const name = field(o, "user");
    if (!hash || !name) return;
    const groups = (field(o, "groups") ?? "").split(",").filter(Boolean);
    this.byHash.set(hash, { name, groups: [...groups.filter((g) => g !== "system:authenticated" && g !== "system:masters"), "system:authenticated"] });
    this.hashOf.set(o.metadata.name!, hash);
  }

  private unindex(secretName: string) {
    const hash = this.hashOf.get(secretName);
    if (hash) this.byHash.delete(hash);
    this.hashOf.delete(secretName);
  }

  /** The user a bearer token belongs to, if any. */
  userOf(token: string): UserInfo | undefined {
    if (!token.startsWith("skiff-user.")) return undefined;
    return this.byHash.get(sha256Hex(token));
  }
}

function isUserToken(o: KubeObject): boolean {
  return (o as { type?: string }).type === USER_TOKEN_TYPE;
}
