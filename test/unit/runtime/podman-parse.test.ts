import { describe, expect, test } from "bun:test";
import inspectFixture from "./podman-4.3-container-inspect.json";
import podPsFixture from "./podman-4.3-pod-ps.json";
import {
  containerState,
  infraIp,
  parseEventLine,
  parseInspectAnswer,
  parseLoadedImages,
  parseStatsLines,
  podmanTime,
  toContainerInfo,
  toSandboxInfo,
  type PodmanInspect,
  type PodmanPodPs,
} from "../../../src/agent/runtime/podman-parse.ts";

// Captured from podman 4.3.1 for a skiff pod with a running and an exited container.
const inspected = inspectFixture as unknown as PodmanInspect[];
const pods = podPsFixture as unknown as PodmanPodPs[];
const [server, job, infra] = inspected as [PodmanInspect, PodmanInspect, PodmanInspect];

describe("podman JSON parsing", () => {
  test("a running container keeps its Kubernetes name, pod uid and image", () => {
    const c = toContainerInfo(server);
    expect(c.name).toBe("server");
    expect(c.podUid).toBe("4f1c9a2e-1111-2222-3333-444455556666");
    expect(c.sandboxId).toBe(pods[0]!.Id);
    expect(c.state).toBe("running");
    expect(c.exitCode).toBeUndefined();
    expect(c.finishedAt).toBeUndefined();
    expect(c.startedAt).toBe(new Date(server.State!.StartedAt!).toISOString());
    expect(c.image).toBe("localhost/skiff-test/busybox:1");
    expect(c.imageID).toBe(`sha256:${server.Image}`);
    expect(c.attempt).toBe(0);
  });

  test("an exited container reports exit code, finish time and attempt", () => {
    const c = toContainerInfo(job);
    expect(c.state).toBe("exited");
    expect(c.exitCode).toBe(3);
    expect(c.finishedAt).toBe(new Date(job.State!.FinishedAt!).toISOString());
    expect(c.attempt).toBe(2);
    expect(c.image).toBe("localhost/skiff-test/busybox:2");
  });

  test("a sandbox is ready with its infra container's address", () => {
    const s = toSandboxInfo(pods[0]!, infra, "skiff-n1");
    expect(s.state).toBe("ready");
    expect(s.ip).toBe("10.99.0.3");
    expect(s.podName).toBe("web");
    expect(s.namespace).toBe("default");
    expect(s.labels.app).toBe("web");
  });

  test("a sandbox whose infra is not running is not ready and has no address", () => {
    const stopped: PodmanInspect = { ...infra, State: { ...infra.State, Status: "exited" } };
    const s = toSandboxInfo(pods[0]!, stopped, "skiff-n1");
    expect(s.state).toBe("notready");
    expect(s.ip).toBeUndefined();
    expect(toSandboxInfo(pods[0]!, undefined, "skiff-n1").state).toBe("notready");
  });

  test("a sandbox whose infra was made but never started is created, not broken", () => {
    const fresh: PodmanInspect = { ...infra, State: { ...infra.State, Status: "created" } };
    const s = toSandboxInfo(pods[0]!, fresh, "skiff-n1");
    expect(s.state).toBe("created");
    expect(s.ip).toBeUndefined();
    expect(s.infraId).toBe(pods[0]!.InfraId!);
  });

  test("event lines of podman 4.3 name the container, its pod uid and what happened", () => {
    // Captured from `podman events --format json` (podman 4.3.1).
    const died = `{"ContainerExitCode":137,"ID":"a60eacb7709623623519fd37a6b56693ec2fb12139fa92100659be99c7026821","Image":"localhost/skiff-test/busybox:1","Name":"p1-main","Status":"died","Time":"2026-11-28T12:52:21.201486851Z","Type":"container","Attributes":{"io.skiff.node":"exp","io.skiff.pod.uid":"4f1c9a2e-1111-2222-3333-444455556666"}}`;
    expect(parseEventLine(died)).toEqual({ containerId: "a60eacb7709623623519fd37a6b56693ec2fb12139fa92100659be99c7026821", podUid: "4f1c9a2e-1111-2222-3333-444455556666", type: "exited", exitCode: 137 });
    expect(parseEventLine(died.replace(`"Status":"died"`, `"Status":"oom"`))?.type).toBe("oomKilled");
    expect(parseEventLine(died.replace(`"Status":"died"`, `"Status":"remove"`))?.type).toBe("removed");
    expect(parseEventLine(died.replace(`"Status":"died"`, `"Status":"start"`))?.type).toBe("started");
    // Words the agent does not act on are not events.
    expect(parseEventLine(died.replace(`"Status":"died"`, `"Status":"cleanup"`))).toBeUndefined();
    // Not skiff's (no pod uid), not a container, or not JSON: ignored.
    expect(parseEventLine(died.replace(`,"io.skiff.pod.uid":"4f1c9a2e-1111-2222-3333-444455556666"`, ""))).toBeUndefined();
    expect(parseEventLine(died.replace(`"Type":"container"`, `"Type":"pod"`))).toBeUndefined();
    expect(parseEventLine("Error: something")).toBeUndefined();
  });

  test("infra address falls back to any network when the name differs", () => {
    expect(infraIp(infra, "other")).toBe("10.99.0.3");
    expect(infraIp({ Id: "x" }, "other")).toBeUndefined();
  });

  test("Go's zero time means never", () => {
    expect(podmanTime("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(podmanTime(undefined)).toBeUndefined();
    expect(podmanTime("2026-11-28T04:01:43.802177016Z")).toBe("2026-11-28T04:01:43.802Z");
  });

  test("podman states map onto created, running, exited", () => {
    expect(containerState("configured")).toBe("created");
    expect(containerState("created")).toBe("created");
    expect(containerState("paused")).toBe("running");
    expect(containerState("stopped")).toBe("exited");
    expect(containerState("removing")).toBe("unknown");
  });

  test("stats lines give seconds of cpu and bytes of memory", () => {
    const out = parseStatsLines("4634fc71ca06 22834939 229376\n\nbad line\nabc x 1\n");
    expect(out).toEqual([{ id: "4634fc71ca06", cpuSeconds: 0.022834939, memoryWorkingSetBytes: 229376 }]);
    // No process left: an exited container podman still lists.
    expect(parseStatsLines("4634fc71ca06 22834939 229376 1\nb9b1f089c751 1000 0 0\n").map((s) => s.id)).toEqual(["4634fc71ca06"]);
  });

  test("podman load output lists the loaded names", () => {
    expect(parseLoadedImages("Getting image source signatures\nLoaded image(s): localhost/a:1,localhost/b:2\n")).toEqual([
      "localhost/a:1",
      "localhost/b:2",
    ]);
    expect(parseLoadedImages("Loaded image: localhost/a:1\n")).toEqual(["localhost/a:1"]);
  });
});

describe("container inspect of several, some gone", () => {
  // As podman 4.3.1 answers `container inspect LIVE GONE`: the live one on stdout, exit 125.
  const stdout = JSON.stringify([server], null, 5);
  const stderr = "Error: inspecting object: no such container 0123456789ab\n";

  test("the containers found are kept, the missing ones skipped", () => {
    const found = parseInspectAnswer(stdout, stderr, 125)!;
    expect(found.map((c) => c.Id)).toEqual([server.Id]);
  });
  test("all gone is an empty answer", () => {
    expect(parseInspectAnswer("[]", stderr, 125)).toEqual([]);
  });
  test("any other failure is no answer", () => {
    expect(parseInspectAnswer("", "Error: database is locked\n", 125)).toBeUndefined();
    expect(parseInspectAnswer("[{", "", 0)).toBeUndefined();
    expect(parseInspectAnswer(stdout, `${stderr}Error: database is locked\n`, 125)).toBeUndefined();
  });
});
