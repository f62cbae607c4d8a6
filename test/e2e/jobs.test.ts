// Jobs and CronJobs end to end with real kubectl and real podman on two nodes: a Job of 5
// completions with parallelism 2 completes and `kubectl wait` returns; a failing Job stops at
// its backoffLimit with Failed; Indexed pods see JOB_COMPLETION_INDEX; a succeeded pod deleted
// by hand stays counted; a CronJob every minute runs twice and keeps its history limit, and
// Forbid and Replace CronJobs meet a still-running Job at their second time; all of them
// cascade-delete. The CronJob is created first and its two runs are awaited last, so the
// Job tests run while it waits for the minute to turn.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

// Real processes and containers, and a schedule that fires once a minute.
setDefaultTimeout(300_000);

let c: TestCluster;
// The agent shares the test's network namespace with the server: its overlay and proxy do.
const AGENT_FLAGS = ["--flannel-backend", "none", "--disable-kube-proxy"];

beforeAll(async () => {
  c = await startCluster("jobs");
  await c.startAgent("jobs-b", AGENT_FLAGS);
  await eventually("two Ready nodes", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/g)?.length === 2 ? true : undefined));
}, 300_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

type Obj = { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] }; status?: Record<string, any> };
const job = (name: string, spec: object, command: string, restartPolicy = "Never") =>
  JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sh", "-c", command] }] } } },
  });
const slowCronJob = (name: string, concurrencyPolicy: string) =>
  JSON.stringify({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name },
    spec: { schedule: "* * * * *", concurrencyPolicy, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sleep", "90"] }] } } } } },
  });
const getJson = async (...args: string[]) => JSON.parse(await c.k(["get", ...args, "-o", "json"]));
const podsOf = async (jobName: string) => (await getJson("pods", "-l", `job-name=${jobName}`)).items as (Obj & { spec: { nodeName: string } })[];
const ownedBy = (o: Obj, kind: string, name: string) => (o.metadata.ownerReferences ?? []).some((r) => r.kind === kind && r.name === name);

describe("jobs", () => {
  test("CronJobs every minute are created, and a Job made from one by hand", async () => {
    await c.k(["create", "cronjob", "tick", `--image=${TEST_IMAGE_1}`, "--schedule=*/1 * * * *", "--", "sh", "-c", "echo tick"]);
    // Jobs that outlast a minute, to see the concurrency policies at the next schedule time.
    await Promise.all([c.k(["apply", "-f", "-"], slowCronJob("forbid", "Forbid")), c.k(["apply", "-f", "-"], slowCronJob("replace", "Replace"))]);
    await c.k(["patch", "cronjob", "tick", "--type=merge", "-p", '{"spec":{"successfulJobsHistoryLimit":1}}']);
    expect(await c.k(["get", "cronjobs", "tick"])).toMatch(/NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d\s+(<none>|\d+s)\s+\d+s\n/);
    expect(await c.k(["create", "job", "tick-by-hand", "--from=cronjob/tick"])).toContain("job.batch/tick-by-hand created");
    expect(await c.k(["wait", "--for=condition=complete", "job/tick-by-hand", "--timeout=120s"])).toContain("condition met");
    expect((await c.k(["logs", "job/tick-by-hand"])).trim()).toBe("tick");
  });

  test("5 completions with parallelism 2: never more than 2 active, kubectl wait returns", async () => {
    await c.k(["apply", "-f", "-"], job("five", { completions: 5, parallelism: 2 }, "echo done; sleep 2"));
    let maxActive = 0;
    let waiting = true;
    const watchActive = (async () => {
      while (waiting) {
        maxActive = Math.max(maxActive, (await getJson("job", "five")).status?.active ?? 0);
        await Bun.sleep(300);
      }
    })();
    const waited = await c.kr(["wait", "--for=condition=complete", "job/five", "--timeout=180s"]);
    waiting = false;
    await watchActive;
    expect(waited.stdout).toContain("job.batch/five condition met");
    expect(maxActive).toBe(2);
    expect(await c.k(["get", "job", "five"])).toMatch(/NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nfive\s+Complete\s+5\/5\s+\d+s\s+\d+s\n/);
    const pods = await podsOf("five");
    expect(pods.map((p) => p.status?.phase)).toEqual(Array(5).fill("Succeeded"));
    expect(pods.map((p) => p.status?.containerStatuses[0].state.terminated.exitCode)).toEqual([0, 0, 0, 0, 0]);
    const described = await c.k(["describe", "job", "five"]);
    expect(described).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 5 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Normal\s+Completed\s+.*job-controller\s+Job completed/);
    expect((await c.k(["logs", "job/five"])).trim()).toBe("done");
  });

  test("a failing Job stops at its backoffLimit with Failed", async () => {
    await c.k(["apply", "-f", "-"], job("fails", { backoffLimit: 1 }, "echo failing; exit 3"));
    expect(await c.k(["wait", "--for=condition=failed", "job/fails", "--timeout=120s"])).toContain("condition met");
    const status = (await getJson("job", "fails")).status!;
    expect(status.failed).toBe(2);
    expect(status.succeeded).toBeUndefined();
    expect(status.conditions.find((x: { type: string }) => x.type === "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(await c.k(["get", "job", "fails"])).toMatch(/fails\s+Failed\s+0\/1\s+/);
    const pods = await podsOf("fails");
    expect(pods.map((p) => [p.status?.phase, p.status?.containerStatuses[0].state.terminated.exitCode])).toEqual([["Failed", 3], ["Failed", 3]]);
    expect(await c.k(["get", "pods", "-l", "job-name=fails"])).toMatch(/fails-\w+\s+0\/1\s+Error\s+0\s+/);
    expect(await c.k(["describe", "job", "fails"])).toMatch(/Warning\s+BackoffLimitExceeded\s+.*Job has reached the specified backoff limit/);
  });

  test("Indexed: each pod sees its JOB_COMPLETION_INDEX", async () => {
    await c.k(["apply", "-f", "-"], job("indexed", { completions: 3, parallelism: 3, completionMode: "Indexed" }, 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"'));
    await c.k(["wait", "--for=condition=complete", "job/indexed", "--timeout=120s"]);
    const logs = (await c.k(["logs", "-l", "job-name=indexed"])).trim().split("\n").sort();
    expect(logs).toEqual(["index=0 host=indexed-0", "index=1 host=indexed-1", "index=2 host=indexed-2"]);
    expect(await c.k(["describe", "job", "indexed"])).toMatch(/Completed Indexes:\s+0-2\n/);
    expect((await getJson("job", "indexed")).status.completedIndexes).toBe("0-2");
  });

  test("Indexed: a succeeded pod deleted by hand stays counted, its index does not run again", async () => {
    await c.k(["apply", "-f", "-"], job("counted", { completions: 2, parallelism: 1, completionMode: "Indexed" }, "sleep 2"));
    await eventually("index 0 complete", async () => ((await getJson("job", "counted")).status?.completedIndexes === "0" ? true : undefined), 120_000, 200);
    const done = (await podsOf("counted")).filter((p) => p.status?.phase === "Succeeded");
    expect(done.map((p) => p.metadata.name)).toEqual([expect.stringMatching(/^counted-0-/)]);
    await c.k(["delete", "pod", done[0]!.metadata.name]);
    await c.k(["wait", "--for=condition=complete", "job/counted", "--timeout=120s"]);
    const status = (await getJson("job", "counted")).status;
    expect([status.succeeded, status.completedIndexes]).toEqual([2, "0-1"]);
    expect((await podsOf("counted")).map((p) => p.metadata.name)).toEqual([expect.stringMatching(/^counted-1-/)]);
  });

  test("deleting Jobs removes their pods", async () => {
    await c.k(["delete", "job", "five", "fails", "indexed", "counted"]);
    for (const name of ["five", "fails", "indexed", "counted"]) await eventually(`pods of ${name} gone`, async () => ((await podsOf(name)).length === 0 ? true : undefined), 60_000);
  });

  test("the CronJob runs twice, keeps one successful Job, and its deletion removes Jobs and pods", async () => {
    const seen = new Set<string>();
    const scheduled = (name: string) => /^tick-\d+$/.test(name);
    const owned = async () => ((await getJson("jobs")).items as Obj[]).filter((j) => ownedBy(j, "CronJob", "tick"));
    const last = await eventually("two scheduled runs, the older one pruned", async () => {
      const jobs = await owned();
      for (const j of jobs) if (scheduled(j.metadata.name)) seen.add(j.metadata.name);
      const complete = jobs.filter((j) => j.status?.conditions?.some((x: { type: string }) => x.type === "Complete"));
      return seen.size >= 2 && jobs.length === 1 && complete.length === 1 ? jobs[0]! : undefined;
    }, 200_000, 1000);
    // The newest scheduled run is the one kept; the first run and the hand-made Job went.
    expect(last.metadata.name).toBe([...seen].sort().at(-1)!);
    const cj = (await getJson("cronjob", "tick")).status;
    expect(cj.active).toBeUndefined();
    expect(Date.parse(cj.lastSuccessfulTime)).toBeGreaterThanOrEqual(Date.parse(cj.lastScheduleTime));
    expect(await c.k(["get", "cronjob", "tick"])).toMatch(/tick\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+\d+s\s+\d+[sm]\S*\n/);
    const described = await c.k(["describe", "cronjob", "tick"]);
    expect(described).toMatch(/Successful Job History Limit:\s+1\n/);
    expect(described).toMatch(/Normal\s+SuccessfulDelete\s+.*cronjob-controller\s+Deleted job tick-by-hand/);
    expect((await c.k(["logs", `job/${last.metadata.name}`])).trim()).toBe("tick");

    await c.k(["delete", "cronjob", "tick"]);
    await eventually("the CronJob's Jobs gone", async () => ((await owned()).length === 0 ? true : undefined), 60_000);
    await eventually("their pods gone", async () => ((await podsOf(last.metadata.name)).length === 0 ? true : undefined), 60_000);
  });

  test("at the second schedule time Forbid skips while its Job runs, Replace replaces it", async () => {
    const jobsOf = async (cronJob: string) => ((await getJson("jobs")).items as Obj[]).filter((j) => ownedBy(j, "CronJob", cronJob));
    // Replace: the first run (still sleeping) deleted, the second one running in its place.
    const replaced = await eventually("replace's second run alone", async () => {
      const jobs = await jobsOf("replace");
      return jobs.length === 1 && (await c.k(["describe", "cronjob", "replace"])).match(/Deleted job (replace-\d+)/) ? jobs[0]! : undefined;
    }, 60_000);
    const replacedDescription = await c.k(["describe", "cronjob", "replace"]);
    const firstReplace = replacedDescription.match(/Deleted job (replace-\d+)/)![1]!;
    expect(Number(replaced.metadata.name.split("-")[1])).toBeGreaterThan(Number(firstReplace.split("-")[1]));
    // Forbid: no second Job while the first runs; a later one starts only after it finished.
    await eventually("forbid refusing to start", async () => ((await c.k(["describe", "cronjob", "forbid"])).includes("Not starting job because prior execution is running and concurrency policy is Forbid") ? true : undefined), 60_000);
    const forbidJobs = (await jobsOf("forbid")).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const [first, ...later] = forbidJobs as (Obj & { metadata: { creationTimestamp: string } })[];
    for (const j of later) expect(Date.parse(j.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(first!.status?.completionTime ?? "9999-01-01T00:00:00Z"));
    await c.k(["delete", "cronjob", "forbid", "replace"]);
    await eventually("their Jobs gone", async () => ((await jobsOf("forbid")).length + (await jobsOf("replace")).length === 0 ? true : undefined), 60_000);
  });
});
