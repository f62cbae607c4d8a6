// The address a Node reports and the address its agent listens on agree: a server bound to
// 127.0.0.1 that restarts after its host gained a default route (a veth pair inside the
// test's own network namespace) still reports 127.0.0.1, so logs and exec reach the agent.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { execa } from "execa";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

setDefaultTimeout(300_000);

let c: TestCluster;
const ip = (...args: string[]) => execa("ip", ["-n", c.netns.name, ...args]);

beforeAll(async () => {
  c = await startCluster("naddr");
  await eventually("a Ready node", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/) ? true : undefined));
}, 300_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const pod = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "talker" },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: TEST_IMAGE_1, command: ["sh", "-c", "echo hello from talker; sleep 3600"] }] },
});

const internalIp = async () => (await c.k(["get", "node", "naddr-server", "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}"])).trim();

/** Addresses with something listening on the agent port, inside the test's namespace. */
async function agentListenAddresses(): Promise<string[]> {
  const { stdout } = await execa("nsenter", [`--net=/run/netns/${c.netns.name}`, "ss", "-Hltn", "sport = :10250"]);
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/)[3]!.replace(/:10250$/, ""));
}

test("after a restart on a host with a default route, the Node still reports the address its agent listens on", async () => {
  await c.k(["apply", "-f", "-"], pod);
  await c.k(["wait", "--for=condition=Ready", "pod/talker", "--timeout=120s"]);
  expect(await internalIp()).toBe("127.0.0.1");

  // The host gains a routed interface and a default route through it.
  c.server.proc.kill("SIGTERM");
  await c.server.proc.exited;
  await ip("link", "add", "up0", "type", "veth", "peer", "name", "up1");
  await ip("addr", "add", "192.0.2.1/24", "dev", "up0");
  await ip("addr", "add", "192.0.2.2/24", "dev", "up1");
  await ip("link", "set", "up0", "up");
  await ip("link", "set", "up1", "up");
  await ip("route", "add", "default", "via", "192.0.2.2", "dev", "up0");
  await c.startServer();

  // Registration rewrites the addresses at start; give it time, then it must not have moved.
  await eventually("the node Ready again", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/) ? true : undefined));
  await Bun.sleep(2000);
  const reported = await internalIp();
  expect(reported).toBe("127.0.0.1");
  expect(await agentListenAddresses()).toEqual([reported]);

  const logs = await eventually("kubectl logs through the agent", async () => {
    const r = await c.kr(["logs", "talker"]);
    return r.code === 0 ? r.stdout : undefined;
  }, 30_000);
  expect(logs).toBe("hello from talker\n");
  expect(await c.k(["exec", "talker", "--", "echo", "exec works"])).toBe("exec works\n");
});
