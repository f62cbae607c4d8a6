import { test, expect, describe } from "bun:test";
import { toTable } from "../../../src/api/tables/index.ts";
import { podKind } from "../../../src/api/kinds/index.ts";

const now = Date.parse("2024-05-01T12:00:00Z");
const ago = (ms: number) => new Date(now - ms).toISOString();
const MIN = 60_000;

const pod = (status: object, spec: object = {}, meta: object = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default", creationTimestamp: ago(5 * MIN), ...meta },
  spec: { containers: [{ name: "a", image: "busybox" }], ...spec },
  status,
});

const cells = (p: object) => toTable(podKind, [p as never], { now }).rows[0]!.cells;
const running = { running: { startedAt: ago(4 * MIN) } };

describe("pod table", () => {
  test("columns as kubectl shows them, wide ones with priority 1", () => {
    const t = toTable(podKind, [], { now });
    expect(t.kind).toBe("Table");
    expect(t.apiVersion).toBe("meta.k8s.io/v1");
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0], ["Ready", 0], ["Status", 0], ["Restarts", 0], ["Age", 0], ["IP", 1], ["Node", 1], ["Nominated Node", 1], ["Readiness Gates", 1],
    ]);
    expect(t.columnDefinitions[0]!.format).toBe("name");
  });

  // [description, status, spec, expected NAME READY STATUS RESTARTS AGE IP NODE NOMINATED GATES]
  const cases: [string, object, object, unknown[]][] = [
    ["pending, unscheduled", { phase: "Pending" }, {}, ["web", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"]],
    [
      "running and ready, with address and node",
      { phase: "Running", podIP: "10.42.0.7", podIPs: [{ ip: "10.42.0.7" }], containerStatuses: [{ name: "a", ready: true, restartCount: 0, state: running }] },
      { nodeName: "edge-1" },
      ["web", "1/1", "Running", "0", "5m", "10.42.0.7", "edge-1", "<none>", "<none>"],
    ],
    [
      "image being pulled",
      { phase: "Pending", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] },
      {},
      ["web", "0/1", "ContainerCreating", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "crash looping: restarts with the time of the last one",
      {
        phase: "Running",
        containerStatuses: [{ name: "a", ready: false, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(2 * MIN) } } }],
      },
      {},
      ["web", "0/1", "CrashLoopBackOff", "3 (2m ago)", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "completed",
      { phase: "Succeeded", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }] },
      {},
      ["web", "0/1", "Completed", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "exit code without a reason",
      { phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] },
      {},
      ["web", "0/1", "ExitCode:2", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "killed by a signal",
      { phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] },
      {},
      ["web", "0/1", "Signal:9", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "first init container still running",
      { phase: "Pending", initContainerStatuses: [{ name: "init", ready: false, restartCount: 0, state: { running: {} } }], containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }] },
      { initContainers: [{ name: "init", image: "busybox" }] },
      ["web", "0/1", "Init:0/1", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "init container failing",
      { phase: "Pending", initContainerStatuses: [{ name: "init", ready: false, restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } }] },
      { initContainers: [{ name: "init", image: "busybox" }] },
      ["web", "0/1", "Init:CrashLoopBackOff", "2", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "init container exited with an error",
      { phase: "Pending", initContainerStatuses: [{ name: "init", ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: "Error" } } }] },
      { initContainers: [{ name: "init", image: "busybox" }] },
      ["web", "0/1", "Init:Error", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "one of two containers ready, restarts summed",
      {
        phase: "Running",
        containerStatuses: [
          { name: "a", ready: true, restartCount: 3, state: running },
          { name: "b", ready: false, restartCount: 3, state: { waiting: { reason: "ContainerWaitingReason" } } },
        ],
      },
      { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] },
      ["web", "1/2", "ContainerWaitingReason", "6", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
    [
      "readiness gates counted",
      { phase: "Running", conditions: [{ type: "example.com/ready", status: "True" }, { type: "example.com/other", status: "False" }] },
      { readinessGates: [{ conditionType: "example.com/ready" }, { conditionType: "example.com/other" }] },
      ["web", "0/1", "Running", "0", "5m", "<none>", "<none>", "<none>", "1/2"],
    ],
    [
      "a pod being deleted is Terminating",
      { phase: "Running", containerStatuses: [{ name: "a", ready: true, restartCount: 0, state: running }] },
      {},
      ["web", "1/1", "Terminating", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
    ],
  ];
  for (const [name, status, spec, want] of cases) {
    test(name, () => {
      const meta = name.includes("deleted") ? { deletionTimestamp: ago(0) } : {};
      expect(cells(pod(status, spec, meta))).toEqual(want);
    });
  }

  test("a completed pod whose sidecar still runs is Running or NotReady", () => {
    const status = (ready: boolean) => ({
      phase: "Running",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      containerStatuses: [
        { name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
        { name: "b", ready: true, restartCount: 0, state: running },
      ],
    });
    const spec = { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] };
    expect(cells(pod(status(true), spec)).slice(1, 3)).toEqual(["1/2", "Running"]);
    expect(cells(pod(status(false), spec)).slice(1, 3)).toEqual(["1/2", "NotReady"]);
  });

  test("rows carry PartialObjectMetadata, the full object, or nothing", () => {
    const p = pod({ phase: "Pending" });
    const meta = toTable(podKind, [p as never], { now, includeObject: "Metadata" }).rows[0]!;
    expect(meta.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: p.metadata });
    expect(toTable(podKind, [p as never], { now, includeObject: "Object" }).rows[0]!.object).toBe(p);
    expect(toTable(podKind, [p as never], { now, includeObject: "None" }).rows[0]!.object).toBeUndefined();
  });

  test("succeeded and failed pods carry a Completed row condition", () => {
    const row = toTable(podKind, [pod({ phase: "Succeeded" }) as never], { now }).rows[0]!;
    expect(row.conditions).toEqual([{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]);
  });
});
