// Job benchmark with hollow nodes (run: bun test/bench/jobs.ts [jobs] [nodes]).
// N one-pod Jobs created as an API client would (64 requests in flight), timed until every
// Job is Complete; the baseline, in the same process, is N bare run-to-completion pods timed
// until every one is Succeeded. Prints jobs/s, the ratio to the baseline and the CPU this
// process (API registry, store, scheduler, controllers, hollow nodes) spent per Job.
import { loadavg } from "node:os";
import { measure, openHollowBench } from "./lib/hollow-bench.ts";

const [jobCount = 10_000, nodeCount = 200] = process.argv.slice(2).map(Number);
const { store, registry, kind, close } = await openHollowBench(["pods", "jobs"], { count: nodeCount, capacity: { cpu: "64", memory: "256Gi", pods: "1000" } });
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
console.log(`${nodeCount} hollow nodes; load average at start: ${load()}`);

async function waitFor(check: () => boolean, what: string, progress: () => string, timeoutMs = 900_000) {
  const deadline = Date.now() + timeoutMs;
  let report = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what} (${progress()})`);
    if (Date.now() > report) {
      report = Date.now() + 10_000;
      console.log(`  … ${progress()}`);
    }
    await Bun.sleep(50);
  }
}

/** `count` creates, 64 in flight, so lease renewals and status writes are not starved. */
async function createAll(count: number, create: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < count) await create(next++);
  }));
}

const podSpec = { restartPolicy: "Never", containers: [{ name: "c", image: "localhost/bench:1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] };
// Finished objects counted from the change feed, so that polling costs the process nothing.
const succeededPods = new Set<string>();
const completeJobs = new Set<string>();
registry.subscribe((c) => {
  if (c.type === "DELETED") return;
  const o = c.object as { metadata: { name?: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };
  if (c.resource === "pods" && o.status?.phase === "Succeeded") succeededPods.add(o.metadata.name!);
  if (c.resource === "batch/jobs" && o.status?.conditions?.some((x) => x.type === "Complete" && x.status === "True")) completeJobs.add(o.metadata.name!);
});

// Baseline: bare pods that run to completion, until all are Succeeded.
const baseline = await measure(async () => {
  await createAll(jobCount, (i) => registry.create(kind("pods"), "pods", { metadata: { name: `p-${i}` }, spec: podSpec }));
  await waitFor(() => succeededPods.size >= jobCount, "bare pods Succeeded", () => `${succeededPods.size} Succeeded`);
});
console.log(`baseline: ${jobCount} bare pods Succeeded in ${baseline.s.toFixed(1)} s → ${(jobCount / baseline.s).toFixed(0)} pods/s, process CPU ${baseline.cpu.toFixed(1)} s (${((baseline.cpu / jobCount) * 1e6).toFixed(0)} µs per pod)`);

// Jobs: one pod each, until every Job has its Complete condition.
let created = 0;
const jobs = await measure(async () => {
  await createAll(jobCount, async (i) => {
    await registry.create(kind("jobs"), "jobs", { metadata: { name: `j-${i}` }, spec: { template: { spec: podSpec } } });
    created++;
  });
  await waitFor(() => completeJobs.size >= jobCount, "jobs Complete", () => `${created} created, ${store.count("pods")} pods, ${completeJobs.size} Complete`);
});
const jobsPerS = jobCount / jobs.s;
console.log(`jobs: ${jobCount} one-pod Jobs Complete in ${jobs.s.toFixed(1)} s → ${jobsPerS.toFixed(0)} jobs/s (${(jobsPerS / (jobCount / baseline.s)).toFixed(2)}× the bare-pod rate), process CPU ${jobs.cpu.toFixed(1)} s (${((jobs.cpu / jobCount) * 1e6).toFixed(0)} µs per Job, ${(jobs.cpu / baseline.cpu).toFixed(2)}× a bare pod)`);
console.log(`load average at end: ${load()}`);

await close();
process.exit(0);
