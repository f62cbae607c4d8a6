// Node-failure benchmark (a script, not part of the pass/fail suite), with real podman on
// the cluster defaults: a server (with its own agent) and a second agent share a network
// namespace made for the run. Each round spreads a Deployment of 4 over both nodes, kills
// the second agent with SIGKILL (and its containers, as a dead machine would), and measures
// the time until 4 pods are Running and Ready on the server's node (goal ≤ 20 s), and until
// the lost pods' objects are evicted. The round ends by bringing the agent back.
// Run: node_modules/.bin/bun test/bench/node-failure.ts [rounds]
import { execa } from "execa";
import { eventually, startCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { skiffCommand } from "../support/process.ts";

const rounds = Number(process.argv[2] ?? 4);
const NODE_B = "worker-b";
const c = await startCluster("nf");
type Pod = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { conditions?: { type: string; status: string }[] } };

const deployment = JSON.stringify({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "nf" },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: "nf" } },
    template: {
      metadata: { labels: { app: "nf" } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sleep", "3600"] }] },
    },
  },
});
const podsOf = async () => (JSON.parse(await c.k(["get", "pods", "-l", "app=nf", "-o", "json"])).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
const ready = (p: Pod) => !!p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True");
const secondsSince = (t: number) => (Date.now() - t) / 1000;

const replaced: number[] = [];
const evicted: number[] = [];
try {
  await c.startAgent(NODE_B, ["--flannel-backend", "none", "--disable-kube-proxy"]);
  for (let round = 1; round <= rounds; round++) {
    await eventually("two Ready nodes", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/g)?.length === 2 ? true : undefined), 120_000);
    await c.k(["apply", "-f", "-"], deployment);
    await c.k(["rollout", "status", "deployment/nf", "--timeout=120s"]);
    const onB = (await podsOf()).filter((p) => p.spec.nodeName === NODE_B).map((p) => p.metadata.name);
    if (!onB.length) throw new Error("no pod landed on the second node: the spread score did not spread");
    // Die at a random point of the 10 s lease cycle: detection takes 5–15 s depending on it.
    await Bun.sleep(Math.random() * 10_000);
    const b = c.agents.get(NODE_B)!;
    b.proc.proc.kill("SIGKILL");
    await b.proc.proc.exited;
    await execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), ...skiffCommand("source"), "killall", "--data-dir", b.dir], { reject: false });
    const killedAt = Date.now();
    await eventually("4 Ready pods off the dead node", async () => ((await podsOf()).filter((p) => p.spec.nodeName !== NODE_B && ready(p)).length === 4 ? true : undefined), 180_000, 250);
    replaced.push(secondsSince(killedAt));
    await eventually("lost pods evicted", async () => ((await podsOf()).some((p) => onB.includes(p.metadata.name)) ? undefined : true), 180_000, 500);
    evicted.push(secondsSince(killedAt));
    console.log(`round ${round}: ${onB.length} pods lost; Running elsewhere after ${replaced.at(-1)!.toFixed(1)} s, evicted after ${evicted.at(-1)!.toFixed(1)} s`);
    await c.k(["delete", "deployment", "nf", "--wait=true"]);
    await eventually("no pods left", async () => ((await podsOf()).length === 0 ? true : undefined), 120_000);
    await c.startAgent(NODE_B, ["--flannel-backend", "none", "--disable-kube-proxy"]);
  }
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} s`;
  console.log(`\nnode SIGKILL → pods Running elsewhere: ${range(replaced)} over ${rounds} rounds (goal ≤ 20 s; defaults: 15 s grace, lease renewed every 10 s)`);
  console.log(`node SIGKILL → lost pods evicted:      ${range(evicted)} (grace + the 30 s eviction delay)`);
} finally {
  await c.stop();
}
