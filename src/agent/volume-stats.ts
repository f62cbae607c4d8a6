// kubelet_volume_stats_* for the claims this node's pods mount: capacity and free space of
// the filesystem the volume's directory is on, and the bytes its files take (a walk of the
// directory, bounded, as the kubelet's du; read at most once a minute).
import { lstat, readdir, statfs } from "node:fs/promises";
import { join } from "node:path";
import { Gauge, type Registry } from "prom-client";

export type ClaimVolume = { namespace: string; claim: string; path: string };
type Reading = { namespace: string; claim: string; capacity: number; available: number; used: number };

/** Entries looked at per volume per reading: a huge tree is reported as far as it was walked. */
const MAX_ENTRIES = 100_000;

export class VolumeStats {
  private readonly used: Gauge<"namespace" | "persistentvolumeclaim">;
  private readonly capacity: Gauge<"namespace" | "persistentvolumeclaim">;
  private readonly available: Gauge<"namespace" | "persistentvolumeclaim">;

  constructor(registry: Registry) {
    const labelNames = ["namespace", "persistentvolumeclaim"] as const;
    this.used = new Gauge({ name: "kubelet_volume_stats_used_bytes", help: "Number of used bytes in the volume", labelNames, registers: [registry] });
    this.capacity = new Gauge({ name: "kubelet_volume_stats_capacity_bytes", help: "Capacity in bytes of the volume", labelNames, registers: [registry] });
    this.available = new Gauge({ name: "kubelet_volume_stats_available_bytes", help: "Number of available bytes in the volume", labelNames, registers: [registry] });
  }

  observe(readings: Reading[]): void {
    for (const g of [this.used, this.capacity, this.available]) g.reset();
    for (const r of readings) {
      const l = { namespace: r.namespace, persistentvolumeclaim: r.claim };
      this.used.set(l, r.used);
      this.capacity.set(l, r.capacity);
      this.available.set(l, r.available);
    }
  }

  /** Read every claim's figures (a claim whose directory cannot be read is left out). */
  async measure(claims: ClaimVolume[]): Promise<void> {
    const readings: Reading[] = [];
    for (const c of claims) {
      try {
        const fs = await statfs(c.path);
        readings.push({ namespace: c.namespace, claim: c.claim, capacity: fs.blocks * fs.bsize, available: fs.bavail * fs.bsize, used: await diskUsage(c.path) });
      } catch {
        // Gone or not yet made: no figures rather than wrong ones.
      }
    }
    this.observe(readings);
  }
}

/** Bytes of disk the tree takes (allocated blocks, as du counts them). */
async function diskUsage(root: string): Promise<number> {
  let bytes = 0;
  let seen = 0;
  const dirs = [root];
  while (dirs.length && seen < MAX_ENTRIES) {
    const dir = dirs.pop()!;
    const st = await lstat(dir);
    bytes += st.blocks * 512;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (++seen > MAX_ENTRIES) break;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) dirs.push(path);
      else bytes += await lstat(path).then((s) => s.blocks * 512, () => 0);
    }
  }
  return bytes;
}
