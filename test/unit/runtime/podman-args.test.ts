import { describe, expect, test } from "bun:test";
import { containerCreateArgs, containerRuntimeName, cpuShares } from "../../../src/agent/runtime/podman-create-args.ts";
import { execArgs } from "../../../src/agent/runtime/podman-exec.ts";
import { labelFilterArgs } from "../../../src/agent/runtime/labels.ts";
import { logArgs } from "../../../src/agent/runtime/podman-logs.ts";
import { eventArgs } from "../../../src/agent/runtime/podman-events.ts";
import type { SandboxInfo } from "../../../src/agent/runtime/types.ts";

const SANDBOX: SandboxInfo = {
  id: "pod123",
  podUid: "0b6c2f4e-9d1a-4c3b-8f5e-7a2d1c0e9b84",
  podName: "web",
  namespace: "prod",
  state: "ready",
  ip: "10.88.0.5",
  labels: {},
};

describe("podman command lines", () => {
  test("command replaces the entrypoint, args follow the image", () => {
    const args = containerCreateArgs(SANDBOX, { name: "app", image: "img:1", command: ["sh", "-c"], args: ["echo hi"] }, {});
    const i = args.indexOf("--entrypoint");
    expect(JSON.parse(args[i + 1]!)).toEqual(["sh", "-c"]);
    expect(args.slice(-2)).toEqual(["img:1", "echo hi"]);
    expect(args.slice(0, 3)).toEqual(["create", "--pod", "pod123"]);
    expect(args[args.indexOf("--pull") + 1]).toBe("never");
  });

  test("run mode creates and starts in one command with the same arguments", () => {
    const spec = { name: "app", image: "img:1", command: ["sleep"], args: ["60"] };
    const created = containerCreateArgs(SANDBOX, spec, { a: "b" });
    const run = containerCreateArgs(SANDBOX, spec, { a: "b" }, true);
    expect(run.slice(0, 2)).toEqual(["run", "--detach"]);
    expect(run.slice(2)).toEqual(created.slice(1));
  });

  test("args alone keep the image's entrypoint", () => {
    const args = containerCreateArgs(SANDBOX, { name: "app", image: "img:1", args: ["--flag"] }, {});
    expect(args).not.toContain("--entrypoint");
    expect(args.slice(-2)).toEqual(["img:1", "--flag"]);
  });

  test("env, workdir, mounts, limits, labels and user are passed through", () => {
    const args = containerCreateArgs(
      SANDBOX,
      {
        name: "app",
        image: "img:1",
        env: { A: "1", B: "two words" },
        workingDir: "/srv",
        mounts: [{ hostPath: "/data", containerPath: "/d", readOnly: true }, { hostPath: "/x", containerPath: "/y" }],
        memoryLimitBytes: 64 * 1024 * 1024,
        cpuLimitMillis: 250,
        cpuRequestMillis: 100,
        user: "1000:1000",
      },
      { "io.skiff.pod.uid": "u" },
    );
    const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
    expect(pairs("--env")).toEqual(["A=1", "B=two words"]);
    expect(pairs("--workdir")).toEqual(["/srv"]);
    expect(pairs("--volume")).toEqual(["/data:/d:ro", "/x:/y"]);
    expect(pairs("--memory")).toEqual(["67108864b"]);
    expect(pairs("--cpus")).toEqual(["0.250"]);
    expect(pairs("--cpu-shares")).toEqual(["102"]);
    expect(pairs("--label")).toEqual(["io.skiff.pod.uid=u"]);
    expect(pairs("--user")).toEqual(["1000:1000"]);
  });

  test("runtime names are unique per restart attempt", () => {
    const a = containerRuntimeName(SANDBOX, { name: "app", image: "i", attempt: 0 });
    const b = containerRuntimeName(SANDBOX, { name: "app", image: "i", attempt: 1 });
    expect(a).toBe("prod_web_app_0b6c2f4e_0");
    expect(b).not.toBe(a);
  });

  test("cpu shares follow the kubelet's formula", () => {
    expect(cpuShares(1000)).toBe(1024);
    expect(cpuShares(1)).toBe(2);
  });

  test("log and exec options become flags", () => {
    expect(logArgs("c1", { follow: true, tail: 10, timestamps: true, since: new Date("2026-01-02T03:04:05Z") })).toEqual([
      "logs",
      "--follow",
      "--tail",
      "10",
      "--timestamps",
      "--since",
      "2026-01-02T03:04:05.000Z",
      "c1",
    ]);
    expect(logArgs("c1", {})).toEqual(["logs", "c1"]);
    expect(execArgs("c1", ["ls", "-l"], { tty: true })).toEqual(["exec", "--interactive", "--tty", "c1", "ls", "-l"]);
    expect(execArgs("c1", ["ls"], {})).toEqual(["exec", "c1", "ls"]);
  });

  test("label filters are one flag per label", () => {
    expect(labelFilterArgs({ a: "1", b: "2" })).toEqual(["--filter", "label=a=1", "--filter", "label=b=2"]);
  });

  test("the event stream follows this node's containers as JSON lines", () => {
    expect(eventArgs("edge-1")).toEqual(["events", "--format", "json", "--filter", "type=container", "--filter", "label=io.skiff.node=edge-1"]);
  });
});
