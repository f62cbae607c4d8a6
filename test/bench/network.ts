// Network benchmark (a script, not part of the pass/fail suite): inside test hosts of its
// own, it measures side by side
//   - requests/s and p99 through a ClusterIP vs straight to the pod IP (goal ≥ 0.9),
//   - pod-to-pod throughput across the VXLAN overlay vs within one node,
//   - the time from a new ready endpoint to it receiving traffic (goal ≤ 1 s).
// Every loop is bounded in count and time. Run: bun test/bench/network.ts
import { applyServiceRules } from "../../src/agent/network/service-proxy.ts";
import { buildProxyModel, type EndpointSliceLike, type ServiceLike } from "../../src/agent/network/proxy-model.ts";
import { Overlay, type NodeLike } from "../../src/agent/network/overlay.ts";
import { createHosts, startHostRuntime, type HostRuntime, type TestPod } from "../support/hosts.ts";

const REQUESTS = 2000;
const VIP = "10.43.0.30";
const subnets = ["10.42.1.0/24", "10.42.2.0/24"];

const service: ServiceLike = { metadata: { namespace: "default", name: "bench" }, spec: { clusterIP: VIP, ports: [{ name: "http", protocol: "TCP", port: 80 }] } };
const slice = (pods: TestPod[]): EndpointSliceLike => ({
  metadata: { namespace: "default", name: "bench-1", labels: { "kubernetes.io/service-name": "bench" } },
  addressType: "IPv4",
  ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true } })),
});

// The load generator runs as a process inside the host namespace: N sequential requests,
// latency of each, bounded by a deadline.
const loadScript = `
const [url, n, deadlineMs] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const lat = [];
const end = Date.now() + deadlineMs;
const t0 = performance.now();
for (let i = 0; i < n && Date.now() < end; i++) {
  const s = performance.now();
  const r = await fetch(url, { keepalive: false, headers: { connection: "close" } });
  await r.arrayBuffer();
  lat.push(performance.now() - s);
}
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
console.log(JSON.stringify({ n: lat.length, rps: lat.length / secs, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)] }));
`;

async function load(netns: string, url: string): Promise<{ n: number; rps: number; p50: number; p99: number }> {
  const p = Bun.spawn(["ip", "netns", "exec", netns, process.execPath, "-e", loadScript, url, String(REQUESTS), "30000"], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim());
}

/** MB/s of REPEAT downloads of the big file, timed inside the pod by /proc/uptime. */
async function throughputMBps(rt: HostRuntime, client: TestPod, url: string, mb: number): Promise<number> {
  const REPEAT = 8;
  const script = `a=$(cut -d' ' -f1 /proc/uptime); for i in $(seq ${REPEAT}); do timeout 60 wget -qO /dev/null ${url} || exit 1; done; b=$(cut -d' ' -f1 /proc/uptime); echo "$a $b"`;
  const r = await rt.execIn(client, ["sh", "-c", script]);
  const [a, b] = r.stdout.trim().split(" ").map(Number);
  if (r.exitCode !== 0 || !(b! > 0)) throw new Error(`transfer from ${url} failed`);
  return (mb * REPEAT) / Math.max(0.01, b! - a!);
}

const hosts = await createHosts("bench", 2);
const runtimes: HostRuntime[] = [];
const overlays: Overlay[] = [];
try {
  for (const i of [0, 1]) runtimes.push(await startHostRuntime(hosts.hosts[i]!, subnets[i]!));
  const [rt1, rt2] = runtimes as [HostRuntime, HostRuntime];
  for (const i of [0, 1]) {
    const h = hosts.hosts[i]!;
    overlays.push(new Overlay({ backend: "vxlan", nodeName: h.name, nodeIp: h.ip, podCIDR: subnets[i]!, clusterCidr: "10.42.0.0/16", commandPrefix: h.prefix }));
  }
  const nodes: NodeLike[] = overlays.map((o) => ({ metadata: { name: o.opts.nodeName, annotations: o.annotations() }, spec: { podCIDR: o.opts.podCIDR } }));
  for (const o of overlays) await o.setup();
  for (const o of overlays) await o.sync(nodes);

  const MB = 64;
  const serve = ["sh", "-c", `mkdir -p /tmp/w && hostname > /tmp/w/index.html && dd if=/dev/zero of=/tmp/w/big bs=1M count=${MB} 2>/dev/null && exec httpd -f -p 8080 -h /tmp/w`];
  const web = await rt1.runPod("web-1", serve);
  const local = await rt1.runPod("client-local", ["sleep", "3600"]);
  const remote = await rt2.runPod("client-remote", ["sleep", "3600"]);
  await rt1.execIn(local, ["sh", "-c", `for i in $(seq 100); do wget -qO- http://${web.ip}:8080/ && exit 0; sleep 0.1; done`]);
  const netns = hosts.hosts[0]!.netns;
  await applyServiceRules(buildProxyModel([service], [slice([web])]), { clusterCidr: "10.42.0.0/16", commandPrefix: hosts.hosts[0]!.prefix });

  await load(netns, `http://${web.ip}:8080/`); // warm-up
  const direct = await load(netns, `http://${web.ip}:8080/`);
  const viaVip = await load(netns, `http://${VIP}/`);
  console.log(`requests: direct ${direct.rps.toFixed(0)}/s p99 ${direct.p99.toFixed(2)} ms | ClusterIP ${viaVip.rps.toFixed(0)}/s p99 ${viaVip.p99.toFixed(2)} ms | ratio ${(viaVip.rps / direct.rps).toFixed(3)} (goal >= 0.9)`);

  const same = await throughputMBps(rt1, local, `http://${web.ip}:8080/big`, MB);
  const cross = await throughputMBps(rt2, remote, `http://${web.ip}:8080/big`, MB);
  console.log(`pod-to-pod throughput: same node ${same.toFixed(0)} MB/s | across the overlay ${cross.toFixed(0)} MB/s | ratio ${(cross / same).toFixed(3)}`);

  const fresh = await rt1.runPod("web-2", serve);
  await rt1.execIn(local, ["sh", "-c", `for i in $(seq 100); do wget -qO- http://${fresh.ip}:8080/ >/dev/null && exit 0; sleep 0.1; done`]);
  const started = performance.now();
  await applyServiceRules(buildProxyModel([service], [slice([fresh])]), { clusterCidr: "10.42.0.0/16", commandPrefix: hosts.hosts[0]!.prefix });
  const applied = performance.now() - started;
  const probe = await rt1.execIn(local, ["sh", "-c", `for i in $(seq 200); do [ "$(wget -qO- http://${VIP}/)" = web-2 ] && echo hit && exit 0; done; echo miss`]);
  const toTraffic = performance.now() - started;
  console.log(`endpoint change to traffic: rules applied in ${applied.toFixed(0)} ms, first answer from the new pod after ${toTraffic.toFixed(0)} ms (${probe.stdout.trim()}; includes one podman exec; goal <= 1000 ms)`);
} finally {
  for (const o of overlays) await o.teardown().catch(() => {});
  for (const rt of runtimes) await rt.destroy().catch(() => {});
  await hosts.destroy();
}
