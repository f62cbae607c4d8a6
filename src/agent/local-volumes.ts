// The agent's view of claims and volumes: the PersistentVolumeClaims and PersistentVolumes
// its pods mount (kept by list + watch, and saved under the data dir so pods keep their
// volumes when the agent restarts without the server), and the local-path directories of
// this node: made when their volume is provisioned here, removed when it is deleted.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { KubeObject } from "../api/kinds/kind.ts";
import type { ApiClient, ResourceRef } from "../client/api-client.ts";
import { coalesce, ResourceMirror } from "./network/resource-mirror.ts";
import { ensureDirectory } from "./claim-volumes.ts";
import { LOCAL_PATH_CLEANUP_FINALIZER, localPathVolumeOn, podClaimNames } from "../controllers/storage/volume-matching.ts";
import type { ClaimVolume } from "./volume-stats.ts";

const CLAIMS: ResourceRef = { group: "", version: "v1", plural: "persistentvolumeclaims", namespaced: true };
const VOLUMES: ResourceRef = { group: "", version: "v1", plural: "persistentvolumes", namespaced: false };

type Saved = { claims: KubeObject[]; volumes: KubeObject[] };

export class LocalVolumes {
  private readonly claims: ResourceMirror;
  private readonly volumes: ResourceMirror;
  private saved = new Map<string, KubeObject>();
  private readonly statePath: string;
  private readonly save: () => void;
  private readonly cleaning = new Set<string>();

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    agentDir: string,
    private readonly log: (line: string) => void,
    /** A claim or volume changed: pods waiting to mount one may go on. */
    private readonly onChange: () => void = () => {},
  ) {
    this.statePath = join(agentDir, "volumes-state.json");
    try {
      if (existsSync(this.statePath)) {
        const state = JSON.parse(readFileSync(this.statePath, "utf8")) as Saved;
        for (const c of state.claims) this.saved.set(`persistentvolumeclaims/${c.metadata.namespace}/${c.metadata.name}`, c);
        for (const v of state.volumes) this.saved.set(`persistentvolumes//${v.metadata.name}`, v);
      }
    } catch {
      // A torn file only costs the offline copy; the server has the truth.
    }
    this.save = coalesce(async () => this.writeState(), 200, () => {});
    this.claims = new ResourceMirror(client, CLAIMS, () => {
      this.save();
      this.onChange();
    });
    this.volumes = new ResourceMirror(client, VOLUMES, () => {
      this.save();
      this.tendDirectories();
      this.onChange();
    });
  }

  start(): void {
    this.claims.start();
    this.volumes.start();
  }

  stop(): void {
    this.claims.stop();
    this.volumes.stop();
    if (this.claims.synced && this.volumes.synced) this.writeState();
  }

  /** A claim ("persistentvolumeclaims", ns, name) or a volume ("persistentvolumes", "", name). */
  object(plural: "persistentvolumeclaims" | "persistentvolumes", namespace: string, name: string): KubeObject | undefined {
    const mirror = plural === "persistentvolumeclaims" ? this.claims : this.volumes;
    if (mirror.synced) return mirror.items.get(`${namespace}/${name}`);
    return this.saved.get(`${plural}/${namespace}/${name}`);
  }

  /** The claims the pods mount, with their directories on this node (for volume stats). */
  inUse(pods: Iterable<KubeObject>): ClaimVolume[] {
    const out = new Map<string, ClaimVolume>();
    for (const pod of pods) {
      const namespace = pod.metadata.namespace!;
      for (const claim of podClaimNames(pod)) {
        const volumeName = (this.object("persistentvolumeclaims", namespace, claim)?.spec as { volumeName?: string } | undefined)?.volumeName;
        const spec = (volumeName ? this.object("persistentvolumes", "", volumeName)?.spec : undefined) as { hostPath?: { path?: string }; local?: { path?: string } } | undefined;
        const path = spec?.hostPath?.path ?? spec?.local?.path;
        if (path) out.set(`${namespace}/${claim}`, { namespace, claim, path });
      }
    }
    return [...out.values()];
  }

  /** Volumes provisioned on this node: their path is a directory under the storage path named after them. */
  private mine(pv: KubeObject): string | undefined {
    if (!localPathVolumeOn(pv, this.nodeName)) return undefined;
    const path = (pv.spec as { hostPath?: { path?: string } } | undefined)?.hostPath?.path;
    // Only ever a directory named after the volume: never remove anything else.
    return path && path.startsWith("/") && basename(path) === pv.metadata.name ? path : undefined;
  }

  private tendDirectories() {
    for (const pv of this.volumes.list()) {
      const path = this.mine(pv);
      if (!path) continue;
      if (!pv.metadata.deletionTimestamp) {
        try {
          ensureDirectory(path);
        } catch (e) {
          this.log(`skiff agent: cannot make ${path} for ${pv.metadata.name}: ${(e as Error).message}`);
        }
      } else if (pv.metadata.finalizers?.length === 1 && pv.metadata.finalizers[0] === LOCAL_PATH_CLEANUP_FINALIZER) {
        // Only once nothing else holds the volume (pv-protection lets go when its claim is gone).
        void this.cleanUp(pv, path);
      }
    }
  }

  /** Reclaim Delete: the directory goes, then the volume object may. */
  private async cleanUp(pv: KubeObject, path: string) {
    const name = pv.metadata.name!;
    if (this.cleaning.has(name)) return;
    this.cleaning.add(name);
    try {
      rmSync(path, { recursive: true, force: true });
      const finalizers = (pv.metadata.finalizers ?? []).filter((f) => f !== LOCAL_PATH_CLEANUP_FINALIZER);
      await this.client.patch(VOLUMES, undefined, name, { metadata: { finalizers, resourceVersion: pv.metadata.resourceVersion } });
    } catch (e) {
      // A conflict or a lost connection: the next change of the volume tries again.
      if ((e as { code?: number }).code !== 404 && (e as { code?: number }).code !== 409) this.log(`skiff agent: removing volume ${name}: ${(e as Error).message}`);
    } finally {
      this.cleaning.delete(name);
    }
  }

  private writeState() {
    // Half a picture would drop the saved copy of the other half.
    if (!this.claims.synced || !this.volumes.synced) return;
    const state: Saved = { claims: this.claims.list(), volumes: this.volumes.list() };
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, this.statePath);
  }
}
