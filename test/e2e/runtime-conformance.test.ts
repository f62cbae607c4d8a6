// One conformance suite for every runtime driver, against real containers: podman and
// containerd must give a pod the same behaviour (shared localhost, env, mounts, limits,
// OOM kills, logs, exec, users, a shared process namespace, attach, events, image import
// of archives and of plain root-filesystem tars, adoption after a restart, removeAll).
// Each driver runs inside a network namespace this file creates.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { createRuntimeDriver, type RuntimeName } from "../../src/agent/runtime/factory.ts";
import { LABEL_POD_UID } from "../../src/agent/runtime/labels.ts";
import type { ContainerInfo, ContainerSpec, RuntimeDriver, RuntimeEvent, SandboxInfo } from "../../src/agent/runtime/types.ts";
import { ensureTestImages, TEST_IMAGE_1, testImageArchive, testRootfsTar } from "../support/images.ts";
import { eventually } from "../support/cluster.ts";

const INSTALL: Record<RuntimeName, [string, string][]> = {
  podman: [["podman", "apt-get install -y podman runc"]],
  containerd: [
    ["containerd", "apt-get install -y containerd runc"],
    ["ctr", "apt-get install -y containerd runc"],
  ],
};

const text = (s: ReadableStream<Uint8Array> | null) => (s ? new Response(s).text() : Promise.resolve(""));

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000) => eventually(what, fn, timeoutMs, 100);

describe.each(["podman", "containerd"] as RuntimeName[])("%s driver", (runtime) => {
  const netns = `skiff-conf-${runtime.slice(0, 4)}-${process.pid}`;
  const prefix = ["nsenter", `--net=/run/netns/${netns}`];
  const subnet = runtime === "podman" ? "10.233.1.0/24" : "10.233.2.0/24";
  const podUid = runtime === "podman" ? "c0ffee00-0000-4000-8000-000000000001" : "c0ffee00-0000-4000-8000-000000000002";
  let dataDir = "";
  let driver: RuntimeDriver;
  let sandbox: SandboxInfo;
  let hostDir = "";

  const make = () => createRuntimeDriver({ runtime, dataDir, nodeName: `conf-${runtime}`, subnet, commandPrefix: prefix });
  const listed = async (id: string) => (await driver.listContainers({ [LABEL_POD_UID]: podUid })).find((c) => c.id === id);
  const exited = (id: string, timeoutMs = 20_000) => waitFor<ContainerInfo>(`container ${id} to exit`, async () => ((await listed(id))?.state === "exited" ? listed(id) : undefined), timeoutMs);
  const run = async (spec: Partial<ContainerSpec> & { name: string }) => (await driver.runContainer(sandbox, { image: TEST_IMAGE_1, ...spec })).container;

  beforeAll(async () => {
    for (const [bin, line] of [...INSTALL[runtime], ["runc", "apt-get install -y runc"], ["ip", "apt-get install -y iproute2"], ["nsenter", "apt-get install -y util-linux"]] as [string, string][]) {
      if (!Bun.which(bin) && !Bun.which(bin, { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" })) throw new Error(`${bin} not found: ${line}`);
    }
    await execa("ip", ["netns", "add", netns]);
    await execa("ip", ["-n", netns, "link", "set", "lo", "up"]);
    dataDir = mkdtempSync(join(tmpdir(), `skiff-conf-${runtime}-`));
    hostDir = mkdtempSync(join(tmpdir(), `skiff-conf-host-`));
    writeFileSync(join(hostDir, "greeting"), "from the host\n");
    driver = await make();
    await ensureTestImages(driver);
    sandbox = await driver.ensureSandbox({ podUid, podName: "conf", namespace: "default", hostname: "conf-pod" });
  }, 120_000);

  afterAll(async () => {
    if (driver) {
      await driver.removeAll().catch(() => {});
      await driver.close();
    }
    await execa("ip", ["netns", "delete", netns], { reject: false });
    for (const d of [dataDir, hostDir]) if (d) rmSync(d, { recursive: true, force: true });
  }, 120_000);

  test("reports its name, version and capabilities", async () => {
    expect(driver.name).toBe(runtime);
    expect(await driver.version()).toMatch(new RegExp(`^${runtime}://\\d+\\.\\d+`));
    expect(typeof driver.capabilities.attach).toBe("boolean");
  });

  test("the sandbox has an address in the node's subnet behind the node's bridge", async () => {
    expect(sandbox.state).toBe("ready");
    expect(sandbox.ip).toMatch(new RegExp(`^${subnet.split(".").slice(0, 3).join("\\.")}\\.\\d+$`));
    const links = await execa(prefix[0]!, [...prefix.slice(1), "ip", "-o", "-4", "addr", "show", "dev", driver.bridge]);
    expect(links.stdout).toContain(`${subnet.replace(/0\/24$/, "1")}/24`);
  });

  test("a sidecar reaches its neighbour on localhost; env, hostname and a read-only host mount", async () => {
    const web = await run({ name: "web", command: ["httpd", "-f", "-p", "8080", "-h", "/www"] });
    expect(web.state).toBe("running");
    const side = await run({
      name: "side",
      command: ["sh", "-c", "sleep 0.3; wget -qO- http://127.0.0.1:8080/; echo GREETING=$GREETING; hostname; cat /data/greeting; touch /data/x 2>/dev/null || echo read-only; exit 4"],
      env: { GREETING: "hello" },
      mounts: [{ hostPath: hostDir, containerPath: "/data", readOnly: true }],
    });
    const done = await exited(side.id);
    expect(done.exitCode).toBe(4);
    const out = await text(driver.logs(side.id));
    expect(out).toBe("skiff test image 1\nGREETING=hello\nconf-pod\nfrom the host\nread-only\n");
    // The pod answers on its address from the node.
    const r = await execa(prefix[0]!, [...prefix.slice(1), "wget", "-qO-", `http://${sandbox.ip}:8080/`]);
    expect(r.stdout).toBe("skiff test image 1");
  }, 60_000);

  test("a container over its memory limit is killed (and reported OOM-killed where the driver can tell)", async () => {
    const hog = await run({ name: "hog", command: ["sh", "-c", "x=a; while :; do x=$x$x; done"], memoryLimitBytes: 24 * 1024 * 1024 });
    const done = await exited(hog.id, 60_000);
    expect(done.exitCode).toBe(137);
    // podman on hybrid cgroups cannot tell (its capability says so); containerd reads the cgroup's oom_kill count.
    expect(!!done.oomKilled).toBe(driver.capabilities.oomKilled);
    if (runtime === "containerd") expect(done.oomKilled).toBe(true);
  }, 90_000);

  test("a CPU limit holds a busy loop to its share", async () => {
    const busy = await run({ name: "busy", command: ["sh", "-c", "while :; do :; done"], cpuLimitMillis: 100 });
    const [before] = await driver.stats([busy.id]);
    await Bun.sleep(3000);
    const [after] = await driver.stats([busy.id]);
    expect(before).toBeDefined();
    const used = after!.cpuSeconds - before!.cpuSeconds;
    // 100m for 3 s is 0.3 s of CPU; unlimited it would be about 3 s.
    expect(used).toBeGreaterThan(0.05);
    expect(used).toBeLessThan(0.9);
    await driver.stopContainer(busy.id, 0);
    expect((await listed(busy.id))?.state).toBe("exited");
  }, 60_000);

  test("logs: timestamps, tail, follow to the container's end, and an exited container's log stays readable", async () => {
    const talker = await run({ name: "talker", command: ["sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.3; done; echo oops >&2"] });
    const followed = await text(driver.logs(talker.id, { follow: true }));
    expect(followed).toBe("line 1\nline 2\nline 3\noops\n");
    await exited(talker.id);
    // What `kubectl logs --previous` reads: the log of a container that has exited.
    const stamped = await text(driver.logs(talker.id, { timestamps: true, tail: 2 }));
    const lines = stamped.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 3$/);
    expect(lines[1]).toMatch(/Z oops$/);
  }, 60_000);

  test("exec passes stdin and returns the command's exit code", async () => {
    const web = (await driver.listContainers({ [LABEL_POD_UID]: podUid })).find((c) => c.name === "web")!;
    const session = driver.exec(web.id, ["sh", "-c", "read line; echo got $line; exit 7"], { stdin: true });
    const writer = session.stdin!.getWriter();
    await writer.write(new TextEncoder().encode("hello\n"));
    await writer.close();
    const [out, code] = await Promise.all([text(session.stdout), session.exitCode]);
    expect(out).toBe("got hello\n");
    expect(code).toBe(7);
  }, 30_000);

  test("a container runs as the user it is given, and exec in it runs as that user too", async () => {
    expect(driver.capabilities.runAsUser).toBe(true);
    const who = await run({ name: "who", command: ["sh", "-c", "id -u; id -g; sleep 30"], user: "1234:4321" });
    await waitFor("id's output", async () => ((await text(driver.logs(who.id))).includes("4321") ? true : undefined));
    expect(await text(driver.logs(who.id))).toBe("1234\n4321\n");
    const session = driver.exec(who.id, ["id", "-u"]);
    const [out, code] = await Promise.all([text(session.stdout), session.exitCode]);
    expect({ out, code }).toEqual({ out: "1234\n", code: 0 });
    await driver.stopContainer(who.id, 0);
  }, 60_000);

  test("a container sharing another's process namespace sees its processes", async () => {
    expect(driver.capabilities.sharedPidNamespace).toBe(true);
    const target = await run({ name: "target", command: ["sh", "-c", "exec sleep 4321"] });
    const debug = await run({ name: "debug", command: ["sh", "-c", "ps -o args; sleep 30"], pidNamespaceOf: target.id });
    await waitFor("ps output", async () => ((await text(driver.logs(debug.id))).includes("ps -o args") ? true : undefined));
    const ps = await text(driver.logs(debug.id));
    expect(ps).toContain("sleep 4321");
    // Its process namespace is the target's: the target's main process is PID 1 there.
    const pid1 = driver.exec(debug.id, ["cat", "/proc/1/cmdline"]);
    expect((await text(pid1.stdout)).replace(/\0/g, " ").trim()).toBe("sleep 4321");
    for (const c of [debug, target]) await driver.stopContainer(c.id, 0);
  }, 60_000);

  test("attach: the session shows the container's output as it comes and writes its stdin; closing stdin ends its input", async () => {
    expect(driver.capabilities.attach).toBe(true);
    const reader = await run({ name: "reader", command: ["sh", "-c", "echo ready; while read l; do echo got $l; echo err $l >&2; done; echo bye; sleep 1"], stdin: true });
    await waitFor("the reader to start", async () => ((await text(driver.logs(reader.id))).includes("ready") ? true : undefined));
    const session = driver.attach(reader.id, { stdin: true });
    const outText = text(session.stdout);
    const errText = text(session.stderr);
    const writer = session.stdin!.getWriter();
    await Bun.sleep(300);
    await writer.write(new TextEncoder().encode("one\n"));
    await writer.write(new TextEncoder().encode("two\n"));
    await writer.close();
    const [out, err] = await Promise.all([outText, errText]);
    await session.exitCode;
    // Output from before the session opened is not repeated (it is in the log).
    expect(out).toBe("got one\ngot two\nbye\n");
    expect(err).toBe("err one\nerr two\n");
    expect((await exited(reader.id)).exitCode).toBe(0);
    // The log keeps everything, the attached part included (stdout and stderr interleave as they come).
    const logged = (await text(driver.logs(reader.id))).split("\n");
    expect(logged.filter((l) => !l.startsWith("err"))).toEqual(["ready", "got one", "got two", "bye", ""]);
    expect(logged.filter((l) => l.startsWith("err"))).toEqual(["err one", "err two"]);
  }, 60_000);

  test("attach -it to a tty container: keys reach it and its output comes back", async () => {
    const asker = await run({ name: "asker", command: ["sh", "-c", "echo ready; read l; echo got-$l"], tty: true, stdin: true });
    await waitFor("the asker to start", async () => ((await text(driver.logs(asker.id))).includes("ready") ? true : undefined));
    const session = driver.attach(asker.id, { tty: true, stdin: true });
    expect(session.stderr).toBeNull();
    const out = text(session.stdout);
    const writer = session.stdin!.getWriter();
    await Bun.sleep(300);
    await writer.write(new TextEncoder().encode("typed\n"));
    // podman's terminal echoes the keys as well; containerd runs the container without a terminal.
    expect((await out).replace(/\r/g, "")).toContain("got-typed\n");
    await writer.close().catch(() => {});
    expect((await exited(asker.id)).exitCode).toBe(0);
    expect(await text(driver.logs(asker.id))).toContain("got-typed");
  }, 30_000);

  test("attach: a session that goes away without closing stdin", async () => {
    const reader = await run({ name: "reader2", command: ["sh", "-c", "while read l; do echo got $l; done; echo eof"], stdin: true });
    const first = driver.attach(reader.id, { stdin: true });
    const firstOut = text(first.stdout);
    const w = first.stdin!.getWriter();
    await Bun.sleep(300);
    await w.write(new TextEncoder().encode("a\n"));
    await waitFor("the first answer", async () => ((await text(driver.logs(reader.id))).includes("got a") ? true : undefined));
    first.kill();
    await first.exitCode;
    expect(await firstOut).toContain("got a\n");
    await Bun.sleep(500);
    // podman's conmon closes the container's stdin when its attach session goes (the reader
    // reads its end); containerd keeps it open for the next session, as the kubelet does for a
    // container without stdinOnce.
    if (runtime === "podman") {
      expect((await exited(reader.id)).exitCode).toBe(0);
      expect(await text(driver.logs(reader.id))).toBe("got a\neof\n");
      return;
    }
    expect((await listed(reader.id))?.state).toBe("running");
    const second = driver.attach(reader.id, { stdin: true });
    const secondOut = text(second.stdout);
    const w2 = second.stdin!.getWriter();
    await Bun.sleep(300);
    await w2.write(new TextEncoder().encode("b\n"));
    await w2.close();
    expect(await secondOut).toBe("got b\neof\n");
    expect((await exited(reader.id)).exitCode).toBe(0);
  }, 60_000);

  test("the event stream tells of a container's exit with its code", async () => {
    const seen: RuntimeEvent[] = [];
    const stream = driver.watchEvents((e) => seen.push(e));
    try {
      await Bun.sleep(500);
      const short = await run({ name: "short", command: ["sh", "-c", "sleep 0.2; exit 3"] });
      const ev = await waitFor("an exited event", async () => seen.find((e) => e.containerId === short.id && e.type === "exited"));
      expect(ev).toMatchObject({ podUid, exitCode: 3 });
    } finally {
      stream.stop();
      await stream.ended;
    }
  }, 30_000);

  test("an image archive imports with its name", async () => {
    const names = await driver.importImage(await testImageArchive(2));
    expect(names.map((n) => n.replace(/^docker\.io\//, ""))).toContain("localhost/skiff-test/busybox:2");
    expect(await driver.imageExists("localhost/skiff-test/busybox:2")).toBe(true);
    expect(await driver.imageExists("localhost/skiff-test/nothing:1")).toBe(false);
  }, 60_000);

  test("a plain root-filesystem tar imports under the name given, and runs", async () => {
    const ref = `localhost/skiff-test/rootfs-${runtime}:1`;
    await expect(driver.importImage(await testRootfsTar(2))).rejects.toThrow("an image name is needed");
    const names = await driver.importImage(await testRootfsTar(2), ref);
    expect(names.map((n) => n.replace(/^docker\.io\//, ""))).toEqual([ref]);
    expect(await driver.imageExists(ref)).toBe(true);
    const fromTar = await run({ name: "fromtar", image: ref, command: ["cat", "/etc/skiff-test-version"] });
    expect((await exited(fromTar.id)).exitCode).toBe(0);
    expect(await text(driver.logs(fromTar.id))).toBe("2\n");
  }, 60_000);

  test("a driver made again (an agent restart) adopts the running containers: same ids, same address", async () => {
    const before = (await driver.listContainers({ [LABEL_POD_UID]: podUid })).filter((c) => c.state === "running");
    expect(before.map((c) => c.name)).toContain("web");
    await driver.close();
    driver = await make();
    const after = (await driver.listContainers({ [LABEL_POD_UID]: podUid })).filter((c) => c.state === "running");
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    const again = await driver.ensureSandbox({ podUid, podName: "conf", namespace: "default", hostname: "conf-pod" });
    expect(again.ip).toBe(sandbox.ip);
    const r = await execa(prefix[0]!, [...prefix.slice(1), "wget", "-qO-", `http://${sandbox.ip}:8080/`]);
    expect(r.stdout).toBe("skiff test image 1");
  }, 60_000);

  test("removeAll (killall) leaves no container or sandbox", async () => {
    await driver.removeAll();
    expect(await driver.listContainers()).toEqual([]);
    expect(await driver.listSandboxes()).toEqual([]);
    if (runtime === "containerd") expect(existsSync(`/run/netns/skiff-${podUid.replace(/-/g, "").slice(0, 12)}`)).toBe(false);
  }, 60_000);
});
