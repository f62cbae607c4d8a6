// Port-forward and proxy benchmark (a script, not part of the pass/fail suite): in a
// cluster of its own (server + one agent, in a network namespace), it measures side by side
//   - echo throughput (MB/s, bytes sent and received back) through kubectl port-forward
//     vs straight to the pod IP,
//   - new connections per second (connect, one byte each way, close) the same two ways,
//   - HTTP GETs per second through kubectl proxy + services/NAME/proxy vs straight to the pod.
// Every loop is bounded in count and time. Run: bun test/bench/portforward.ts
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, startCluster } from "../support/cluster.ts";
import { kubectlPath } from "../support/kubectl.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

const ECHO_MB = 64;
const CONNECTIONS = 300;
const REQUESTS = 300;

const CLIENT = `
import { connect } from "node:net";
const [mode, host, port, n] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const deadline = Date.now() + 60_000;
const once = (payload) => new Promise((resolve, reject) => {
  let got = 0;
  const s = connect({ host, port }, () => s.end(payload));
  s.on("data", (b) => { got += b.length; if (got >= payload.length) s.destroy(); });
  s.on("close", () => resolve(got));
  s.on("error", reject);
});
const t0 = performance.now();
let done = 0;
if (mode === "echo") {
  const got = await once(Buffer.alloc(n * 1024 * 1024, 7));
  if (got !== n * 1024 * 1024) throw new Error("echo came back short: " + got);
  done = n;
} else if (mode === "connect") {
  for (; done < n && Date.now() < deadline; done++) await once(Buffer.from("x"));
} else {
  for (; done < n && Date.now() < deadline; done++) await (await fetch(host, { headers: { connection: "close" } })).arrayBuffer();
}
console.log(JSON.stringify({ perSecond: done / ((performance.now() - t0) / 1000) }));
`;

const c = await startCluster("pfbench");
try {
  await c.startAgent("pfbench-b");
  const script = join(c.serverDir, "bench-client.mjs");
  writeFileSync(script, CLIENT);
  await c.k(["apply", "-f", "-"], [
    JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { app: "web" } }, spec: { nodeName: "pfbench-b", containers: [
      { name: "httpd", image: TEST_IMAGE_1, command: ["httpd", "-f", "-p", "8080", "-h", "/www"] },
      { name: "echo", image: TEST_IMAGE_1, command: ["nc", "-ll", "-p", "9000", "-e", "cat"] },
    ] } }),
    JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } }),
  ].join("\n"));
  const ip = await eventually("web running", async () => {
    const p = JSON.parse(await c.k(["get", "pod", "web", "-o", "json"]));
    return p.status?.containerStatuses?.every((s: { ready: boolean }) => s.ready) ? (p.status.podIP as string) : undefined;
  }, 90_000);
  await eventually("web endpoints", async () => ((await c.k(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[*].endpoints[*].addresses[*]}"])).trim() || undefined));
  const env = { ...process.env, KUBECONFIG: c.kubeconfig };
  const forward = Bun.spawn([...c.netns.prefix, kubectlPath(), "port-forward", "pod/web", "19000:9000"], { env, stdout: "ignore", stderr: "ignore" });
  const proxy = Bun.spawn([...c.netns.prefix, kubectlPath(), "proxy", "--port", "18001"], { env, stdout: "ignore", stderr: "ignore" });
  const run = async (...args: string[]) => {
    const p = Bun.spawn([...c.netns.prefix, process.execPath, script, ...args], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    if ((await p.exited) !== 0) throw new Error(`client ${args.join(" ")} failed: ${err.trim().split("\n")[0]}`);
    return JSON.parse(out.trim()).perSecond as number;
  };
  const viaProxy = "http://127.0.0.1:18001/api/v1/namespaces/default/services/web:80/proxy/index.html";
  await eventually("forwards up", async () => ((await run("connect", "127.0.0.1", "19000", "1")) > 0 && (await run("http", viaProxy, "0", "1")) > 0 ? true : undefined), 30_000, 300);
  const rows: [string, number, number, string][] = [];
  for (const [what, args, unit] of [
    ["echo throughput", ["echo", "HOST", "PORT", String(ECHO_MB)], "MB/s"],
    ["new connections", ["connect", "HOST", "PORT", String(CONNECTIONS)], "conn/s"],
  ] as const) {
    const direct = await run(...args.map((a) => (a === "HOST" ? ip : a === "PORT" ? "9000" : a)));
    const forwarded = await run(...args.map((a) => (a === "HOST" ? "127.0.0.1" : a === "PORT" ? "19000" : a)));
    rows.push([`port-forward ${what}`, forwarded, direct, unit]);
  }
  const direct = await run("http", `http://${ip}:8080/index.html`, "0", String(REQUESTS));
  const proxied = await run("http", viaProxy, "0", String(REQUESTS));
  rows.push(["services/proxy GETs", proxied, direct, "req/s"]);
  for (const [what, via, straight, unit] of rows) console.log(`${what.padEnd(34)} ${via.toFixed(1).padStart(9)} ${unit} via skiff, ${straight.toFixed(1).padStart(9)} straight to the pod: ratio ${(via / straight).toFixed(3)}`);
  forward.kill();
  proxy.kill();
} finally {
  await c.stop();
}
