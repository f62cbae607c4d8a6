// Job and CronJob controllers on hollow nodes: the real registry, scheduler and garbage
// collector, pods that run to completion finishing at once (or failing with an exit code).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { startControlPlaneLoops, type ControlPlaneLoops } from "../../../src/controllers/index.ts";
import { startHollowNodes, HOLLOW_EXIT_CODE, type HollowNodes } from "../../../src/hollow/hollow-nodes.ts";
import { eventually, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let loops: ControlPlaneLoops;
let hollow: HollowNodes;

beforeEach(async () => {
  c = await testCluster();
  hollow = await startHollowNodes(c.registry, { count: 2, leaseRenewMs: 1000 });
  loops = startControlPlaneLoops(c.registry, { nodeMonitorGracePeriodMs: 5000, podEvictionTimeoutMs: 5000 });
});
afterEach(async () => {
  await hollow.stop();
  await loops.stop();
  await c.close();
});

const jobs = () => c.kind("jobs");
const podsOf = (job: string) => c.registry.list(c.kind("pods"), "default").items.filter((p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === job);
const job = (name: string, spec: object, annotations: Record<string, string> = {}) => ({
  metadata: { name },
  spec: { template: { metadata: { annotations }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "localhost/app:1" }] } }, ...spec },
});
const status = (name: string) => c.registry.get(jobs(), "default", name).status as any;
const conditionTypes = (name: string) => (status(name)?.conditions ?? []).filter((x: any) => x.status === "True").map((x: any) => x.type);

describe("Job controller (hollow)", () => {
  test("5 completions, parallelism 2: never more than 2 active, then Complete with completionTime", async () => {
    await c.registry.create(jobs(), "default", job("five", { completions: 5, parallelism: 2 }));
    let maxActive = 0;
    const off = c.registry.subscribe(() => (maxActive = Math.max(maxActive, status("five")?.active ?? 0)));
    await eventually(() => conditionTypes("five").includes("Complete"), "Complete", 20_000);
    off();
    const s = status("five");
    expect([s.succeeded, s.failed, s.active]).toEqual([5, undefined, undefined]);
    expect(conditionTypes("five")).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(Date.parse(s.completionTime)).toBeGreaterThanOrEqual(Date.parse(s.startTime));
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(podsOf("five").length).toBe(5);
  });

  test("a failing Job stops at backoffLimit with Failed/BackoffLimitExceeded, with the back-off between tries", async () => {
    await c.registry.create(jobs(), "default", job("fails", { backoffLimit: 1 }, { [HOLLOW_EXIT_CODE]: "3" }));
    await eventually(() => conditionTypes("fails").includes("Failed"), "Failed", 30_000);
    const s = status("fails");
    expect(s.failed).toBe(2);
    expect(s.conditions.find((x: any) => x.type === "Failed").reason).toBe("BackoffLimitExceeded");
    const created = podsOf("fails").map((p) => Date.parse(p.metadata.creationTimestamp!)).sort();
    expect(created.length).toBe(2);
    expect(created[1]! - created[0]!).toBeGreaterThanOrEqual(9_000); // the 10 s back-off (timestamps have second precision)
  }, 40_000);

  test("podFailurePolicy FailJob fails at the first matching exit code", async () => {
    const policy = { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [42] } }] };
    await c.registry.create(jobs(), "default", job("policy", { backoffLimit: 6, podFailurePolicy: policy }, { [HOLLOW_EXIT_CODE]: "42" }));
    await eventually(() => conditionTypes("policy").includes("Failed"), "Failed", 10_000);
    const failed = status("policy").conditions.find((x: any) => x.type === "Failed");
    expect(failed.reason).toBe("PodFailurePolicy");
    expect(failed.message).toMatch(/^Container c for pod default\/policy-\w+ failed with exit code 42 matching FailJob rule at index 0$/);
  });

  test("OnFailure: the Job fails once its running pod's restarts reach backoffLimit", async () => {
    // Bound to a node no hollow node plays, so the restarts are the ones this test reports.
    const spec = { backoffLimit: 2, template: { spec: { nodeName: "real-node", restartPolicy: "OnFailure", containers: [{ name: "c", image: "localhost/app:1" }] } } };
    await c.registry.create(jobs(), "default", { metadata: { name: "restarts" }, spec });
    await eventually(() => podsOf("restarts").length === 1, "the pod", 10_000);
    const restarted = async (restartCount: number) => {
      const pod = podsOf("restarts")[0]!;
      await c.registry.replace(c.kind("pods"), "default", pod.metadata.name!, (p) => ({ ...p!, status: { phase: "Running", containerStatuses: [{ name: "c", image: "localhost/app:1", imageID: "", ready: false, restartCount, state: { waiting: { reason: "CrashLoopBackOff" } } }] } }), {}, "status");
    };
    await restarted(1);
    await Bun.sleep(500);
    expect(conditionTypes("restarts")).toEqual([]);
    await restarted(2);
    await eventually(() => conditionTypes("restarts").includes("Failed"), "Failed", 10_000);
    expect(status("restarts").conditions.find((x: any) => x.type === "Failed").reason).toBe("BackoffLimitExceeded");
  });

  test("Indexed: one pod per index with JOB_COMPLETION_INDEX, completedIndexes as intervals", async () => {
    await c.registry.create(jobs(), "default", job("idx", { completions: 3, parallelism: 3, completionMode: "Indexed" }));
    await eventually(() => conditionTypes("idx").includes("Complete"), "Complete", 10_000);
    expect(status("idx").completedIndexes).toBe("0-2");
    const env = podsOf("idx").map((p) => (p.spec as any).containers[0].env.find((e: any) => e.name === "JOB_COMPLETION_INDEX").value).sort();
    expect(env).toEqual(["0", "1", "2"]);
  });

  test("suspend creates no pods; resuming runs the Job", async () => {
    await c.registry.create(jobs(), "default", job("later", { suspend: true }));
    await eventually(() => conditionTypes("later").includes("Suspended"), "Suspended");
    expect(podsOf("later").length).toBe(0);
    await c.registry.replace(jobs(), "default", "later", (j) => ({ ...j!, spec: { ...(j!.spec as object), suspend: false } }));
    await eventually(() => conditionTypes("later").includes("Complete"), "Complete", 10_000);
  });

  test("deleting a Job in the foreground removes its pods first; orphan keeps them", async () => {
    await c.registry.create(jobs(), "default", job("fg", { completions: 2, parallelism: 2 }));
    await c.registry.create(jobs(), "default", job("orphan", {}));
    await eventually(() => conditionTypes("fg").includes("Complete") && conditionTypes("orphan").includes("Complete"), "both Complete", 10_000);
    await c.registry.delete(jobs(), "default", "fg", { propagationPolicy: "Foreground" });
    await c.registry.delete(jobs(), "default", "orphan", { propagationPolicy: "Orphan" });
    await eventually(() => !c.registry.tryGet(jobs(), "default", "fg") && podsOf("fg").length === 0, "fg and its pods gone", 10_000);
    await eventually(() => !c.registry.tryGet(jobs(), "default", "orphan"), "orphan job gone", 10_000);
    expect(podsOf("orphan").length).toBe(1);
    expect(podsOf("orphan")[0]!.metadata.ownerReferences ?? []).toEqual([]);
  });

  test("ttlSecondsAfterFinished deletes the finished Job and its pods", async () => {
    await c.registry.create(jobs(), "default", job("ttl", { ttlSecondsAfterFinished: 1 }));
    await eventually(() => !c.registry.tryGet(jobs(), "default", "ttl") && podsOf("ttl").length === 0, "ttl job gone", 15_000);
  });
});

describe("CronJob controller (hollow)", () => {
  test("after downtime only the latest missed time runs, once; history limits keep the newest", async () => {
    const cronJobs = c.kind("cronjobs");
    await c.registry.create(cronJobs, "default", {
      metadata: { name: "tick" },
      spec: { schedule: "* * * * *", successfulJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "localhost/app:1" }] } } } } },
    });
    // As if the server had been down for 10 minutes after a run.
    const past = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await c.registry.replace(cronJobs, "default", "tick", (cj) => ({ ...cj!, status: { lastScheduleTime: past } }), {}, "status");
    await eventually(() => c.registry.list(jobs(), "default").items.some((j) => (j.status as any)?.conditions?.some((x: any) => x.type === "Complete")), "the catch-up Job completes", 10_000);
    await Bun.sleep(1000);
    const made = c.registry.list(jobs(), "default").items;
    expect(made.length).toBe(1);
    const minute = Math.floor(Date.now() / 60_000);
    expect(Number(made[0]!.metadata.name!.split("-").pop())).toBeGreaterThanOrEqual(minute - 1);
    const st = c.registry.get(cronJobs, "default", "tick").status as any;
    expect(Date.parse(st.lastScheduleTime)).toBeGreaterThan(Date.parse(past));
    expect(st.lastSuccessfulTime).toBeDefined();
  });
});
