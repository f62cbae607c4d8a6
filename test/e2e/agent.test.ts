// The node agent end to end: a server (its own node runs podman) and two more agents on one
// machine, one on podman and one on containerd (its own containerd under its data dir), real
// containers, real kubectl, all inside a network namespace. The pod cases run once per runtime
// on the same cluster; what does not depend on the runtime (joining, tokens, one Service across
// both runtimes, a server outage, a node without an overlay) runs once.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { kubectlPath } from "../support/kubectl.ts";
import { execa } from "execa";
import { findPodBridge } from "../../src/agent/network/bridge-address.ts";
import { firstHost } from "../../src/agent/runtime/podman-config.ts";
import { createRuntimeDriver, type RuntimeName } from "../../src/agent/runtime/factory.ts";
import { detectHost } from "../../src/agent/runtime/host-detect.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(180_000);

let c: TestCluster;
const RUNTIMES: RuntimeName[] = ["podman", "containerd"];
const NODES: Record<RuntimeName, string> = { podman: "agent-b", containerd: "agent-ctrd" };
const NODE_B = NODES.podman;

beforeAll(async () => {
  for (const bin of ["podman", "containerd", "ctr", "runc"]) if (!Bun.which(bin)) throw new Error(`${bin} not found: apt-get install -y podman containerd runc`);
  c = await startCluster("agent", { serverArgs: ["--runtime", "podman"] });
  for (const runtime of RUNTIMES) await c.startAgent(NODES[runtime], ["--runtime", runtime]);
}, 180_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const pod = (name: string, spec: Record<string, unknown>, node = NODE_B, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 5, ...spec } });
const getPod = async (name: string) => JSON.parse(await c.k(["get", "pod", name, "-o", "json"]));
const waitPhase = (name: string, phase: string, ms = 60_000) =>
  eventually(`pod ${name} ${phase}`, async () => ((await getPod(name)).status?.phase === phase ? true : undefined), ms);
const waitReady = (name: string, ms = 60_000) =>
  eventually(`pod ${name} Ready`, async () => ((await getPod(name)).status?.conditions?.find((x: any) => x.type === "Ready")?.status === "True" ? true : undefined), ms);

describe("joining", () => {
  test("the nodes are Ready with capacity, node info and labels, and say which runtime they run", async () => {
    const out = await eventually("three Ready nodes", async () => {
      const o = await c.k(["get", "nodes"]);
      return (o.match(/\sReady\s/g) ?? []).length === 3 ? o : undefined;
    });
    expect(out).toMatch(/agent-server\s+Ready\s+control-plane/);
    for (const runtime of RUNTIMES) {
      const name = NODES[runtime];
      expect(out).toMatch(new RegExp(`${name}\\s+Ready\\s+<none>`));
      const node = JSON.parse(await c.k(["get", "node", name, "-o", "json"]));
      expect(Number(node.status.capacity.cpu)).toBeGreaterThan(0);
      expect(node.status.capacity.memory).toMatch(/^\d+Ki$/);
      expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(new RegExp(`^${runtime}://\\d+\\.\\d+`));
      expect(node.metadata.labels["kubernetes.io/hostname"]).toBe(name);
      expect(node.spec.podCIDR).toMatch(/^10\.42\.\d+\.0\/24$/);
      const lease = JSON.parse(await c.k(["get", "lease", name, "-n", "kube-node-lease", "-o", "json"]));
      expect(lease.spec.holderIdentity).toBe(name);
      expect(c.agents.get(name)!.proc.output()).toMatch(new RegExp(`skiff agent ready: .*\\(runtime ${runtime}://\\d`));
    }
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

describe.each(RUNTIMES)("pods on a %s node", (runtime) => {
  const node = NODES[runtime];
  // Pod and object names carry the runtime: both describe blocks share one cluster.
  const n = (base: string) => `${base}-${runtime === "podman" ? "pm" : "cd"}`;
  const startedAt = async (name: string) => (await getPod(name)).status.containerStatuses.map((s: any) => `${s.name}:${s.restartCount}:${s.containerID}:${s.state.running?.startedAt}`).join(",");

  test("two containers share the pod's network; an init container runs first", async () => {
    await c.k(["apply", "-f", "-"], pod(n("duo"), {
      initContainers: [{ name: "prepare", image: TEST_IMAGE_1, command: ["sh", "-c", "echo prepared > /work/init.txt"], volumeMounts: [{ name: "work", mountPath: "/work" }] }],
      containers: [
        { name: "web", image: TEST_IMAGE_1, command: ["sh", "-c", "cp /work/init.txt /www/index.html && httpd -f -p 8080 -h /www"], volumeMounts: [{ name: "work", mountPath: "/work" }, { name: "www", mountPath: "/www" }] },
        { name: "client", image: TEST_IMAGE_1, command: ["sh", "-c", "while true; do wget -q -O - http://127.0.0.1:8080/ && sleep 3600; sleep 1; done"] },
      ],
      volumes: [{ name: "work", emptyDir: {} }, { name: "www", emptyDir: {} }],
    }, node));
    await waitReady(n("duo"));
    const out = await eventually("client output", async () => {
      const logs = await c.k(["logs", n("duo"), "-c", "client"]);
      return logs.includes("prepared") ? logs : undefined;
    });
    expect(out).toBe("prepared\n");
    const table = await c.k(["get", "pod", n("duo"), "-o", "wide"]);
    expect(table).toMatch(new RegExp(`${n("duo")}\\s+2/2\\s+Running\\s+0\\s+.*10\\.42\\.\\d+\\.\\d+\\s+${node}`));
    const p = await getPod(n("duo"));
    expect(p.status.podIP).toMatch(/^10\.42\./);
    expect(p.status.initContainerStatuses[0].state.terminated.exitCode).toBe(0);
    for (const s of p.status.containerStatuses) expect(s.containerID).toStartWith(`${runtime}://`);
  });

  test("env from a ConfigMap, a Secret and the pod's own fields; a configMap volume follows updates", async () => {
    await c.k(["create", "configmap", n("settings"), "--from-literal=color=blue"]);
    await c.k(["create", "secret", "generic", n("creds"), "--from-literal=password=hunter2"]);
    await c.k(["apply", "-f", "-"], pod(n("envy"), {
      containers: [{
        name: "main",
        image: TEST_IMAGE_1,
        command: ["sh", "-c", "echo COLOR=$COLOR PASSWORD=$PASSWORD NAME=$MY_NAME NS=$MY_NS IP=$MY_IP; sleep 3600"],
        env: [
          { name: "COLOR", valueFrom: { configMapKeyRef: { name: n("settings"), key: "color" } } },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: n("creds"), key: "password" } } },
          { name: "MY_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MY_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
        volumeMounts: [{ name: "cfg", mountPath: "/cfg" }],
      }],
      volumes: [{ name: "cfg", configMap: { name: n("settings") } }],
    }, node));
    await waitPhase(n("envy"), "Running");
    const logs = await eventually("env line", async () => {
      const l = await c.k(["logs", n("envy")]);
      return l.includes("COLOR=") ? l : undefined;
    });
    expect(logs).toMatch(new RegExp(`COLOR=blue PASSWORD=hunter2 NAME=${n("envy")} NS=default IP=10\\.42\\.\\d+\\.\\d+`));
    expect((await c.k(["exec", n("envy"), "--", "cat", "/cfg/color"])).trim()).toBe("blue");
    await c.k(["patch", "configmap", n("settings"), "--type=merge", "-p", '{"data":{"color":"green"}}']);
    await eventually("updated file", async () => ((await c.k(["exec", n("envy"), "--", "cat", "/cfg/color"])).trim() === "green" ? true : undefined), 60_000, 1000);
  });

  test("exec passes exit codes and stdin; logs -f follows; --timestamps", async () => {
    const r = await c.kr(["exec", n("envy"), "--", "sh", "-c", "exit 3"]);
    expect(r.code).toBe(3);
    expect(await c.k(["exec", "-i", n("envy"), "--", "cat"], "from stdin\n")).toBe("from stdin\n");
    const follow = Bun.spawn([...c.netns.prefix, kubectlPath(), "logs", "-f", n("duo"), "-c", "web", "--tail=1"], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdout: "pipe" });
    await Bun.sleep(1500);
    await c.k(["exec", n("duo"), "-c", "web", "--", "sh", "-c", "echo followed-line > /proc/1/fd/1"]);
    await Bun.sleep(1500);
    follow.kill();
    expect(await new Response(follow.stdout).text()).toContain("followed-line");
    const stamped = await c.k(["logs", n("duo"), "-c", "client", "--timestamps", "--since=1h"]);
    expect(stamped).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}) prepared$/m);
  });

  test("a failing liveness probe restarts the container, then CrashLoopBackOff; --previous shows the last one's log", async () => {
    await c.k(["apply", "-f", "-"], pod(n("sick"), {
      containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sh", "-c", "echo started; exec sleep 3600"], livenessProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 1 } }],
    }, node));
    const seen = await eventually("CrashLoopBackOff", async () => {
      const t = await c.k(["get", "pod", n("sick")]);
      return /CrashLoopBackOff/.test(t) ? t : undefined;
    }, 90_000);
    expect(seen).toMatch(new RegExp(`${n("sick")}\\s+0/1\\s+CrashLoopBackOff\\s+[1-9]`));
    expect(await c.k(["describe", "pod", n("sick")])).toContain("Liveness probe failed");
    // The previous instance is kept for its logs.
    expect(await c.k(["logs", n("sick"), "--previous"])).toBe("started\n");
  });

  test("an http readiness probe gates Ready; a tcp liveness probe keeps it running", async () => {
    await c.k(["apply", "-f", "-"], pod(n("probed"), {
      containers: [{
        name: "main",
        image: TEST_IMAGE_1,
        command: ["sh", "-c", "sleep 4; httpd -f -p 8080 -h /www"],
        readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
        livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 8, periodSeconds: 2 },
      }],
    }, node));
    await waitPhase(n("probed"), "Running");
    expect(await c.k(["get", "pod", n("probed")])).toMatch(new RegExp(`${n("probed")}\\s+0/1\\s+Running`));
    await waitReady(n("probed"));
    await Bun.sleep(3000);
    expect(await c.k(["get", "pod", n("probed")])).toMatch(new RegExp(`${n("probed")}\\s+1/1\\s+Running\\s+0`));
  });

  test("a container over its memory limit is killed (OOMKilled where the runtime can tell)", async () => {
    await c.k(["apply", "-f", "-"], pod(n("hog"), {
      restartPolicy: "Never",
      containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sh", "-c", "x=a; while :; do x=$x$x; done"], resources: { limits: { memory: "24Mi", cpu: "200m" } } }],
    }, node));
    const term = await eventually("terminated", async () => (await getPod(n("hog"))).status?.containerStatuses?.[0]?.state?.terminated, 60_000);
    expect(term.exitCode).toBe(137);
    // podman 4.3 on a hybrid or v1 hierarchy reports an OOM kill as a plain exit 137; containerd reads the cgroup's count.
    expect(term.reason).toBe(runtime === "containerd" || detectHost().cgroupMode === "v2" ? "OOMKilled" : "Error");
  });

  test("a missing image is reported as ErrImagePull with the reason, not a crash", async () => {
    await c.k(["apply", "-f", "-"], pod(n("noimage"), { containers: [{ name: "main", image: "registry.invalid/not-here:1" }] }, node));
    const t = await eventually("ErrImagePull", async () => {
      const o = await c.k(["get", "pod", n("noimage")]);
      return /ErrImagePull|ImagePullBackOff/.test(o) ? o : undefined;
    });
    expect(t).toMatch(new RegExp(`${n("noimage")}\\s+0/1\\s+(ErrImagePull|ImagePullBackOff)`));
    // containerd tries the registry; this podman node does not pull.
    expect(await c.k(["describe", "pod", n("noimage")])).toContain(runtime === "containerd" ? 'failed to pull image "registry.invalid/not-here:1"' : "no registry is reachable");
    // Its logs say what the kubelet says of a container that never ran.
    const logs = await c.kr(["logs", n("noimage")]);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain(`container "main" in pod "${n("noimage")}" is waiting to start`);
    expect((await c.kr(["logs", n("noimage"), "--previous"])).stderr).toContain(`previous terminated container "main" in pod "${n("noimage")}" not found`);
  });

  test("kubectl attach -i and run -i: the container's stdin, stdout and stderr", async () => {
    await c.k(["apply", "-f", "-"], pod(n("reader"), { restartPolicy: "Never", containers: [{ name: "main", image: TEST_IMAGE_1, stdin: true, stdinOnce: true, command: ["sh", "-c", "read line; echo got-$line; echo err-$line >&2"] }] }, node));
    await waitPhase(n("reader"), "Running");
    const r = await c.kr(["attach", "-i", n("reader")], "hello\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("got-hello\n");
    expect(r.stderr).toContain("err-hello");
    await waitPhase(n("reader"), "Succeeded");
    const run = await c.kr(["run", "-i", "--rm", "--restart=Never", `--image=${TEST_IMAGE_1}`, `--overrides={"spec":{"nodeName":"${node}"}}`, n("runner"), "--", "sh", "-c", "read x; echo ran-$x"], "world\n");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ran-world\n");
    expect(run.stdout).toContain(`pod "${n("runner")}" deleted`);
  });

  test("kubectl debug --target: an ephemeral container as a given user sees the target's processes", async () => {
    const r = await c.kr(["debug", "-i", `pod/${n("envy")}`, `--image=${TEST_IMAGE_1}`, "--target=main", "-c", "dbg", "--profile=general", "--", "sh"], "echo in-debug; ps -o args\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("in-debug\n");
    expect(r.stdout).toContain("sleep 3600");
    await eventually("dbg terminated", async () => (await getPod(n("envy"))).status.ephemeralContainerStatuses?.find((x: { name: string }) => x.name === "dbg")?.state?.terminated);
    // runAsUser (the container's) and runAsGroup (the pod's) reach the process; exec runs as the same user.
    await c.k(["apply", "-f", "-"], pod(n("user"), { securityContext: { runAsGroup: 4321 }, containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sh", "-c", "id -u; id -g; exec sleep 3600"], securityContext: { runAsUser: 1234 } }] }, node));
    await waitReady(n("user"));
    expect(await eventually("id output", async () => ((await c.k(["logs", n("user")])).includes("4321") ? c.k(["logs", n("user")]) : undefined))).toBe("1234\n4321\n");
    expect((await c.k(["exec", n("user"), "--", "id", "-u"])).trim()).toBe("1234");
  });

  test("kubectl top shows the node and its pods from the agent's resource metrics", async () => {
    const nodes = await eventually("kubectl top nodes", async () => {
      const r = await c.kr(["top", "nodes"]);
      return r.code === 0 && r.stdout.includes(node) ? r.stdout : undefined;
    }, 90_000, 2000);
    expect(nodes).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(?%\)?\s+MEMORY\(bytes\)/);
    const pods = await eventually("kubectl top pods", async () => {
      const r = await c.kr(["top", "pods"]);
      return r.code === 0 && r.stdout.includes(n("duo")) ? r.stdout : undefined;
    }, 90_000, 2000);
    expect(pods).toMatch(new RegExp(`${n("duo")}\\s+\\d+m\\s+\\d+Mi`));
  });

  test("skiff images import loads an archive, and a root-filesystem tar under a name, into the node's runtime", async () => {
    const { testImageArchive, testRootfsTar } = await import("../support/images.ts");
    const archive = await testImageArchive(2);
    const p = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], ["images", "import", "--data-dir", c.agents.get(node)!.dir, archive]);
    expect(await p.proc.exited).toBe(0);
    expect(p.output()).toContain("localhost/skiff-test/busybox:2");
    const ref = `localhost/skiff-test/rootfs-${runtime}:1`;
    const r = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], ["images", "import", "--data-dir", c.agents.get(node)!.dir, "--name", ref, await testRootfsTar(2)]);
    expect(await r.proc.exited).toBe(0);
    expect(r.output()).toContain(ref);
  });

  test("graceful deletion stops the containers and removes the pod", async () => {
    const out = await c.k(["delete", "pod", n("noimage"), n("probed"), n("hog"), n("user"), n("sick"), n("reader"), "--wait=true"]);
    expect(out).toContain(`pod "${n("probed")}" deleted`);
    expect((await c.kr(["get", "pod", n("probed")])).code).not.toBe(0);
  });

  test("kill -9 the agent and start it again: nothing restarts, nothing is recreated", async () => {
    const before = await startedAt(n("duo"));
    const a = c.agents.get(node)!;
    a.proc.proc.kill("SIGKILL");
    await a.proc.proc.exited;
    await c.startAgent(node, ["--runtime", runtime]);
    await Bun.sleep(5000);
    expect(await startedAt(n("duo"))).toBe(before);
    expect(await c.k(["get", "pod", n("duo")])).toMatch(new RegExp(`${n("duo")}\\s+2/2\\s+Running\\s+0`));
  });
});

describe("across runtimes", () => {
  const startedAt = async (name: string) => (await getPod(name)).status.containerStatuses.map((s: any) => `${s.name}:${s.restartCount}:${s.state.running?.startedAt}`).join(",");

  test("one Service is served by a podman pod and a containerd pod", async () => {
    const web = (name: string, node: string) =>
      c.k(["apply", "-f", "-"], pod(name, { containers: [{ name: "web", image: TEST_IMAGE_1, command: ["sh", "-c", `echo ${name} > /www/index.html; httpd -f -p 80 -h /www`] }] }, node, { app: "both" }));
    await web("on-podman", NODES.podman);
    await web("on-containerd", NODES.containerd);
    await c.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "both" }, spec: { selector: { app: "both" }, ports: [{ port: 80 }] } }));
    await waitReady("on-podman");
    await waitReady("on-containerd");
    // Each pod answers on its own address from a pod on the containerd node (the nodes' bridges are routed).
    for (const name of ["on-podman", "on-containerd"]) {
      const ip = (await getPod(name)).status.podIP;
      expect((await c.k(["exec", "duo-cd", "-c", "web", "--", "timeout", "2", "wget", "-q", "-O", "-", `http://${ip}/`])).trim()).toBe(name);
    }
    // By name through the cluster DNS.
    const answers = await eventually("both backends", async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const r = await c.kr(["exec", "duo-cd", "-c", "web", "--", "timeout", "2", "wget", "-q", "-O", "-", "http://both.default.svc.cluster.local/"]);
        if (r.code === 0) seen.add(r.stdout.trim());
        if (seen.size === 2) return [...seen].sort();
      }
      return undefined;
    }, 90_000, 1000);
    expect(answers).toEqual(["on-containerd", "on-podman"]);
    await c.k(["delete", "pod", "on-podman", "on-containerd", "--wait=false"]);
  });

  test("a server outage of 60 s restarts nothing on either runtime, and status catches up after", async () => {
    const before = await Promise.all(RUNTIMES.map((r) => startedAt(`duo-${r === "podman" ? "pm" : "cd"}`)));
    c.server.proc.kill("SIGTERM");
    await c.server.proc.exited;
    // While the server is away the agents keep pods running; a pod's container may even exit and restart.
    await Bun.sleep(60_000);
    await c.startServer();
    await eventually("status after outage", async () => ((await Promise.all(RUNTIMES.map((r) => startedAt(`duo-${r === "podman" ? "pm" : "cd"}`)))).join("|") === before.join("|") ? true : undefined), 30_000);
    await c.k(["delete", "pod", "envy-pm", "envy-cd", "--wait=true"]);
    expect(await c.k(["get", "pods"])).not.toContain("envy");
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

describe.each(RUNTIMES)("stopping a %s node", (runtime) => {
  test("SIGTERM stops the agent within 10 s; skiff killall removes every container and sandbox", async () => {
    const node = NODES[runtime];
    const a = c.agents.get(node)!;
    const t0 = Date.now();
    a.proc.proc.kill("SIGTERM");
    await a.proc.proc.exited;
    expect(Date.now() - t0).toBeLessThan(10_000);
    const k = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], ["killall", "--data-dir", a.dir]);
    expect(await k.proc.exited).toBe(0);
    // Look with a driver of this test's own (for containerd: a containerd started here).
    const d = await createRuntimeDriver({ runtime, dataDir: a.dir, nodeName: node, commandPrefix: c.netns.prefix });
    try {
      expect(await d.listContainers()).toEqual([]);
      expect(await d.listSandboxes()).toEqual([]);
    } finally {
      await d.removeAll();
      await d.close();
    }
  });
});
