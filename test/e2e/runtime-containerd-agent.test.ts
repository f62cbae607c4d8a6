// The agent end to end on containerd: a server whose own node runs podman and a second node
// running `--runtime containerd` (its own containerd under its data dir), real kubectl, all
// inside a network namespace. One Service is served by pods on both runtimes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { execa } from "execa";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { createContainerdDriver } from "../../src/agent/runtime/factory.ts";

setDefaultTimeout(180_000);

let c: TestCluster;
const NODE_C = "agent-ctrd";

beforeAll(async () => {
  for (const bin of ["containerd", "ctr"]) if (!Bun.which(bin)) throw new Error(`${bin} not found: apt-get install -y containerd runc`);
  c = await startCluster("ctrd", { serverArgs: ["--runtime", "podman"] });
  await c.startAgent(NODE_C, ["--runtime", "containerd"]);
}, 180_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const pod = (name: string, spec: Record<string, unknown>, node = NODE_C, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 5, ...spec } });
const getPod = async (name: string) => JSON.parse(await c.k(["get", "pod", name, "-o", "json"]));
const waitReady = (name: string, ms = 60_000) =>
  eventually(`pod ${name} Ready`, async () => ((await getPod(name)).status?.conditions?.find((x: any) => x.type === "Ready")?.status === "True" ? true : undefined), ms);
const ctr = (args: string[]) => execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), "ctr", "--address", join(c.agents.get(NODE_C)!.dir, "agent", "containerd", "containerd.sock"), "-n", "k8s.io", ...args], { reject: false });

describe("a containerd node", () => {
  test("joins Ready and says which runtime it runs", async () => {
    const node = await eventually("node Ready", async () => {
      const n = JSON.parse(await c.k(["get", "node", NODE_C, "-o", "json"]));
      return n.status?.conditions?.find((x: any) => x.type === "Ready")?.status === "True" ? n : undefined;
    });
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/\d+\.\d+\.\d+$/);
    const server = JSON.parse(await c.k(["get", "node", "ctrd-server", "-o", "json"]));
    expect(server.status.nodeInfo.containerRuntimeVersion).toMatch(/^podman:\/\/\d/);
    expect(c.agents.get(NODE_C)!.proc.output()).toMatch(/skiff agent ready: .*\(runtime containerd:\/\/\d/);
  });

  test("an init container runs first; two containers share localhost; env from a ConfigMap and Secret; a configMap volume", async () => {
    await c.k(["create", "configmap", "settings", "--from-literal=color=blue"]);
    await c.k(["create", "secret", "generic", "creds", "--from-literal=password=hunter2"]);
    await c.k(["apply", "-f", "-"], pod("duo", {
      initContainers: [{ name: "prepare", image: TEST_IMAGE_1, command: ["sh", "-c", "echo prepared > /work/init.txt"], volumeMounts: [{ name: "work", mountPath: "/work" }] }],
      containers: [
        { name: "web", image: TEST_IMAGE_1, command: ["sh", "-c", "cp /work/init.txt /www/index.html && httpd -f -p 8080 -h /www"], volumeMounts: [{ name: "work", mountPath: "/work" }, { name: "www", mountPath: "/www" }] },
        {
          name: "client",
          image: TEST_IMAGE_1,
          command: ["sh", "-c", "echo COLOR=$COLOR PASSWORD=$PASSWORD NAME=$MY_NAME; cat /cfg/color; while true; do wget -q -O - http://127.0.0.1:8080/ && sleep 3600; sleep 1; done"],
          env: [
            { name: "COLOR", valueFrom: { configMapKeyRef: { name: "settings", key: "color" } } },
            { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
            { name: "MY_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          volumeMounts: [{ name: "cfg", mountPath: "/cfg" }],
        },
      ],
      volumes: [{ name: "work", emptyDir: {} }, { name: "www", emptyDir: {} }, { name: "cfg", configMap: { name: "settings" } }],
    }));
    await waitReady("duo");
    const out = await eventually("client output", async () => {
      const logs = await c.k(["logs", "duo", "-c", "client"]);
      return logs.includes("prepared") ? logs : undefined;
    });
    // The configMap file holds "blue" with no newline.
    expect(out).toBe("COLOR=blue PASSWORD=hunter2 NAME=duo\nblueprepared\n");
    expect(await c.k(["get", "pod", "duo", "-o", "wide"])).toMatch(new RegExp(`duo\\s+2/2\\s+Running\\s+0\\s+.*10\\.42\\.\\d+\\.\\d+\\s+${NODE_C}`));
    // The containers are containerd's, in namespace k8s.io.
    expect((await ctr(["containers", "ls", "-q"])).stdout).toMatch(/default_duo_web_/);
  });

  test("exec passes exit codes and stdin; logs -f follows; --timestamps", async () => {
    expect((await c.kr(["exec", "duo", "-c", "web", "--", "sh", "-c", "exit 3"])).code).toBe(3);
    expect(await c.k(["exec", "-i", "duo", "-c", "web", "--", "cat"], "from stdin\n")).toBe("from stdin\n");
    const { kubectlPath } = await import("../support/kubectl.ts");
    const follow = Bun.spawn([...c.netns.prefix, kubectlPath(), "logs", "-f", "duo", "-c", "web", "--tail=1"], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdout: "pipe" });
    await Bun.sleep(1500);
    await c.k(["exec", "duo", "-c", "web", "--", "sh", "-c", "echo followed-line > /proc/1/fd/1"]);
    await Bun.sleep(1500);
    follow.kill();
    expect(await new Response(follow.stdout).text()).toContain("followed-line");
    const stamped = await c.k(["logs", "duo", "-c", "client", "--timestamps"]);
    expect(stamped).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z COLOR=blue/);
  });

  test("a failing liveness probe restarts the container, with back-off and --previous logs", async () => {
    await c.k(["apply", "-f", "-"], pod("sick", {
      containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sh", "-c", "echo started; sleep 3600"], livenessProbe: { exec: { command: ["false"] }, periodSeconds: 1, failureThreshold: 1 } }],
    }));
    const seen = await eventually("CrashLoopBackOff", async () => {
      const t = await c.k(["get", "pod", "sick"]);
      return /CrashLoopBackOff/.test(t) ? t : undefined;
    }, 90_000);
    expect(seen).toMatch(/sick\s+0\/1\s+CrashLoopBackOff\s+[1-9]/);
    expect(await c.k(["describe", "pod", "sick"])).toContain("Liveness probe failed");
    expect(await c.k(["logs", "sick", "--previous"])).toBe("started\n");
  });

  test("an http and a tcp probe gate Ready", async () => {
    await c.k(["apply", "-f", "-"], pod("probed", {
      containers: [{
        name: "main",
        image: TEST_IMAGE_1,
        command: ["sh", "-c", "sleep 3; httpd -f -p 8080 -h /www"],
        readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
        livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 10, periodSeconds: 2 },
      }],
    }));
    await waitReady("probed");
    expect(await c.k(["get", "pod", "probed"])).toMatch(/probed\s+1\/1\s+Running\s+0/);
  });

  test("a container over its memory limit is OOMKilled", async () => {
    await c.k(["apply", "-f", "-"], pod("hog", {
      restartPolicy: "Never",
      containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sh", "-c", "x=a; while :; do x=$x$x; done"], resources: { limits: { memory: "24Mi", cpu: "200m" } } }],
    }));
    const term = await eventually("terminated", async () => (await getPod("hog")).status?.containerStatuses?.[0]?.state?.terminated, 60_000);
    expect(term.reason).toBe("OOMKilled");
    expect(term.exitCode).toBe(137);
  });

  test("a missing image is pulled; with no registry reachable the pod shows ErrImagePull with the pull's error", async () => {
    await c.k(["apply", "-f", "-"], pod("noimage", { containers: [{ name: "main", image: "registry.invalid/none:1" }] }));
    const t = await eventually("ErrImagePull", async () => {
      const o = await c.k(["get", "pod", "noimage"]);
      return /ErrImagePull|ImagePullBackOff/.test(o) ? o : undefined;
    });
    expect(t).toMatch(/noimage\s+0\/1\s+(ErrImagePull|ImagePullBackOff)/);
    expect(await c.k(["describe", "pod", "noimage"])).toContain('failed to pull image "registry.invalid/none:1"');
    await c.k(["delete", "pod", "noimage", "--wait=true"]);
  });

  test("one Service is served by a podman pod and a containerd pod", async () => {
    const web = (name: string, node: string) =>
      c.k(["apply", "-f", "-"], pod(name, { containers: [{ name: "web", image: TEST_IMAGE_1, command: ["sh", "-c", `echo ${name} > /www/index.html; httpd -f -p 80 -h /www`] }] }, node, { app: "both" }));
    await web("on-podman", "ctrd-server");
    await web("on-containerd", NODE_C);
    await c.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "both" }, spec: { selector: { app: "both" }, ports: [{ port: 80 }] } }));
    await waitReady("on-podman");
    await waitReady("on-containerd");
    // Each pod answers on its own address from the containerd node (the two nodes' bridges are routed).
    for (const [name, target] of [["on-podman", (await getPod("on-podman")).status.podIP], ["on-containerd", (await getPod("on-containerd")).status.podIP]]) {
      expect((await c.k(["exec", "duo", "-c", "web", "--", "timeout", "2", "wget", "-q", "-O", "-", `http://${target}/`])).trim()).toBe(name);
    }
    // From a pod on the containerd node, by name through the cluster DNS.
    const answers = await eventually("both backends", async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const r = await c.kr(["exec", "duo", "-c", "web", "--", "timeout", "2", "wget", "-q", "-O", "-", "http://both.default.svc.cluster.local/"]);
        if (r.code === 0) seen.add(r.stdout.trim());
        if (seen.size === 2) return [...seen].sort();
      }
      return undefined;
    }, 90_000, 1000);
    expect(answers).toEqual(["on-containerd", "on-podman"]);
  });

  test("kubectl attach tells why it cannot attach (containerd hands the output to the log program)", async () => {
    const r = await c.kr(["attach", "duo", "-c", "web"]);
    expect(r.stderr).toContain("attach is not supported by this node's containerd runtime: use kubectl logs -f or kubectl exec");
    // The container goes on running.
    expect(await c.k(["get", "pod", "duo"])).toMatch(/duo\s+2\/2\s+Running\s+0/);
  });

  test("kill -9 the agent and start it again: nothing restarts, nothing is recreated", async () => {
    const before = (await getPod("duo")).status.containerStatuses.map((s: any) => `${s.name}:${s.restartCount}:${s.containerID}:${s.state.running?.startedAt}`).join(",");
    const a = c.agents.get(NODE_C)!;
    a.proc.proc.kill("SIGKILL");
    await a.proc.proc.exited;
    await c.startAgent(NODE_C, ["--runtime", "containerd"]);
    await Bun.sleep(5000);
    const after = (await getPod("duo")).status.containerStatuses.map((s: any) => `${s.name}:${s.restartCount}:${s.containerID}:${s.state.running?.startedAt}`).join(",");
    expect(after).toBe(before);
    expect(await c.k(["get", "pod", "duo"])).toMatch(/duo\s+2\/2\s+Running\s+0/);
  });

  test("SIGTERM stops the agent and its containerd within 10 s; skiff killall removes every container", async () => {
    const a = c.agents.get(NODE_C)!;
    const t0 = Date.now();
    a.proc.proc.kill("SIGTERM");
    await a.proc.proc.exited;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await ctr(["version"])).exitCode).not.toBe(0);
    const k = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], ["killall", "--data-dir", a.dir]);
    expect(await k.proc.exited).toBe(0);
    // killall started containerd for the cleanup and stopped it again: look with one started here.
    const d = await createContainerdDriver({ dataDir: a.dir, nodeName: NODE_C, commandPrefix: c.netns.prefix });
    try {
      expect((await d.cli.run(["containers", "ls", "-q"])).stdout.trim()).toBe("");
      expect(await d.listSandboxes()).toEqual([]);
    } finally {
      await d.close();
    }
  });
});
