// Helm's Secret storage driver: one Secret per revision, named sh.helm.release.v1.<name>.v<rev>,
// type helm.sh/release.v1, labelled name/owner/status/version (+createdAt, modifiedAt),
// data.release = base64(gzip(JSON)).
import type { ApiClient } from "../../client/api-client.ts";
import { ApiRequestError, resources } from "../../client/api-client.ts";
import { decodeRelease, encodeRelease } from "./release-codec.ts";
import { ReleaseNotFoundError } from "./release-errors.ts";
import { releaseKey, type ReleaseStore } from "./release-store.ts";
import type { Release } from "./release-types.ts";

export const RELEASE_SECRET_TYPE = "helm.sh/release.v1";

type SecretObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  type?: string;
  data?: Record<string, string>;
};

const unixNow = () => String(Math.floor(Date.now() / 1000));

/** The Secret that stores one revision; `labels` carries createdAt/modifiedAt. */
export function releaseSecret(rel: Release, extraLabels: Record<string, string> = {}): SecretObject {
  // The API carries Secret data base64-encoded, on top of Helm's own base64.
  const stored = Buffer.from(encodeRelease(rel), "utf8").toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: releaseKey(rel.name, rel.version),
      namespace: rel.namespace,
      labels: { ...extraLabels, name: rel.name, owner: "helm", status: rel.info.status ?? "unknown", version: String(rel.version) },
    },
    type: RELEASE_SECRET_TYPE,
    data: { release: stored },
  };
}

export function releaseFromSecret(s: SecretObject): Release {
  const b64 = s.data?.release;
  if (!b64) throw new Error(`secret ${s.metadata.name} has no release data`);
  const rel = decodeRelease(Buffer.from(b64, "base64").toString("utf8"));
  // Helm trusts the Secret's namespace over the record's.
  if (s.metadata.namespace) rel.namespace = s.metadata.namespace;
  return rel;
}

export class SecretReleaseStore implements ReleaseStore {
  constructor(private readonly client: ApiClient) {}

  async create(rel: Release) {
    await this.client.create(resources.secrets, rel.namespace, releaseSecret(rel, { createdAt: unixNow() }));
  }

  async update(rel: Release) {
    let created: string | undefined;
    try {
      const old = await this.client.get<SecretObject>(resources.secrets, rel.namespace, releaseKey(rel.name, rel.version));
      created = old.metadata.labels?.createdAt;
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 404) throw new ReleaseNotFoundError();
      throw e;
    }
    const labels: Record<string, string> = { modifiedAt: unixNow() };
    if (created) labels.createdAt = created;
    await this.client.update(resources.secrets, rel.namespace, releaseKey(rel.name, rel.version), releaseSecret(rel, labels));
  }

  async delete(namespace: string, name: string, version: number) {
    try {
      await this.client.delete(resources.secrets, namespace, releaseKey(name, version));
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 404) throw new ReleaseNotFoundError();
      throw e;
    }
  }

  async history(namespace: string, name: string) {
    return (await this.query(namespace, `owner=helm,name=${name}`)).sort((a, b) => a.version - b.version);
  }

  async list(namespace?: string) {
    return this.query(namespace, "owner=helm");
  }

  private async query(namespace: string | undefined, labelSelector: string): Promise<Release[]> {
    const { items } = await this.client.list<SecretObject>(resources.secrets, namespace, { labelSelector });
    const out: Release[] = [];
    for (const s of items) {
      if (s.type !== undefined && s.type !== RELEASE_SECRET_TYPE) continue;
      try {
        out.push(releaseFromSecret(s));
      } catch {
        // A damaged record is skipped, as helm's list does.
      }
    }
    return out;
  }
}
