// The podman runtime driver against real podman, real containers, inside a
// network namespace this file creates (nothing leaves the machine).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { RuntimeError } from "../../src/agent/runtime/errors.ts";
import { detectCgroupMode } from "../../src/agent/runtime/host-detect.ts";
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from "../../src/agent/runtime/labels.ts";
import { createPodmanDriver, type PodmanDriverOptions } from "../../src/agent/runtime/podman-config.ts";
import type { PodmanDriver } from "../../src/agent/runtime/podman-driver.ts";
import type { ContainerInfo, RuntimeEvent, SandboxInfo } from "../../src/agent/runtime/types.ts";
import { ensureTestImages, TEST_IMAGE_1, testImageArchive, testRootfsTar } from "../support/images.ts";

const NETNS = `skiff-rt-${process.pid}`;
const POD_UID = "0b6c2f4e-9d1a-4c3b-8f5e-7a2d1c0e9b84";
let dataDir = "";
let otherDataDir = "";
let options: PodmanDriverOptions;
let driver: PodmanDriver;
let sandbox: SandboxInfo;
let httpdId = "";

function requireTool(bin: string, install: string): void {
  if (!Bun.which(bin)) throw new Error(`${bin} not found: ${install}`);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

async function waitExited(id: string): Promise<ContainerInfo> {
  return waitFor(`container ${id} to exit`, async () => {
    const c = (await driver.listContainers({ [LABEL_POD_UID]: POD_UID })).find((x) => x.id === id);
    return c?.state === "exited" ? c : undefined;
  });
}

async function run(name: string, command: string[], extra: Partial<Parameters<PodmanDriver["createContainer"]>[1]> = {}) {
  const id = await driver.createContainer(sandbox, { name, image: TEST_IMAGE_1, command, ...extra });
  await driver.startContainer(id);
  return id;
}

const text = (s: ReadableStream<Uint8Array> | null) => (s ? new Response(s).text() : Promise.resolve(""));

beforeAll(async () => {
  requireTool("podman", "apt-get install -y podman runc");
  requireTool("runc", "apt-get install -y runc");
  requireTool("ip", "apt-get install -y iproute2");
  requireTool("nsenter", "apt-get install -y util-linux");
  if (!existsSync("/bin/busybox")) throw new Error("busybox-static not found: apt-get install -y busybox-static");
  await execa("ip", ["netns", "add", NETNS]);
  await execa("ip", ["-n", NETNS, "link", "set", "lo", "up"]);
  dataDir = mkdtempSync(join(tmpdir(), "skiff-rt-"));
  otherDataDir = mkdtempSync(join(tmpdir(), "skiff-rt-other-"));
  options = {
    dataDir,
    nodeName: "edge-1",
    subnet: "10.231.7.0/24",
    commandPrefix: ["nsenter", `--net=/run/netns/${NETNS}`],
  };
  driver = await createPodmanDriver(options);
  await ensureTestImages(driver);
}, 60_000);

afterAll(async () => {
  for (const d of [dataDir, otherDataDir]) {
    if (!d) continue;
    const drv = await createPodmanDriver({ ...options, dataDir: d }).catch(() => undefined);
    if (drv) {
      for (const s of await drv.listSandboxes().catch(() => [])) await drv.removeSandbox(s.podUid).catch(() => {});
      // Drops images, storage mounts and networks of this data dir only (its own conf files).
      await drv.cli.run(["system", "reset", "--force"]).catch(() => {});
    }
    rmSync(d, { recursive: true, force: true });
  }
  await execa("ip", ["netns", "del", NETNS], { reject: false });
}, 60_000);

describe("podman runtime driver", () => {
  test("reports its version for the node status", async () => {
    expect(await driver.version()).toMatch(/^podman:\/\/\d+\.\d+\.\d+/);
  });

  test("configures podman for this host: its own storage, OCI runtime and capped rlimits", async () => {
    const conf = readFileSync(join(dataDir, "agent/podman/containers.conf"), "utf8");
    if (detectCgroupMode() === "hybrid") expect(conf).toContain('runtime = "runc"');
    const hardNofile = Number((await execa("sh", ["-c", "ulimit -Hn"])).stdout.trim());
    const nofile = Number(/nofile=(\d+):(\d+)/.exec(conf)?.[2]);
    expect(nofile).toBeGreaterThan(0);
    if (Number.isFinite(hardNofile)) expect(nofile).toBeLessThanOrEqual(hardNofile);
    const { stdout } = await driver.cli.run(["info", "--format", "{{.Store.GraphRoot}} {{.Host.OCIRuntime.Name}}"]);
    const [graphRoot, runtime] = stdout.trim().split(" ");
    expect(graphRoot).toBe(join(dataDir, "agent/podman/storage"));
    expect(conf).toContain(`runtime = "${runtime}"`);
  });

  test("makes one sandbox per pod with an address in the node subnet", async () => {
    sandbox = await driver.ensureSandbox({ podUid: POD_UID, podName: "web", namespace: "default" });
    expect(sandbox.state).toBe("ready");
    expect(sandbox.ip).toMatch(/^10\.231\.7\.\d+$/);
    const again = await driver.ensureSandbox({ podUid: POD_UID, podName: "web", namespace: "default" });
    expect(again.id).toBe(sandbox.id);
    expect(await driver.listSandboxes({ [LABEL_POD_UID]: POD_UID })).toHaveLength(1);
  }, 30_000);

  test("a second container reaches the first one's httpd on 127.0.0.1", async () => {
    httpdId = await run("httpd", ["httpd", "-f", "-p", "8080", "-h", "/www"], { memoryLimitBytes: 48 * 1024 * 1024 });
    const clientId = await run("client", [
      "sh",
      "-c",
      "for i in $(seq 1 50); do wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1",
    ]);
    const done = await waitExited(clientId);
    expect(done.exitCode).toBe(0);
    expect(done.name).toBe("client");
    expect(done.finishedAt).toBeDefined();
    expect(await text(driver.logs(clientId))).toBe("skiff test image 1\n");
  }, 30_000);

  test("the memory limit is visible in the container's cgroup", async () => {
    const file = detectCgroupMode() === "v2" ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";
    const s = driver.exec(httpdId, ["cat", file]);
    expect((await text(s.stdout)).trim()).toBe(String(48 * 1024 * 1024));
    expect(await s.exitCode).toBe(0);
  });

  test("logs honour tail, timestamps and since, and include stderr", async () => {
    const id = await run("talker", ["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2"]);
    await waitExited(id);
    const all = await text(driver.logs(id));
    expect(all).toContain("line1\n");
    expect(all).toContain("oops\n");
    const tail = await text(driver.logs(id, { tail: 2 }));
    expect(tail.split("\n").filter(Boolean).sort()).toEqual(["line5", "oops"]);
    const stamped = (await text(driver.logs(id, { timestamps: true }))).split("\n").filter(Boolean);
    expect(stamped).toHaveLength(6);
    for (const line of stamped) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (line\d|oops)$/);
    expect(await text(driver.logs(id, { since: new Date(Date.now() + 60_000) }))).toBe("");
  }, 30_000);

  test("follow streams new lines until the container ends", async () => {
    const id = await run("ticker", ["sh", "-c", "for i in 1 2 3; do echo tick$i; sleep 0.3; done"]);
    const got = await text(driver.logs(id, { follow: true }));
    expect(got).toBe("tick1\ntick2\ntick3\n");
  }, 30_000);

  test("exec returns the exit code, passes stdin and separates stderr", async () => {
    const failing = driver.exec(httpdId, ["sh", "-c", "echo out; echo err >&2; exit 7"]);
    const [out, err, code] = await Promise.all([text(failing.stdout), text(failing.stderr), failing.exitCode]);
    expect(out).toBe("out\n");
    expect(err).toBe("err\n");
    expect(code).toBe(7);

    const cat = driver.exec(httpdId, ["sh", "-c", "tr a-z A-Z"], { stdin: true });
    const writer = cat.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("hello from stdin\n"));
    await writer.close();
    expect(await text(cat.stdout)).toBe("HELLO FROM STDIN\n");
    expect(await cat.exitCode).toBe(0);
  }, 30_000);

  test("exec with a terminal follows resize", async () => {
    const s = driver.exec(httpdId, ["sh"], { tty: true, cols: 80, rows: 24 });
    const output = text(s.stdout);
    const writer = s.stdin!.getWriter();
    await Bun.sleep(500);
    s.resize(123, 45);
    await Bun.sleep(500);
    await writer.write(new TextEncoder().encode("stty size; exit 3\n"));
    expect(await s.exitCode).toBe(3);
    expect(await output).toContain("45 123");
  }, 30_000);

  test("stop gives the process its grace period, then kills it", async () => {
    const polite = await run("polite", ["sh", "-c", "trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"]);
    const stubborn = await run("stubborn", ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]);
    await Bun.sleep(300);
    let t = Date.now();
    await driver.stopContainer(polite, 10);
    expect(Date.now() - t).toBeLessThan(5_000);
    const p = await waitExited(polite);
    expect(p.exitCode).toBe(0);
    expect(await text(driver.logs(polite))).toContain("bye");

    t = Date.now();
    await driver.stopContainer(stubborn, 2);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1_900);
    expect((await waitExited(stubborn)).exitCode).toBe(137);
  }, 40_000);

  test("stats report cpu time and memory of running containers only", async () => {
    const exited = (await driver.listContainers({ [LABEL_CONTAINER_NAME]: "client" }))[0]!;
    const stats = await driver.stats([httpdId, exited.id]);
    expect(stats.map((s) => s.id)).toEqual([httpdId]);
    expect(stats[0]!.cpuSeconds).toBeGreaterThan(0);
    expect(stats[0]!.memoryWorkingSetBytes).toBeGreaterThan(0);
    expect(stats[0]!.memoryWorkingSetBytes).toBeLessThan(48 * 1024 * 1024);
  }, 30_000);

  test("a new driver instance adopts the sandbox and containers by label", async () => {
    const before = await driver.listContainers({ [LABEL_POD_UID]: POD_UID });
    const restarted = await createPodmanDriver(options);
    const after = await restarted.listContainers({ [LABEL_POD_UID]: POD_UID });
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    expect(after.map((c) => c.name).sort()).toEqual(["client", "httpd", "polite", "stubborn", "talker", "ticker"]);
    const httpd = after.find((c) => c.name === "httpd")!;
    expect(httpd.state).toBe("running");
    expect(httpd.image).toBe(TEST_IMAGE_1);
    expect(httpd.imageID).toMatch(/^sha256:[0-9a-f]{64}$/);
    const adopted = await restarted.ensureSandbox({ podUid: POD_UID, podName: "web", namespace: "default" });
    expect(adopted.id).toBe(sandbox.id);
    expect(adopted.ip).toBe(sandbox.ip);
  }, 30_000);

  test("a missing image is a typed ImageNotFound error", async () => {
    const err = await driver
      .createContainer(sandbox, { name: "ghost", image: "localhost/skiff-test/missing:1", command: ["true"] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe("ImageNotFound");
    expect((err as RuntimeError).stderr).toContain("image not known");
    const gone = await driver.startContainer("no-such-container").catch((e) => e);
    expect((gone as RuntimeError).code).toBe("NotFound");
  });

  test("another data dir is a separate podman world; rootfs tars and image archives import", async () => {
    const other = await createPodmanDriver({ ...options, dataDir: otherDataDir });
    expect(other.settings.bridge).not.toBe(driver.settings.bridge);
    expect(await other.listContainers()).toEqual([]);
    expect(await other.imageExists(TEST_IMAGE_1)).toBe(false);
    const names = await other.importImage(await testRootfsTar(2), "localhost/skiff-test/rootfs:2");
    expect(names).toEqual(["localhost/skiff-test/rootfs:2"]);
    expect(await other.imageExists("localhost/skiff-test/rootfs:2")).toBe(true);
    expect(await driver.imageExists("localhost/skiff-test/rootfs:2")).toBe(false);
    // An image archive names itself.
    expect(await other.importImage(await testImageArchive(1))).toEqual([TEST_IMAGE_1]);
    expect(await other.imageExists(TEST_IMAGE_1)).toBe(true);
  }, 30_000);

  test("a sandbox left unstarted starts with its first container, which comes back with the pod IP", async () => {
    const uid = "7d1e0c3b-2a4f-4e6d-9b8c-1f2e3d4c5b6a";
    const made = await driver.ensureSandbox({ podUid: uid, podName: "lazy", namespace: "default" }, { known: [], start: false });
    expect(made.state).toBe("created");
    expect(made.ip).toBeUndefined();
    // The caller's view is trusted: with it, a second call makes nothing new.
    expect((await driver.ensureSandbox({ podUid: uid, podName: "lazy", namespace: "default" }, { known: [made], start: false })).id).toBe(made.id);
    const { container, sandbox: started } = await driver.runContainer(made, { name: "main", image: TEST_IMAGE_1, command: ["sleep", "30"] });
    expect(container.state).toBe("running");
    expect(container.podUid).toBe(uid);
    expect(container.imageID).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(started.state).toBe("ready");
    expect(started.ip).toMatch(/^10\.231\.7\.\d+$/);
    const listed = await driver.listSandboxes({ [LABEL_POD_UID]: uid });
    expect(listed.map((s) => [s.id, s.state, s.ip])).toEqual([[made.id, "ready", started.ip]]);
    await driver.removeSandbox(uid);
  }, 30_000);

  test("an address podman holds for a pod this driver did not make is given up for another", async () => {
    // A driver that has just started knows no address yet, as after an agent restart.
    const fresh = await createPodmanDriver(options);
    const held = (await driver.listSandboxes()).flatMap((s) => (s.ip ? [s.ip] : []));
    const uid = "0b6c2f7e-8d1a-4c3b-9e5f-6a7b8c9d0e1f";
    const made = await fresh.ensureSandbox({ podUid: uid, podName: "clash", namespace: "default" }, { known: [], start: false });
    const error = await fresh.runContainer(made, { name: "main", image: TEST_IMAGE_1, command: ["sleep", "30"] }).then(() => undefined, (e) => e);
    expect(held.length).toBeGreaterThan(0);
    expect(error?.stderr).toMatch(/already allocated/);
    expect(await fresh.listSandboxes({ [LABEL_POD_UID]: uid })).toEqual([]);
    // Told what is in use, the next sandbox gets a free address and runs.
    const again = await fresh.ensureSandbox({ podUid: uid, podName: "clash", namespace: "default" }, { known: [], start: false, addressesInUse: held });
    const { sandbox: started } = await fresh.runContainer(again, { name: "main", image: TEST_IMAGE_1, command: ["sleep", "30"] });
    expect(held).not.toContain(started.ip);
    expect((await fresh.listSandboxes({ [LABEL_POD_UID]: uid })).map((s) => s.ip)).toEqual([started.ip]);
    await fresh.removeSandbox(uid);
  }, 60_000);

  test("the event stream tells of a container's death", async () => {
    const seen: RuntimeEvent[] = [];
    const stream = driver.watchEvents((e) => seen.push(e));
    try {
      await Bun.sleep(500); // the stream starts at the end of the log
      const id = await run("short", ["sh", "-c", "exit 3"]);
      const died = await waitFor("a died event", async () => seen.find((e) => e.containerId === id && e.type === "exited"));
      expect(died.podUid).toBe(POD_UID);
      expect(died.exitCode).toBe(3);
    } finally {
      stream.stop();
      await stream.ended;
    }
  }, 30_000);

  test("removing the sandbox removes its containers, and is idempotent", async () => {
    await driver.removeSandbox(POD_UID);
    expect(await driver.listSandboxes({ [LABEL_POD_UID]: POD_UID })).toEqual([]);
    expect(await driver.listContainers({ [LABEL_POD_UID]: POD_UID })).toEqual([]);
    await driver.removeSandbox(POD_UID);
    const { stdout } = await driver.cli.run(["ps", "--all", "--quiet"]);
    expect(stdout.trim()).toBe("");
  }, 30_000);
});
