// Persistent storage end to end with real kubectl and real podman on two nodes: the default
// local-path class, a Deployment whose claim is provisioned on the node its pod lands on
// (every replica follows the volume there), readOnly and subPath mounts, a pod whose claim
// is missing, pvc-protection, the directory removed with the claim, and bindings, directories
// and data kept across a restart of the server and the agent.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { join } from "node:path";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { tempDir } from "../support/server.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(300_000);

let c: TestCluster;
const STORAGE = tempDir("skiff-pv-storage-");
const SERVER_NODE = "pv-server";
const NODE_B = "pv-b";
// Agents share the test's network namespace with the server: its overlay and proxy do.
const AGENT_FLAGS = ["--flannel-backend", "none", "--disable-kube-proxy", "--metrics-anonymous"];

beforeAll(async () => {
  c = await startCluster("pv", { serverArgs: ["--default-local-storage-path", STORAGE, "--metrics-anonymous"] });
  await c.startAgent(NODE_B, AGENT_FLAGS);
  await eventually("two Ready nodes", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/g)?.length === 2 ? true : undefined));
}, 300_000);
afterAll(async () => {
  await c?.stop();
  rmSync(STORAGE, { recursive: true, force: true });
}, 120_000);

const claim = (name: string) => JSON.stringify({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } } });
const writer = JSON.stringify({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "writer" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "writer" } },
    template: {
      metadata: { labels: { app: "writer" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "w", image: TEST_IMAGE_1, command: ["sh", "-c", "mkdir -p /data/logs && hostname >> /data/logs/hosts && sync && exec sleep 3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
      },
    },
  },
});
const reader = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "reader" },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: "r", image: TEST_IMAGE_1, command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/ro" }, { name: "data", mountPath: "/logs", subPath: "logs" }] }],
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data", readOnly: true } }],
  },
});

type Pod = { metadata: { name: string }; spec: { nodeName?: string }; status?: { phase?: string } };
const writerPods = async () => (JSON.parse(await c.k(["get", "pods", "-l", "app=writer", "-o", "json"])).items as Pod[]).filter((p) => p.status?.phase === "Running");
const pvc = async (name: string) => JSON.parse(await c.k(["get", "pvc", name, "-o", "json"]));
const pvNode = (pv: any): string => pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0];
let pvName = "";

describe("persistent volumes", () => {
  test("the default class is local-path, as k3s ships it", async () => {
    expect(await c.k(["get", "storageclass"])).toMatch(/NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+skiff\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/);
  });

  test("a claim waits for its first pod; the pod's volume is provisioned on its node and every replica follows it there", async () => {
    await c.k(["apply", "-f", "-"], claim("data"));
    expect(await c.k(["get", "pvc", "data"])).toMatch(/data\s+Pending\s+local-path\s+<unset>\s+/);
    await c.k(["apply", "-f", "-"], writer);
    await c.k(["rollout", "status", "deployment/writer", "--timeout=120s"]);
    const bound = await pvc("data");
    expect(bound.status.phase).toBe("Bound");
    pvName = bound.spec.volumeName;
    expect(await c.k(["get", "pvc", "data"])).toMatch(new RegExp(`data\\s+Bound\\s+${pvName}\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>\\s+`));
    expect(await c.k(["get", "pv"])).toMatch(new RegExp(`${pvName}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+local-path\\s+<unset>\\s+`));
    const pv = JSON.parse(await c.k(["get", "pv", pvName, "-o", "json"]));
    const node = pvNode(pv);
    expect([SERVER_NODE, NODE_B]).toContain(node);
    expect(pv.spec.hostPath.path).toBe(join(STORAGE, pvName));
    const [first] = await writerPods();
    expect(first!.spec.nodeName).toBe(node);
    await eventually("the pod's line in the volume's directory", async () => (readFileSync(join(STORAGE, pvName, "logs", "hosts"), "utf8").includes(first!.metadata.name) ? true : undefined));

    // Without the volume the scheduler would spread replicas over both nodes.
    await c.k(["scale", "deployment/writer", "--replicas=3"]);
    await c.k(["rollout", "status", "deployment/writer", "--timeout=120s"]);
    const pods = await writerPods();
    expect(pods.map((p) => p.spec.nodeName)).toEqual([node, node, node]);
    const lines = readFileSync(join(STORAGE, pvName, "logs", "hosts"), "utf8").trim().split("\n");
    expect(lines.sort()).toEqual(pods.map((p) => p.metadata.name).sort());
  });

  test("readOnly claims and subPath mounts", async () => {
    await c.k(["apply", "-f", "-"], reader);
    await c.k(["wait", "--for=condition=Ready", "pod/reader", "--timeout=120s"]);
    expect(await c.k(["exec", "reader", "--", "cat", "/ro/logs/hosts"])).toContain("writer-");
    expect(await c.k(["exec", "reader", "--", "ls", "/logs"])).toBe("hosts\n");
    const write = await c.kr(["exec", "reader", "--", "touch", "/ro/new"]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain("Read-only file system");
    await c.k(["delete", "pod", "reader", "--wait=true"]);
  });

  test("a pod whose claim is missing stays Pending with an event", async () => {
    await c.k(["run", "orphan", `--image=${TEST_IMAGE_1}`, "--overrides", JSON.stringify({ spec: { volumes: [{ name: "v", persistentVolumeClaim: { claimName: "nope" } }], containers: [{ name: "orphan", image: TEST_IMAGE_1, command: ["sleep", "3600"], volumeMounts: [{ name: "v", mountPath: "/v" }] }] } })]);
    const message = await eventually("a FailedScheduling event", async () => {
      const out = await c.k(["get", "events", "--field-selector", "involvedObject.name=orphan,reason=FailedScheduling", "-o", "jsonpath={.items[*].message}"]);
      return out || undefined;
    });
    expect(message).toBe('0/2 nodes are available: persistentvolumeclaim "nope" not found.');
    expect(await c.k(["get", "pod", "orphan", "-o", "jsonpath={.status.phase}"])).toBe("Pending");
    await c.k(["delete", "pod", "orphan", "--wait=false"]);
  });

  test("a claim in use waits for its pods; once they are gone, its volume and directory go with it", async () => {
    const dir = join(STORAGE, pvName);
    await c.k(["delete", "pvc", "data", "--wait=false"]);
    await Bun.sleep(2000);
    expect(await c.k(["get", "pvc", "data"])).toMatch(/data\s+Terminating\s+/);
    expect(existsSync(dir)).toBe(true);
    await c.k(["delete", "deployment", "writer"]);
    await eventually("the claim gone", async () => ((await c.kr(["get", "pvc", "data"])).code !== 0 ? true : undefined), 120_000);
    await eventually("the volume gone", async () => ((await c.k(["get", "pv", "-o", "name"])).trim() === "" ? true : undefined), 60_000);
    expect(existsSync(dir)).toBe(false);
  });

  test("a local volume made by hand binds to a claim of its class, and its pod goes to the volume's node", async () => {
    const dir = join(STORAGE, "by-hand");
    mkdirSync(dir);
    writeFileSync(join(dir, "greeting"), "made by hand\n");
    const pv = { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "by-hand" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "manual", persistentVolumeReclaimPolicy: "Retain", local: { path: dir }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [NODE_B] }] }] } } } };
    await c.k(["apply", "-f", "-"], JSON.stringify(pv));
    await c.k(["apply", "-f", "-"], JSON.stringify({ ...JSON.parse(claim("manual")), spec: { ...JSON.parse(claim("manual")).spec, storageClassName: "manual" } }));
    await eventually("the claim bound", async () => ((await pvc("manual")).status.phase === "Bound" ? true : undefined));
    expect((await pvc("manual")).spec.volumeName).toBe("by-hand");
    await c.k(["run", "hand", `--image=${TEST_IMAGE_1}`, "--overrides", JSON.stringify({ spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: "v", persistentVolumeClaim: { claimName: "manual" } }], containers: [{ name: "hand", image: TEST_IMAGE_1, command: ["sleep", "3600"], volumeMounts: [{ name: "v", mountPath: "/v" }] }] } })]);
    await c.k(["wait", "--for=condition=Ready", "pod/hand", "--timeout=120s"]);
    expect(await c.k(["get", "pod", "hand", "-o", "jsonpath={.spec.nodeName}"])).toBe(NODE_B);
    expect(await c.k(["exec", "hand", "--", "cat", "/v/greeting"])).toBe("made by hand\n");
    // Retain: the claim goes, the volume stays Released with the data.
    await c.k(["delete", "pod", "hand"]);
    await c.k(["delete", "pvc", "manual"]);
    await eventually("the volume Released", async () => ((await c.k(["get", "pv", "by-hand", "-o", "jsonpath={.status.phase}"])) === "Released" ? true : undefined));
    expect(readFileSync(join(dir, "greeting"), "utf8")).toBe("made by hand\n");
    await c.k(["delete", "pv", "by-hand"]);
  });

  test("server and agent restarts keep bindings, directories and data", async () => {
    await c.k(["apply", "-f", "-"], claim("kept"));
    const pod = (name: string) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sh", "-c", "echo $(hostname) >> /d/seen && sync && exec sleep 3600"], volumeMounts: [{ name: "d", mountPath: "/d" }] }],
          volumes: [{ name: "d", persistentVolumeClaim: { claimName: "kept" } }],
        },
      });
    await c.k(["apply", "-f", "-"], pod("keeper"));
    await c.k(["wait", "--for=condition=Ready", "pod/keeper", "--timeout=120s"]);
    const before = await pvc("kept");
    const dir = join(STORAGE, before.spec.volumeName);
    expect(readFileSync(join(dir, "seen"), "utf8")).toBe("keeper\n");

    for (const a of c.agents.values()) {
      a.proc.proc.kill("SIGTERM");
      await a.proc.proc.exited;
    }
    c.server.proc.kill("SIGTERM");
    await c.server.proc.exited;
    await c.startServer();
    await c.startAgent(NODE_B, AGENT_FLAGS);

    const after = await pvc("kept");
    expect([after.metadata.uid, after.spec.volumeName, after.status.phase]).toEqual([before.metadata.uid, before.spec.volumeName, "Bound"]);
    expect(existsSync(dir)).toBe(true);
    await c.k(["wait", "--for=condition=Ready", "pod/keeper", "--timeout=120s"]);
    // A new pod on the same claim sees what the first one wrote before the restart.
    await c.k(["apply", "-f", "-"], pod("second"));
    await c.k(["wait", "--for=condition=Ready", "pod/second", "--timeout=120s"]);
    expect(await c.k(["exec", "second", "--", "cat", "/d/seen"])).toMatch(/^keeper\n(keeper\n)*second\n$/);
  });

  test("SIGKILL of the agent while its pod writes loses nothing already synced", async () => {
    await c.k(["apply", "-f", "-"], claim("ticks"));
    const ticker = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "ticker" },
      spec: {
        terminationGracePeriodSeconds: 1,
        nodeSelector: { "kubernetes.io/hostname": NODE_B },
        containers: [{ name: "t", image: TEST_IMAGE_1, command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i >> /d/ticks; sync; sleep 0.1; done"], volumeMounts: [{ name: "d", mountPath: "/d" }] }],
        volumes: [{ name: "d", persistentVolumeClaim: { claimName: "ticks" } }],
      },
    };
    await c.k(["apply", "-f", "-"], JSON.stringify(ticker));
    await c.k(["wait", "--for=condition=Ready", "pod/ticker", "--timeout=120s"]);
    const file = join(STORAGE, (await pvc("ticks")).spec.volumeName, "ticks");
    const lines = () => readFileSync(file, "utf8").trim().split("\n").map(Number);
    await eventually("20 synced lines", async () => (lines().length >= 20 ? true : undefined));
    const agent = c.agents.get(NODE_B)!;
    const before = lines();
    agent.proc.proc.kill("SIGKILL");
    await agent.proc.proc.exited;
    await c.startAgent(NODE_B, AGENT_FLAGS);
    // The container outlives its agent and goes on writing; every line synced before the kill is there, none missing.
    await eventually("more lines after the restart", async () => (lines().length > before.length + 10 ? true : undefined));
    const after = lines();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toEqual(after.map((_, i) => i + 1));
    await c.k(["delete", "pod", "ticker", "--wait=false"]);
  });

  test("the agent of the volume's node reports kubelet_volume_stats_* for the claim", async () => {
    const pv = JSON.parse(await c.k(["get", "pv", (await pvc("kept")).spec.volumeName, "-o", "json"]));
    const node = pvNode(pv);
    const port = node === SERVER_NODE ? 10250 : c.agents.get(NODE_B)!.port;
    const sample = (text: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*persistentvolumeclaim="kept"[^}]*\\} (\\S+)$`, "m").exec(text)?.[1]);
    const text = await eventually("volume figures in the agent's metrics", async () => {
      const r = await execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), "curl", "-sk", `https://127.0.0.1:${port}/metrics`], { reject: false });
      return sample(r.stdout, "kubelet_volume_stats_used_bytes") > 0 ? r.stdout : undefined;
    }, 90_000, 2000);
    const [used, available, capacity] = ["used", "available", "capacity"].map((k) => sample(text, `kubelet_volume_stats_${k}_bytes`));
    // The directory and its one small file: a few blocks.
    expect(used).toBeGreaterThanOrEqual(4096);
    expect(used).toBeLessThan(1 << 20);
    expect(capacity).toBeGreaterThan(available!);
    expect(text).toContain(`kubelet_volume_stats_capacity_bytes{namespace="default",persistentvolumeclaim="kept",node="${node}"}`);
  });
});
