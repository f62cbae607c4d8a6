// Node credentials, after k3s's node passwords: the first agent to claim a node name
// sets its password; a later claim of the name with another password is refused. Each
// successful join issues the node a bearer token of its own; the server keeps only hashes.
import type { Registry } from "../../api/registry/registry.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { forbidden } from "../../api/errors.ts";
import { TOKEN_NAMESPACE } from "./tokens.ts";

const SECRET_TYPE = "skiff.io/node-password";
const sha256 = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");
const secretName = (node: string) => `${node}.node-password.skiff`;

export class NodeCredentials {
  /** sha256(token) → node name. */
  private readonly byTokenHash = new Map<string, string>();

  constructor(private readonly registry: Registry) {
    const secrets = registry.kinds.find((k) => k.kind === "Secret")!;
    for (const o of registry.list(secrets, TOKEN_NAMESPACE, isNodeSecret).items) this.index(o);
    registry.subscribe((c) => {
      // A deleted Node must join again, possibly with a new password (k3s does the same).
      if (c.resource === "nodes" && c.type === "DELETED") void this.forget(c.name).catch(() => {});
      if (c.resource !== "secrets" || c.namespace !== TOKEN_NAMESPACE || !isNodeSecret(c.object)) return;
      if (c.previous) this.unindex(c.previous);
      if (c.type === "DELETED") this.unindex(c.object);
      else this.index(c.object);
    });
  }

  private index(o: KubeObject) {
    const node = field(o, "node");
    for (const h of (field(o, "token-hashes") ?? "").split(",").filter(Boolean)) if (node) this.byTokenHash.set(h, node);
  }

  private unindex(o: KubeObject) {
    for (const h of (field(o, "token-hashes") ?? "").split(",").filter(Boolean)) this.byTokenHash.delete(h);
  }

  /** The node a bearer token belongs to, if any. */
  nodeOf(token: string): string | undefined {
    return this.byTokenHash.get(sha256(token));
  }

  /** The secret the API server presents to this node's agent port (for logs and exec). */
  proxyTokenOf(nodeName: string): string | undefined {
    const secrets = this.registry.kinds.find((k) => k.kind === "Secret")!;
    const o = this.registry.tryGet(secrets, TOKEN_NAMESPACE, secretName(nodeName));
    return o ? field(o, "proxy-token") : undefined;
  }

  /** Admit a node by name and password; returns a fresh node token and the node's proxy token. */
  async join(nodeName: string, password: string): Promise<{ token: string; proxyToken: string }> {
    const secrets = this.registry.kinds.find((k) => k.kind === "Secret")!;
    const token = `skiff-node.${nodeName}.${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex")}`;
    const existing = this.registry.tryGet(secrets, TOKEN_NAMESPACE, secretName(nodeName));
    if (existing && field(existing, "hash") !== sha256(password)) {
      throw forbidden(`node "${nodeName}" is already registered with another password: remove the node (kubectl delete node ${nodeName}) or use its original data dir`);
    }
    // Keep a few previous tokens valid so that an agent that restarts mid-join is not locked out.
    const previous = existing ? (field(existing, "token-hashes") ?? "").split(",").filter(Boolean).slice(-2) : [];
    const proxyToken = (existing && field(existing, "proxy-token")) || Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex");
    const data = { node: nodeName, hash: sha256(password), "token-hashes": [...previous, sha256(token)].join(","), "proxy-token": proxyToken };
    const body = { metadata: { name: secretName(nodeName), namespace: TOKEN_NAMESPACE }, type: SECRET_TYPE, data: b64(data) };
    if (existing) await this.registry.replace(secrets, TOKEN_NAMESPACE, secretName(nodeName), (cur) => ({ ...cur!, data: body.data }));
    else await this.registry.create(secrets, TOKEN_NAMESPACE, body);
    return { token, proxyToken };
  }

  /** Forget a node's password and tokens (when its Node object is deleted). */
  async forget(nodeName: string): Promise<void> {
    const secrets = this.registry.kinds.find((k) => k.kind === "Secret")!;
    if (this.registry.tryGet(secrets, TOKEN_NAMESPACE, secretName(nodeName))) await this.registry.delete(secrets, TOKEN_NAMESPACE, secretName(nodeName));
  }
}

function isNodeSecret(o: KubeObject): boolean {
  return (o as { type?: string }).type === SECRET_TYPE;
}

function field(o: KubeObject, key: string): string | undefined {
  const v = (o as { data?: Record<string, string> }).data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

function b64(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
}
