// A pod that ran to completion keeps its terminal phase whatever the runtime later reports.
import { describe, expect, test } from "bun:test";
import { buildPodStatus } from "../../../src/agent/pod-status.ts";
import type { Pod } from "../../../src/agent/pod-source.ts";

const pod = (phase?: string) =>
  ({
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: { restartPolicy: "Never", containers: [{ name: "c", image: "localhost/app:1" }] },
    status: phase ? { phase } : {},
  }) as unknown as Pod;
// The runtime knows no container of the pod (its store was reset, the host rebooted).
const nothingLeft = (p: Pod) => buildPodStatus({ pod: p, init: [], containers: [{ spec: { name: "c", image: "localhost/app:1" }, isInit: false, ready: false, started: false }], hostIP: "127.0.0.1", startTime: "2026-01-01T00:00:00Z", runtime: "podman" });

describe("terminal pod phase", () => {
  test("Succeeded and Failed stay when the containers are gone", () => {
    expect(nothingLeft(pod("Succeeded")).phase).toBe("Succeeded");
    expect(nothingLeft(pod("Failed")).phase).toBe("Failed");
  });
  test("a pod not yet finished is Pending while its container is being created", () => {
    expect(nothingLeft(pod()).phase).toBe("Pending");
    expect(nothingLeft(pod("Running")).phase).toBe("Pending");
  });
});
