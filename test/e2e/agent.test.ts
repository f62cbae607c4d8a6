// The node agent end to end: a server (with its own agent) and a second agent on one
// machine, real podman containers, real kubectl, all inside a network namespace.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { execa } from "execa";
import { findPodBridge } from "../../src/agent/network/bridge-address.ts";
import { firstHost } from "../../src/agent/runtime/podman-config.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(180_000);

let c: TestCluster;
const NODE_B = "agent-b";

beforeAll(async () => {
  c = await startCluster("agent");
  await c.startAgent(NODE_B);
}, 180_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const pod = (name: string, spec: Record<string, unknown>, node = NODE_B) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 5, ...spec } });
const getPod = async (name: string) => JSON.parse(await c.k(["get", "pod", name, "-o", "json"]));
const waitPhase = (name: string, phase: string, ms = 60_000) =>
  eventually(`pod ${name} ${phase}`, async () => ((await getPod(name)).status?.phase === phase ? true : undefined), ms);
const waitReady = (name: string, ms = 60_000) =>
  eventually(`pod ${name} Ready`, async () => ((await getPod(name)).status?.conditions?.find((x: any) => x.type === "Ready")?.status === "True" ? true : undefined), ms);

describe("joining", () => {
  test("both nodes are Ready with capacity, node info and labels", async () => {
    const out = await eventually("two Ready nodes", async () => {
      const o = await c.k(["get", "nodes"]);
      return (o.match(/\sReady\s/g) ?? []).length === 2 ? o : undefined;
    });
    expect(out).toMatch(/agent-server\s+Ready\s+control-plane/);
    expect(out).toMatch(new RegExp(`${NODE_B}\\s+Ready\\s+<none>`));
    const node = JSON.parse(await c.k(["get", "node", NODE_B, "-o", "json"]));
    expect(Number(node.status.capacity.cpu)).toBeGreaterThan(0);
    expect(node.status.capacity.memory).toMatch(/^\d+Ki$/);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^podman:\/\/\d/);
    expect(node.metadata.labels["kubernetes.io/hostname"]).toBe(NODE_B);
    expect(node.spec.podCIDR).toMatch(/^10\.42\.\d+\.0\/24$/);
    const lease = JSON.parse(await c.k(["get", "lease", NODE_B, "-n", "kube-node-lease", "-o", "json"]));
    expect(lease.spec.holderIdentity).toBe(NODE_B);
  });

  test("a wrong token and a wrong CA hash are refused with a clear message", async () => {
    const cmd = [...c.netns.prefix, ...skiffCommand("source")];
    const wrongSecret = c.joinToken.replace(/server:.*/, "server:not-the-secret");
    const a = spawnSkiff(cmd, ["agent", "--server", `https://127.0.0.1:${c.port}`, "--token", wrongSecret, "--data-dir", join(c.serverDir, "bad1"), "--node-name", "bad1", "--agent-port", "10290"]);
    expect(await a.proc.exited).not.toBe(0);
    expect(a.output()).toContain("refused the join token");
    const wrongHash = c.joinToken.replace(/^K10[0-9a-f]{8}/, "K1000000000");
    const b = spawnSkiff(cmd, ["agent", "--server", `https://127.0.0.1:${c.port}`, "--token", wrongHash, "--data-dir", join(c.serverDir, "bad2"), "--node-name", "bad2", "--agent-port", "10291"]);
    expect(await b.proc.exited).not.toBe(0);
    expect(b.output()).toContain("does not match");
    // A token of no known form is refused at once, not retried as if the server were away.
    const malformed = spawnSkiff(cmd, ["agent", "--server", `https://127.0.0.1:${c.port}`, "--token", "K10x::server:y", "--data-dir", join(c.serverDir, "bad3"), "--node-name", "bad3", "--agent-port", "10292"]);
    expect(await malformed.proc.exited).not.toBe(0);
    expect(malformed.output()).toContain("the join token is malformed");
    expect(malformed.output()).not.toContain("retrying");
  });

  test("skiff token create makes a token that joins; an expired or deleted one no longer does", async () => {
    const cmd = [...c.netns.prefix, ...skiffCommand("source")];
    const token = async (...args: string[]) => {
      const p = spawnSkiff(cmd, ["token", ...args, "--data-dir", c.serverDir]);
      expect(await p.proc.exited).toBe(0);
      return p.output().trim();
    };
    const extra = await token("create", "--ttl", "1h", "--description", "e2e");
    expect(extra).toMatch(/^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const id = extra.split("::")[1]!.split(".")[0]!;
    expect(await token("list")).toMatch(new RegExp(`${id}\\s+\\S+\\s+e2e`));
    const joinAs = (name: string, t: string, port: number) => spawnSkiff(cmd, ["agent", "--server", `https://127.0.0.1:${c.port}`, "--token", t, "--data-dir", join(c.serverDir, name), "--node-name", name, "--agent-port", String(port), "--bind-address", "127.0.0.1", "--flannel-backend", "none", "--disable-kube-proxy"]);
    const joined = joinAs("extra-node", extra, 10292);
    await joined.waitFor(/skiff agent ready/, 60_000);
    joined.proc.kill("SIGKILL");
    await joined.proc.exited;
    await c.k(["delete", "node", "extra-node"]);
    await token("delete", id);
    const refused = joinAs("extra-node-2", extra, 10293);
    expect(await refused.proc.exited).not.toBe(0);
    expect(refused.output()).toContain("refused the join token");
    const short = await token("create", "--ttl", "1s");
    await Bun.sleep(2000);
    const late = joinAs("extra-node-3", short, 10294);
    expect(await late.proc.exited).not.toBe(0);
    expect(late.output()).toContain("refused the join token");
  });

  test("a node credential may not touch another node's objects", async () => {
    const cred = JSON.parse(readFileSync(join(c.agents.get(NODE_B)!.dir, "agent", "node-credential.json"), "utf8"));
    const r = await c.kr(["--token", cred.token, "label", "node", "agent-server", "x=y"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Forbidden");
  });
});

describe("running pods", () => {
  test("two containers share the pod's network; an init container runs first", async () => {
    await c.k(["apply", "-f", "-"], pod("duo", {
      initContainers: [{ name: "prepare", image: TEST_IMAGE_1, command: ["sh", "-c", "echo prepared > /work/init.txt"], volumeMounts: [{ name: "work", mountPath: "/work" }] }],
      containers: [
        { name: "web", image: TEST_IMAGE_1, command: ["sh", "-c", "cp /work/init.txt /www/index.html && httpd -f -p 8080 -h /www"], volumeMounts: [{ name: "work", mountPath: "/work" }, { name: "www", mountPath: "/www" }] },
        { name: "client", image: TEST_IMAGE_1, command: ["sh", "-c", "while true; do wget -q -O - http://127.0.0.1:8080/ && sleep 3600; sleep 1; done"] },
      ],
      volumes: [{ name: "work", emptyDir: {} }, { name: "www", emptyDir: {} }],
    }));
    await waitReady("duo");
    const out = await eventually("client output", async () => {
      const logs = await c.k(["logs", "duo", "-c", "client"]);
      return logs.includes("prepared") ? logs : undefined;
    });
    expect(out).toContain("prepared");
    const table = await c.k(["get", "pod", "duo", "-o", "wide"]);
    expect(table).toMatch(/duo\s+2\/2\s+Running\s+0\s+/);
    expect(table).toContain(NODE_B);
    const p = await getPod("duo");
    expect(p.status.podIP).toMatch(/^10\.42\./);
    expect(p.status.initContainerStatuses[0].state.terminated.exitCode).toBe(0);
  });

  test("env from a ConfigMap, a Secret and the pod's own fields; a configMap volume follows updates", async () => {
    await c.k(["create", "configmap", "settings", "--from-literal=color=blue"]);
    await c.k(["create", "secret", "generic", "creds", "--from-literal=password=hunter2"]);
    await c.k(["apply", "-f", "-"], pod("envy", {
      containers: [{
        name: "main",
        image: TEST_IMAGE_1,
        command: ["sh", "-c", "echo COLOR=$COLOR PASSWORD=$PASSWORD NAME=$MY_NAME NS=$MY_NS IP=$MY_IP; sleep 3600"],
        env: [
          { name: "COLOR", valueFrom: { configMapKeyRef: { name: "settings", key: "color" } } },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
          { name: "MY_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MY_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
        volumeMounts: [{ name: "cfg", mountPath: "/cfg" }],
      }],
      volumes: [{ name: "cfg", configMap: { name: "settings" } }],
    }));
    await waitPhase("envy", "Running");
    const logs = await eventually("env line", async () => {
      const l = await c.k(["logs", "envy"]);
      return l.includes("COLOR=") ? l : undefined;
    });
    expect(logs).toMatch(/COLOR=blue PASSWORD=hunter2 NAME=envy NS=default IP=10\.42\.\d+\.\d+/);
    expect((await c.k(["exec", "envy", "--", "cat", "/cfg/color"])).trim()).toBe("blue");
    await c.k(["patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"color":"green"}}']);
    await eventually("updated file", async () => ((await c.k(["exec", "envy", "--", "cat", "/cfg/color"])).trim() === "green" ? true : undefined), 60_000, 1000);
  });

  test("exec passes exit codes and stdin; logs -f follows", async () => {
    const r = await c.kr(["exec", "envy", "--", "sh", "-c", "exit 3"]);
    expect(r.code).toBe(3);
    expect((await c.k(["exec", "-i", "envy", "--", "cat"], "from stdin\n"))).toBe("from stdin\n");
    const { kubectlPath } = await import("../support/kubectl.ts");
    const follow = Bun.spawn([...c.netns.prefix, kubectlPath(), "logs", "-f", "duo", "-c", "web", "--tail=1"], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdout: "pipe" });
    await Bun.sleep(1500);
    await c.k(["exec", "duo", "-c", "web", "--", "sh", "-c", "echo followed-line > /proc/1/fd/1"]);
    await Bun.sleep(1500);
    follow.kill();
    expect(await new Response(follow.stdout).text()).toContain("followed-line");
    const stamped = await c.k(["logs", "duo", "-c", "client", "--timestamps", "--since=1h"]);
    expect(stamped).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}) /);
  });

  test("a failing liveness probe restarts the container, then CrashLoopBackOff", async () => {
    await c.k(["apply", "-f", "-"], pod("sick", {
      containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sleep", "3600"], livenessProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 1 } }],
    }));
    await eventually("a restart", async () => ((await getPod("sick")).status?.containerStatuses?.[0]?.restartCount >= 1 ? true : undefined), 60_000);
    const seen = await eventually("CrashLoopBackOff", async () => {
      const t = await c.k(["get", "pod", "sick"]);
      return /CrashLoopBackOff/.test(t) ? t : undefined;
    }, 90_000);
    expect(seen).toMatch(/sick\s+0\/1\s+CrashLoopBackOff\s+[1-9]/);
    const described = await c.k(["describe", "pod", "sick"]);
    expect(described).toContain("Liveness probe failed");
    // The previous instance is kept for its logs.
    expect((await c.kr(["logs", "sick", "--previous"])).code).toBe(0);
  });

  test("a readiness probe gates Ready", async () => {
    await c.k(["apply", "-f", "-"], pod("gated", {
      containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sh", "-c", "sleep 4; touch /tmp/ready; sleep 3600"], readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1 } }],
    }));
    await waitPhase("gated", "Running");
    expect((await c.k(["get", "pod", "gated"]))).toMatch(/gated\s+0\/1\s+Running/);
    await waitReady("gated");
    expect((await c.k(["get", "pod", "gated"]))).toMatch(/gated\s+1\/1\s+Running/);
  });

  test("a missing image is reported as ErrImagePull, not a crash", async () => {
    await c.k(["apply", "-f", "-"], pod("noimage", { containers: [{ name: "main", image: "localhost/not-here:1" }] }));
    const t = await eventually("ErrImagePull", async () => {
      const o = await c.k(["get", "pod", "noimage"]);
      return /ErrImagePull|ImagePullBackOff/.test(o) ? o : undefined;
    });
    expect(t).toMatch(/noimage\s+0\/1\s+(ErrImagePull|ImagePullBackOff)/);
    // Its logs say what the kubelet says of a container that never ran.
    const logs = await c.kr(["logs", "noimage"]);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain('container "main" in pod "noimage" is waiting to start');
    expect((await c.kr(["logs", "noimage", "--previous"])).stderr).toContain('previous terminated container "main" in pod "noimage" not found');
  });

  test("kubectl top shows nodes and pods from the agents' resource metrics", async () => {
    const nodes = await eventually("kubectl top nodes", async () => {
      const r = await c.kr(["top", "nodes"]);
      return r.code === 0 && r.stdout.includes(NODE_B) ? r.stdout : undefined;
    }, 90_000, 2000);
    expect(nodes).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(?%\)?\s+MEMORY\(bytes\)/);
    const pods = await eventually("kubectl top pods", async () => {
      const r = await c.kr(["top", "pods"]);
      return r.code === 0 && r.stdout.includes("duo") ? r.stdout : undefined;
    }, 90_000, 2000);
    expect(pods).toMatch(/duo\s+\d+m\s+\d+Mi/);
  });

  test("skiff images import loads an archive into a node's runtime", async () => {
    const { testImageArchive } = await import("../support/images.ts");
    const archive = await testImageArchive(2);
    const p = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], ["images", "import", "--data-dir", c.agents.get(NODE_B)!.dir, archive]);
    expect(await p.proc.exited).toBe(0);
    expect(p.output()).toContain("localhost/skiff-test/busybox:2");
  });

  test("graceful deletion stops the containers and removes the pod", async () => {
    const out = await c.k(["delete", "pod", "noimage", "gated", "--wait=true"]);
    expect(out).toContain('pod "gated" deleted');
    expect((await c.kr(["get", "pod", "gated"])).code).not.toBe(0);
  });
});

describe("surviving failures", () => {
  const startedAt = async (name: string) => (await getPod(name)).status.containerStatuses.map((s: any) => `${s.name}:${s.restartCount}:${s.state.running?.startedAt}`).join(",");

  test("kill -9 the agent and start it again: no container restarts", async () => {
    const before = await startedAt("duo");
    const a = c.agents.get(NODE_B)!;
    a.proc.proc.kill("SIGKILL");
    await a.proc.proc.exited;
    await c.startAgent(NODE_B);
    await Bun.sleep(5000);
    expect(await startedAt("duo")).toBe(before);
    expect((await c.k(["get", "pod", "duo"]))).toMatch(/duo\s+2\/2\s+Running\s+0/);
  });

  test("a server outage of 60 s restarts nothing, and status catches up after", async () => {
    const before = await startedAt("duo");
    c.server.proc.kill("SIGTERM");
    await c.server.proc.exited;
    // While the server is away the agent keeps pods running; a pod's container may even exit and restart.
    await Bun.sleep(60_000);
    await c.startServer();
    await eventually("status after outage", async () => ((await startedAt("duo")) === before ? true : undefined), 30_000);
    await c.k(["delete", "pod", "envy", "--wait=true"]);
    expect((await c.k(["get", "pods"]))).not.toContain("envy");
  }, 180_000);
});

describe("pod network without an overlay", () => {
  test("with --flannel-backend none the pod bridge's MAC is pinned too, and stays as pods come and go", async () => {
    const node = "agent-c";
    await c.startAgent(node, ["--flannel-backend", "none", "--disable-kube-proxy"]);
    const cidr: string = await eventually("node C's pod subnet", async () => JSON.parse(await c.k(["get", "node", node, "-o", "json"])).spec?.podCIDR);
    const sleeper = { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sleep", "3600"] }] };
    await c.k(["apply", "-f", "-"], pod("mac-a", sleeper, node));
    await waitReady("mac-a");
    const bridge = await eventually("the pod bridge", () => findPodBridge(firstHost(cidr), c.netns.prefix));
    // An address set by hand (addr_assign_type 3) is one the kernel keeps whatever ports come and go.
    const assignType = async () => (await execa("ip", ["netns", "exec", c.netns.name, "cat", `/sys/class/net/${bridge.ifname}/addr_assign_type`])).stdout.trim();
    await eventually("the bridge address pinned", async () => ((await assignType()) === "3" ? true : undefined), 20_000);
    // Unpinned, the bridge would take the lowest MAC of its ports: mac-b's veth once mac-a's is gone.
    await c.k(["apply", "-f", "-"], pod("mac-b", sleeper, node));
    await waitReady("mac-b");
    await c.k(["delete", "pod", "mac-a", "--wait=true"]);
    expect((await findPodBridge(firstHost(cidr), c.netns.prefix))?.address).toBe(bridge.address);
    await c.k(["delete", "pod", "mac-b"]);
  });
});
