// The containerd driver's parsers and the runtime choice, against text captured from
// containerd 1.6.20's ctr and the CRI log format.
import { describe, expect, test } from "bun:test";
import { containerdId, normalizeImageRef, parseCtrEvent, classifyCtrStderr } from "../../../src/agent/runtime/containerd-driver.ts";
import { parseCriLine } from "../../../src/agent/runtime/containerd-logs.ts";
import { numericUser } from "../../../src/agent/runtime/containerd-runc-wrapper.ts";
import { parseRuntimeChoice, resolveRuntime } from "../../../src/agent/runtime/factory.ts";
import { RuntimeError } from "../../../src/agent/runtime/errors.ts";

describe("ctr events", () => {
  test("task exits, OOM kills, starts and container deletes become typed events", () => {
    // Captured from `ctr events` (containerd 1.6.20).
    expect(parseCtrEvent(`2026-12-04 13:15:06.309008284 +0000 UTC k8s.io /tasks/exit {"container_id":"oom1","id":"oom1","pid":1874,"exit_status":137,"exited_at":"2026-12-04T13:15:06.308995122Z"}`)).toEqual({ containerId: "oom1", type: "exited", exitCode: 137 });
    expect(parseCtrEvent(`2026-12-04 13:15:06.301873332 +0000 UTC k8s.io /tasks/oom {"container_id":"oom1"}`)).toEqual({ containerId: "oom1", type: "oomKilled" });
    expect(parseCtrEvent(`2026-12-04 13:15:06.1 +0000 UTC k8s.io /tasks/start {"container_id":"c1","pid":12}`)).toEqual({ containerId: "c1", type: "started" });
    expect(parseCtrEvent(`2026-12-04 13:15:06.1 +0000 UTC k8s.io /containers/delete {"id":"c1"}`)).toEqual({ containerId: "c1", type: "removed" });
    // An exec's exit is not the container's, and an exit of status 0 carries no field.
    expect(parseCtrEvent(`2026-12-04 13:15:06.1 +0000 UTC k8s.io /tasks/exit {"container_id":"c1","id":"exec-1","pid":9,"exit_status":7}`)).toBeUndefined();
    expect(parseCtrEvent(`2026-12-04 13:15:06.1 +0000 UTC k8s.io /tasks/exit {"container_id":"c1","id":"c1","pid":9}`)).toEqual({ containerId: "c1", type: "exited", exitCode: 0 });
    expect(parseCtrEvent(`2026-12-04 13:15:06.1 +0000 UTC k8s.io /snapshot/prepare {"key":"x"}`)).toBeUndefined();
    expect(parseCtrEvent("garbage")).toBeUndefined();
  });
});

describe("CRI log lines", () => {
  test("time, stream, partial flag and text", () => {
    expect(parseCriLine("2026-12-04T13:12:52.944921000Z stdout F hi there")).toEqual({ time: "2026-12-04T13:12:52.944921000Z", stream: "stdout", partial: false, text: "hi there" });
    expect(parseCriLine("2026-12-04T13:12:52.944921000Z stderr P half")).toMatchObject({ stream: "stderr", partial: true, text: "half" });
    expect(parseCriLine("2026-12-04T13:12:52.944921000Z stdout F")).toMatchObject({ text: "" });
    expect(parseCriLine("not a log line")).toBeUndefined();
  });
});

describe("names", () => {
  test("image references are completed as containerd stores them", () => {
    expect(normalizeImageRef("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizeImageRef("library/busybox:1.36")).toBe("docker.io/library/busybox:1.36");
    expect(normalizeImageRef("localhost/skiff-test/busybox:1")).toBe("localhost/skiff-test/busybox:1");
    expect(normalizeImageRef("registry.example:5000/app")).toBe("registry.example:5000/app:latest");
    expect(normalizeImageRef("ghcr.io/o/app@sha256:" + "a".repeat(64))).toBe("ghcr.io/o/app@sha256:" + "a".repeat(64));
  });

  test("container ids are valid containerd identifiers and unique per attempt", () => {
    const sb = { namespace: "kube-system", podName: "core.dns-1", podUid: "0b6c2f4e-9d1a-4c3b-8f5e-7a2d1c0e9b84" };
    const id = containerdId(sb, { name: "main", attempt: 2 });
    expect(id).toBe("kube-system_core-dns-1_main_0b6c2f4e_2");
    expect(id).toMatch(/^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/);
    expect(containerdId(sb, { name: "main", attempt: 3 })).not.toBe(id);
  });

  test("ctr's errors get codes", () => {
    expect(classifyCtrStderr(`ctr: image "docker.io/library/x:1": not found`)).toBe("ImageNotFound");
    expect(classifyCtrStderr(`ctr: failed to resolve reference "docker.io/library/x:1": failed to do request`)).toBe("ImageNotFound");
    expect(classifyCtrStderr(`ctr: container "c1" in namespace "k8s.io": already exists`)).toBe("NameInUse");
    expect(classifyCtrStderr(`ctr: no running task found: task c1 not found: not found`)).toBe("NotFound");
  });
});

describe("runtime choice", () => {
  const has = (...bins: string[]) => (b: string) => (bins.includes(b) ? `/usr/bin/${b}` : null);
  test("auto: podman when installed, containerd when only it is, an error with install lines when neither", () => {
    expect(resolveRuntime("auto", { which: has("podman", "containerd", "ctr") })).toBe("podman");
    expect(resolveRuntime("auto", { which: has("containerd", "ctr") })).toBe("containerd");
    expect(resolveRuntime("auto", { which: has("ctr"), endpoint: "/run/containerd/containerd.sock" })).toBe("containerd");
    expect(() => resolveRuntime("auto", { which: has("ctr") })).toThrow(RuntimeError);
    expect(() => resolveRuntime("auto", { which: has() })).toThrow(/apt-get install -y podman runc.*apt-get install -y containerd runc/);
    expect(resolveRuntime("containerd", { which: has("podman") })).toBe("containerd");
  });

  test("the flag takes podman, containerd or auto", () => {
    expect(parseRuntimeChoice(undefined)).toBe("auto");
    expect(parseRuntimeChoice("containerd")).toBe("containerd");
    expect(() => parseRuntimeChoice("docker")).toThrow("unsupported --runtime docker: one of podman, containerd, auto");
  });
});

describe("runAsUser on containerd", () => {
  test("numeric users become uid:gid (group 0 unless given); names are refused", () => {
    expect(numericUser("1000")).toBe("1000:0");
    expect(numericUser("1000:3000")).toBe("1000:3000");
    expect(numericUser(" 0 ")).toBe("0:0");
    expect(numericUser("nobody")).toBeUndefined();
    expect(numericUser("1000:staff")).toBeUndefined();
  });
});
