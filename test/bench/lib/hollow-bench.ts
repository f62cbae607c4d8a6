// An in-process control plane over hollow nodes for benchmarks: a real SQLite store, the
// registry, scheduler and controllers, and `measure` for the wall and CPU time of a step.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allKinds } from "../../../src/api/kinds/index.ts";
import { Registry } from "../../../src/api/registry/registry.ts";
import { Store } from "../../../src/store/store.ts";
import { startControlPlaneLoops } from "../../../src/controllers/index.ts";
import { startHollowNodes, type HollowNodeOptions } from "../../../src/hollow/hollow-nodes.ts";

export async function openHollowBench(namespaces: string[], nodes: HollowNodeOptions) {
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-"));
  const store = await Store.open({ url: `file:${join(dir, "state.db")}` });
  const registry = new Registry(store, allKinds);
  const kind = (plural: string) => allKinds.find((k) => k.plural === plural)!;
  for (const name of ["default", "kube-system", "kube-node-lease", ...namespaces]) await registry.create(kind("namespaces"), "", { metadata: { name } });
  const loops = startControlPlaneLoops(registry, {});
  const hollow = await startHollowNodes(registry, nodes);
  return {
    store,
    registry,
    kind,
    loops,
    async close() {
      await hollow.stop();
      await loops.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wall time and this process's CPU time of `run`. */
export async function measure(run: () => Promise<void>): Promise<{ s: number; cpu: number }> {
  const t = performance.now();
  const c0 = process.cpuUsage();
  await run();
  const u = process.cpuUsage(c0);
  return { s: (performance.now() - t) / 1000, cpu: (u.user + u.system) / 1e6 };
}
