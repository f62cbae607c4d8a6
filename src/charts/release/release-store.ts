// Where release records live. The Secret driver is the real one; the in-memory store
// keeps the lifecycle logic testable without a server.
import { ReleaseNotFoundError } from "./release-errors.ts";
import type { Release } from "./release-types.ts";

export interface ReleaseStore {
  create(rel: Release): Promise<void>;
  update(rel: Release): Promise<void>;
  delete(namespace: string, name: string, version: number): Promise<void>;
  /** All revisions of one release, ascending by version. */
  history(namespace: string, name: string): Promise<Release[]>;
  /** Every revision of every release in a namespace (all namespaces when undefined). */
  list(namespace?: string): Promise<Release[]>;
}

export const releaseKey = (name: string, version: number) => `sh.helm.release.v1.${name}.v${version}`;

/** The newest revision, or a "release: not found" error. */
export async function lastRelease(store: ReleaseStore, namespace: string, name: string): Promise<Release> {
  const h = await store.history(namespace, name);
  if (h.length === 0) throw new ReleaseNotFoundError();
  return h[h.length - 1]!;
}

export class MemoryReleaseStore implements ReleaseStore {
  readonly records = new Map<string, Release>();

  private key(ns: string, name: string, v: number) { return `${ns}/${releaseKey(name, v)}`; }

  async create(rel: Release) {
    const k = this.key(rel.namespace, rel.name, rel.version);
    if (this.records.has(k)) throw new Error(`create: failed to create: secrets "${releaseKey(rel.name, rel.version)}" already exists`);
    this.records.set(k, structuredClone(rel));
  }

  async update(rel: Release) {
    const k = this.key(rel.namespace, rel.name, rel.version);
    if (!this.records.has(k)) throw new ReleaseNotFoundError();
    this.records.set(k, structuredClone(rel));
  }

  async delete(ns: string, name: string, v: number) {
    if (!this.records.delete(this.key(ns, name, v))) throw new ReleaseNotFoundError();
  }

  async history(ns: string, name: string) {
    return (await this.list(ns)).filter((r) => r.name === name).sort((a, b) => a.version - b.version);
  }

  async list(ns?: string) {
    return [...this.records.values()].filter((r) => ns === undefined || r.namespace === ns).map((r) => structuredClone(r));
  }
}
