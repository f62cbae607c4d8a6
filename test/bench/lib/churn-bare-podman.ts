// Bare podman as the floor under skiff's churn figures: the same pods made, replaced and
// removed with plain podman commands, all at once (what any orchestrator on podman must at
// least spend), with the skiff agent's podman configuration, network and images.
import { barePodman } from "./agent-bare-podman.ts";
import { TEST_IMAGE_1, TEST_IMAGE_2 } from "../../support/images.ts";
import { CHURN_COMMAND, ROLL_BATCH, type ChurnStack, type OpResult } from "./churn-workload.ts";

export function bareChurn(opts: { dataDir: string; network: string }): ChurnStack {
  const bare = barePodman({ dataDir: opts.dataDir, netnsPrefix: [], network: opts.network, image: TEST_IMAGE_1 });
  let live: string[] = [];
  let generation = 0;
  const start = async (name: string, image: string) => {
    await bare.run(["pod", "create", "--name", name, "--network", opts.network]);
    await bare.run(["run", "-d", "--pod", name, "--name", `${name}-main`, "--pull", "never", image, ...CHURN_COMMAND]);
  };
  // One call per pod, as `podman pod rm --time` stops its containers (SIGTERM, up to 30 s) then removes them.
  const remove = (name: string) => bare.run(["pod", "rm", "--force", "--time", "30", name]);
  const names = (n: number) => Array.from({ length: n }, (_, i) => `churn-bare-${generation}-${String(i).padStart(2, "0")}`);
  const timed = async (act: () => Promise<unknown>): Promise<OpResult> => {
    const t0 = performance.now();
    await act();
    return { ms: performance.now() - t0 };
  };
  return {
    name: "bare podman",
    deploy(n) {
      generation++;
      const list = names(n);
      return timed(async () => {
        await Promise.all(list.map((p) => start(p, TEST_IMAGE_1)));
        live = list;
      });
    },
    roll() {
      generation++;
      const old = live;
      const fresh = names(old.length);
      return timed(async () => {
        // Start-first in batches, as the orchestrators are set up to do.
        for (let i = 0; i < fresh.length; i += ROLL_BATCH) {
          await Promise.all(fresh.slice(i, i + ROLL_BATCH).map((p) => start(p, TEST_IMAGE_2)));
          await Promise.all(old.slice(i, i + ROLL_BATCH).map(remove));
        }
        live = fresh;
      });
    },
    stop() {
      const old = live;
      return timed(async () => {
        await Promise.all(old.map(remove));
        live = [];
      });
    },
    async reset() {
      await bare.removeAll("churn-bare");
      live = [];
    },
    pids: () => [],
    async close() {
      await bare.removeAll("churn-bare").catch(() => {});
    },
  };
}
