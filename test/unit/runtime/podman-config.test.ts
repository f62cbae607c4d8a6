import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { RuntimeError } from "../../../src/agent/runtime/errors.ts";
import type { HostFacts } from "../../../src/agent/runtime/host-detect.ts";
import {
  bridgeNameFor,
  createPodmanDriver,
  firstHost,
  podmanPaths,
  renderContainersConf,
  renderStorageConf,
} from "../../../src/agent/runtime/podman-config.ts";

const HYBRID_HOST: HostFacts = {
  cgroupMode: "hybrid",
  ociRuntimes: ["runc"],
  ociRuntime: "runc",
  cgroupManager: "cgroupfs",
  ulimits: ["nofile=20000:20000", "nproc=4096:4096"],
};

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-pconf-"));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe("podman configuration", () => {
  test("containers.conf pins the runtime, capped rlimits and private state dirs", () => {
    const paths = podmanPaths("/var/lib/skiff");
    const conf = parse(renderContainersConf(paths, HYBRID_HOST, "runc")) as any;
    expect(conf.engine.runtime).toBe("runc");
    expect(conf.engine.cgroup_manager).toBe("cgroupfs");
    expect(conf.engine.tmp_dir).toBe("/var/lib/skiff/agent/podman/tmp");
    expect(conf.engine.lock_type).toBe("file");
    expect(conf.containers.default_ulimits).toEqual(HYBRID_HOST.ulimits);
    expect(conf.network.network_config_dir).toBe("/var/lib/skiff/agent/podman/networks");
    const storage = parse(renderStorageConf(paths)) as any;
    expect(storage.storage.graphroot).toBe("/var/lib/skiff/agent/podman/storage");
    expect(storage.storage.runroot).toBe("/var/lib/skiff/agent/podman/run");
  });

  test("bridge names fit Linux's 15 bytes and differ per data dir", () => {
    const a = bridgeNameFor("a-very-long-node-name.example.org", "/var/lib/skiff");
    const b = bridgeNameFor("a-very-long-node-name.example.org", "/srv/skiff");
    expect(a.length).toBeLessThanOrEqual(15);
    expect(a).toMatch(/^skf[a-z0-9]+$/);
    expect(a).not.toBe(b);
    expect(bridgeNameFor("a-very-long-node-name.example.org", "/var/lib/skiff")).toBe(a);
  });

  test("the gateway is the first address of the subnet", () => {
    expect(firstHost("10.88.0.0/16")).toBe("10.88.0.1");
    expect(firstHost("10.231.7.128/25")).toBe("10.231.7.129");
    expect(() => firstHost("10.1.2/24")).toThrow(RuntimeError);
  });

  test("a missing podman binary is a clear error", async () => {
    const err = await createPodmanDriver({ dataDir: "/nonexistent", nodeName: "n", podmanPath: "/nonexistent/podman" }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.message).toBe("podman not found: apt-get install -y podman runc");
  });

  test("no usable OCI runtime is a clear error", async () => {
    const host: HostFacts = { ...HYBRID_HOST, ociRuntimes: ["crun"], ociRuntime: null };
    const err = await createPodmanDriver({ dataDir: "/nonexistent", nodeName: "n", podmanPath: "/bin/sh", host }).catch((e) => e);
    expect(err.code).toBe("RuntimeMissing");
    expect(err.message).toContain("apt-get install -y runc");
    expect(err.message).toContain("hybrid");
  });

  test("writes its config and a network named after the node, with its own bridge", () =>
    withDir(async (dir) => {
      const d = await createPodmanDriver({ dataDir: dir, nodeName: "Edge_7", podmanPath: "/bin/sh", host: HYBRID_HOST, subnet: "10.40.0.0/24" });
      expect(d.settings.networkName).toBe("skiff-edge_7");
      const env = d.cli.env;
      expect(env.CONTAINERS_CONF).toBe(join(dir, "agent/podman/containers.conf"));
      expect(env.CONTAINERS_STORAGE_CONF).toBe(join(dir, "agent/podman/storage.conf"));
      expect(existsSync(env.CONTAINERS_CONF!)).toBe(true);
      const netPath = join(dir, "agent/podman/networks/skiff-edge_7.json");
      const net = JSON.parse(readFileSync(netPath, "utf8"));
      expect(net.network_interface).toBe(d.settings.bridge);
      expect(net.subnets).toEqual([{ subnet: "10.40.0.0/24", gateway: "10.40.0.1" }]);
      expect(net.driver).toBe("bridge");
      // A second start with the same settings leaves the network file untouched.
      const before = readFileSync(netPath, "utf8");
      await Bun.sleep(5);
      await createPodmanDriver({ dataDir: dir, nodeName: "Edge_7", podmanPath: "/bin/sh", host: HYBRID_HOST, subnet: "10.40.0.0/24" });
      expect(readFileSync(netPath, "utf8")).toBe(before);
      // A new subnet rewrites it.
      await createPodmanDriver({ dataDir: dir, nodeName: "Edge_7", podmanPath: "/bin/sh", host: HYBRID_HOST, subnet: "10.41.0.0/24" });
      expect(JSON.parse(readFileSync(netPath, "utf8")).subnets[0].subnet).toBe("10.41.0.0/24");
    }));

  test("the command prefix goes in front of podman", () =>
    withDir(async (dir) => {
      const d = await createPodmanDriver({
        dataDir: dir,
        nodeName: "n",
        podmanPath: "/usr/bin/podman-x",
        host: HYBRID_HOST,
        commandPrefix: ["nsenter", "--net=/run/netns/t"],
      }).catch((e) => e);
      // /usr/bin/podman-x does not exist: the path is checked before anything runs.
      expect(d.code).toBe("RuntimeMissing");
      const ok = await createPodmanDriver({ dataDir: dir, nodeName: "n", podmanPath: "/bin/sh", host: HYBRID_HOST, commandPrefix: ["nsenter", "--net=/run/netns/t"] });
      expect(ok.cli.argv(["ps"])).toEqual(["nsenter", ["--net=/run/netns/t", "/bin/sh", "ps"]]);
    }));
});
