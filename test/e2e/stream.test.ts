// kubectl's streaming and proxy verbs end to end: port-forward (SPDY tunnelled in a
// websocket) to a pod and to a service, attach, run -i --rm, debug with an ephemeral
// container, and the pods/services/nodes proxy subresources, all with real kubectl
// against a server and a second agent inside a network namespace of the test's own.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { kubectl, kubectlPath } from "../support/kubectl.ts";
import { skiffCommand } from "../support/process.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

setDefaultTimeout(180_000);

let c: TestCluster;
const NODE_B = "stream-b";
let adminToken = "";
let clientScript = "";
const forwards: { proc: ReturnType<typeof Bun.spawn>; output: () => string }[] = [];

// httpd with a CGI that answers a POST with its method and body, and an echo server on 9000.
const WEB_COMMAND = [
  "mkdir -p /w/cgi-bin",
  "echo hello-from-web > /w/index.html",
  "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho method=$REQUEST_METHOD\\nhead -c $CONTENT_LENGTH\\n' > /w/cgi-bin/echo",
  "chmod +x /w/cgi-bin/echo",
  "exec httpd -f -p 8080 -h /w",
].join(" && ");

const manifests = [
  { apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { app: "web" } }, spec: { nodeName: NODE_B, terminationGracePeriodSeconds: 1, containers: [
    { name: "httpd", image: TEST_IMAGE_1, command: ["sh", "-c", WEB_COMMAND], ports: [{ containerPort: 8080, name: "http" }] },
    { name: "echo", image: TEST_IMAGE_1, command: ["nc", "-ll", "-p", "9000", "-e", "cat"] },
  ] } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }, { name: "echo", port: 9000, targetPort: 9000 }] } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "nobody" }, spec: { selector: { app: "none" }, ports: [{ port: 80 }] } },
  // Never leaves Pending: its node does not exist.
  { apiVersion: "v1", kind: "Pod", metadata: { name: "stuck" }, spec: { nodeName: "no-such-node", containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sleep", "3600"] }] } },
];

// Sends SIZE random bytes on each of CONNS connections to 127.0.0.1:PORT at once and
// checks that the same bytes come back; then one connection talks twice, both ways.
const CLIENT = `
import { connect } from "node:net";
import { createHash, randomBytes } from "node:crypto";
const [port, size, conns] = process.argv.slice(2).map(Number);
const hash = (b) => createHash("sha256").update(b).digest("hex");
const echo = (i) => new Promise((resolve, reject) => {
  const data = randomBytes(size);
  const got = [];
  let n = 0;
  const s = connect({ host: "127.0.0.1", port }, () => s.end(data));
  s.on("data", (b) => { got.push(b); n += b.length; if (n >= size) s.destroy(); });
  s.on("close", () => resolve({ sent: size, received: n, same: hash(Buffer.concat(got)) === hash(data) }));
  s.on("error", reject);
});
const talk = () => new Promise((resolve, reject) => {
  const s = connect({ host: "127.0.0.1", port }, () => s.write("ping-1\\n"));
  let text = "";
  s.on("data", (b) => { text += b; if (text === "ping-1\\n") s.write("ping-2\\n"); else if (text === "ping-1\\nping-2\\n") s.end(); });
  s.on("close", () => resolve(text));
  s.on("error", reject);
});
console.log(JSON.stringify({ echoes: await Promise.all(Array.from({ length: conns }, (_, i) => echo(i))), talk: await talk() }));
`;

beforeAll(async () => {
  c = await startCluster("stream");
  await c.startAgent(NODE_B);
  adminToken = readFileSync(c.kubeconfig, "utf8").match(/token: (\S+)/)![1]!;
  clientScript = join(c.serverDir, "echo-client.mjs");
  writeFileSync(clientScript, CLIENT);
  await c.k(["apply", "-f", "-"], manifests.map((m) => JSON.stringify(m)).join("\n"));
  await eventually("web Ready", async () => ((await c.k(["get", "pod", "web", "-o", "jsonpath={.status.containerStatuses[*].ready}"])) === "true true" ? true : undefined), 90_000);
  await eventually("web endpoints", async () => ((await c.k(["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[*].endpoints[*].addresses[*]}"])).trim() || undefined));
}, 240_000);

afterAll(async () => {
  for (const f of forwards) f.proc.kill();
  await c?.stop();
}, 120_000);

/** `kubectl port-forward TARGET PORTS…` in the background, once it listens. */
async function portForward(target: string, ...ports: string[]) {
  return portForwardWith({}, target, ...ports);
}

async function portForwardWith(env: Record<string, string>, target: string, ...ports: string[]) {
  const proc = Bun.spawn([...c.netns.prefix, kubectlPath(), "port-forward", target, ...ports], { env: { ...process.env, KUBECONFIG: c.kubeconfig, ...env }, stdout: "pipe", stderr: "pipe" });
  let text = "";
  const read = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s as unknown as AsyncIterable<Uint8Array>) text += new TextDecoder().decode(chunk);
  };
  void read(proc.stdout as ReadableStream<Uint8Array>);
  void read(proc.stderr as ReadableStream<Uint8Array>);
  const f = { proc, output: () => text };
  forwards.push(f);
  await eventually(`port-forward ${target} listening`, async () => ((text.match(/Forwarding from 127\.0\.0\.1/g) ?? []).length >= ports.length ? true : undefined), 30_000, 200);
  return f;
}

/** A command inside the test's network namespace. */
async function inNetns(cmd: string[], input?: string) {
  const proc = Bun.spawn([...c.netns.prefix, ...cmd], { stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

const curl = (args: string[]) => inNetns(["curl", "-s", "-m", "10", ...args]);

/** A raw request to the API server: status code and body. */
async function api(method: string, path: string, opts: { headers?: Record<string, string>; body?: string; token?: string } = {}) {
  const args = ["-k", "--http1.1", "-X", method, "-o", "-", "-w", "\n%{http_code}", "-H", `Authorization: Bearer ${opts.token ?? adminToken}`];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (opts.body !== undefined) args.push("--data-binary", opts.body);
  const r = await curl([...args, `https://127.0.0.1:${c.port}${path}`]);
  const at = r.stdout.lastIndexOf("\n");
  return { code: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at) };
}

const websocket = (protocol: string) => ({ Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": protocol });
const TUNNEL = "SPDY/3.1+portforward.k8s.io";

/** Through forwarded local ports: the pod's httpd, then 8 MB each way on two echo connections at once and a conversation. */
async function expectForwarded(httpPort: number, echoPort: number) {
  expect((await curl([`http://127.0.0.1:${httpPort}/`])).stdout).toBe("hello-from-web\n");
  const r = await inNetns([process.execPath, clientScript, String(echoPort), String(8 * 1024 * 1024), "2"]);
  expect(r.stderr).toBe("");
  const out = JSON.parse(r.stdout);
  expect(out.echoes).toEqual([
    { sent: 8 * 1024 * 1024, received: 8 * 1024 * 1024, same: true },
    { sent: 8 * 1024 * 1024, received: 8 * 1024 * 1024, same: true },
  ]);
  expect(out.talk).toBe("ping-1\nping-2\n");
}

describe("kubectl port-forward", () => {
  test("to a pod: HTTP, 8 MB each way on two connections at once, and a conversation", async () => {
    const f = await portForward("pod/web", "18080:8080", "19000:9000");
    await expectForwarded(18080, 19000);
    expect(f.output()).toContain("Handling connection for 19000");
  });

  test("over a plain SPDY/3.1 upgrade (kubectl's fallback, KUBECTL_PORT_FORWARD_WEBSOCKETS=false): HTTP and 8 MB each way", async () => {
    const f = await portForwardWith({ KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }, "pod/web", "18090:8080", "19010:9000");
    await expectForwarded(18090, 19010);
    f.proc.kill();
  });

  test("to a service: kubectl picks the pod and maps the service port to its target port", async () => {
    const f = await portForward("svc/web", "18081:80");
    expect(f.output()).toContain("Forwarding from 127.0.0.1:18081 -> 8080");
    expect((await curl(["http://127.0.0.1:18081/"])).stdout).toBe("hello-from-web\n");
  });

  test("a port nothing listens on: the error stream says so and kubectl stops", async () => {
    const f = await portForward("pod/web", "18082:7777");
    const r = await curl(["http://127.0.0.1:18082/"]);
    expect(r.stdout).toBe("");
    expect(await f.proc.exited).not.toBe(0);
    expect(f.output()).toContain("error forwarding port 7777 to pod web");
    expect(f.output()).toContain("ECONNREFUSED");
    expect(f.output()).toContain("lost connection to pod");
  });

  test("bad requests get a Status: no upgrade, an unknown pod, a bad port, a pod not running, another protocol", async () => {
    const base = "/api/v1/namespaces/default/pods";
    const plain = await api("POST", `${base}/web/portforward`);
    expect(plain.code).toBe(400);
    expect(JSON.parse(plain.body)).toMatchObject({ kind: "Status", reason: "BadRequest", message: "Upgrade request required" });
    // A plain SPDY/3.1 upgrade is answered by the API port's TLS front: checked like the rest.
    const spdy = (path: string, headers: Record<string, string> = {}) => api("POST", path, { headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", ...headers } });
    const spdyUnknown = await spdy(`${base}/nope/portforward`, { "X-Stream-Protocol-Version": "portforward.k8s.io" });
    expect(spdyUnknown.code).toBe(404);
    expect(JSON.parse(spdyUnknown.body)).toMatchObject({ kind: "Status", reason: "NotFound", message: 'pods "nope" not found' });
    const spdyNoProtocol = await spdy(`${base}/web/portforward`);
    expect(spdyNoProtocol.code).toBe(400);
    expect(JSON.parse(spdyNoProtocol.body).message).toBe("port-forward needs the stream protocol portforward.k8s.io");
    const spdyPending = await spdy(`${base}/stuck/portforward`, { "X-Stream-Protocol-Version": "portforward.k8s.io" });
    expect(spdyPending.code).toBe(400);
    const spdyAnonymous = await api("POST", `${base}/web/portforward`, { token: "nobody", headers: { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "portforward.k8s.io" } });
    expect(spdyAnonymous.code).toBe(401);
    const unknown = await api("GET", `${base}/nope/portforward`, { headers: websocket(TUNNEL) });
    expect(unknown.code).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ reason: "NotFound", message: 'pods "nope" not found' });
    const badPort = await api("GET", `${base}/web/portforward?ports=0`, { headers: websocket(TUNNEL) });
    expect(badPort.code).toBe(400);
    expect(JSON.parse(badPort.body).message).toContain('invalid port "0"');
    const pending = await api("GET", `${base}/stuck/portforward`, { headers: websocket(TUNNEL) });
    expect(pending.code).toBe(400);
    expect(JSON.parse(pending.body).message).toBe("unable to forward port because pod is not running. Current status=Pending");
    const noPorts = await api("GET", `${base}/web/portforward`, { headers: websocket("v4.channel.k8s.io") });
    expect(noPorts.code).toBe(400);
    expect(JSON.parse(noPorts.body).message).toBe('query parameter "ports" is required');
    const other = await api("GET", `${base}/web/portforward?ports=8080`, { headers: websocket("portforward.example.com") });
    expect(other.code).toBe(400);
    expect(JSON.parse(other.body).message).toContain(TUNNEL);
  });

  test("the channel protocol (v4.channel.k8s.io) with @kubernetes/client-node's PortForward", async () => {
    const script = join(c.serverDir, "client-node-forward.mjs");
    writeFileSync(
      script,
      `import * as k8s from ${JSON.stringify(import.meta.resolve("@kubernetes/client-node"))};
import { PassThrough } from "node:stream";
const kc = new k8s.KubeConfig();
kc.loadFromFile(process.env.KUBECONFIG);
const out = new PassThrough(), err = new PassThrough(), input = new PassThrough();
let text = "", errors = "";
out.on("data", (b) => (text += b));
err.on("data", (b) => (errors += b));
const ws = await new k8s.PortForward(kc).portForward("default", "web", [8080], out, err, input);
input.write("GET / HTTP/1.0\\r\\n\\r\\n");
await new Promise((resolve) => ws.addEventListener("close", resolve));
console.log(JSON.stringify({ protocol: ws.protocol, text, errors }));
`,
    );
    const r = await inNetns(["env", `KUBECONFIG=${c.kubeconfig}`, process.execPath, script]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.protocol).toBe("v4.channel.k8s.io");
    expect(out.text).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    expect(out.text).toEndWith("\r\n\r\nhello-from-web\n");
    expect(out.errors).toBe("");
  });
});

describe("kubectl attach and run -i", () => {
  test("attach -i gives the container's stdin and shows its stdout and stderr", async () => {
    await c.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "reader" }, spec: { nodeName: NODE_B, restartPolicy: "Never", containers: [{ name: "main", image: TEST_IMAGE_1, stdin: true, stdinOnce: true, command: ["sh", "-c", "read line; echo got-$line; echo err-$line >&2"] }] } }));
    await eventually("reader Running", async () => ((await c.k(["get", "pod", "reader", "-o", "jsonpath={.status.phase}"])) === "Running" ? true : undefined));
    const r = await c.kr(["attach", "-i", "reader"], "hello\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("got-hello\n");
    expect(r.stderr).toContain("err-hello");
    await eventually("reader Succeeded", async () => ((await c.k(["get", "pod", "reader", "-o", "jsonpath={.status.phase}"])) === "Succeeded" ? true : undefined));
  });

  test("attach -it to a tty container: a terminal of kubectl's size, keys typed reach the shell", async () => {
    if (!Bun.which("script")) throw new Error("script not found: apt-get install -y bsdutils");
    await c.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "tty" }, spec: { nodeName: NODE_B, restartPolicy: "Never", containers: [{ name: "main", image: TEST_IMAGE_1, stdin: true, tty: true, command: ["sh"] }] } }));
    await eventually("tty Running", async () => ((await c.k(["get", "pod", "tty", "-o", "jsonpath={.status.phase}"])) === "Running" ? true : undefined));
    // script(1) gives kubectl a terminal of 30 rows and 100 columns; the keys arrive slowly, as typed.
    const keys = new ReadableStream<Uint8Array>({
      async start(ctl) {
        for (const line of ["stty size; echo tty-ok-$((6*7))\n", "exit\n"]) {
          await Bun.sleep(2000);
          ctl.enqueue(new TextEncoder().encode(line));
        }
        await Bun.sleep(1000);
        ctl.close();
      },
    });
    const proc = Bun.spawn([...c.netns.prefix, "script", "-qfec", `stty cols 100 rows 30; ${kubectlPath()} attach -it tty`, "/dev/null"], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdin: keys, stdout: "pipe", stderr: "pipe" });
    const out = (await new Response(proc.stdout).text()).replace(/\r/g, "");
    expect(await proc.exited).toBe(0);
    expect(out).toContain("\n30 100\n");
    expect(out).toContain("\ntty-ok-42\n");
    await eventually("tty Succeeded", async () => ((await c.k(["get", "pod", "tty", "-o", "jsonpath={.status.phase}"])) === "Succeeded" ? true : undefined));
  });

  test("run -i --rm --restart=Never prints the pod's output and removes it", async () => {
    const r = await c.kr(["run", "-i", "--rm", "--restart=Never", `--image=${TEST_IMAGE_1}`, "runner", "--", "sh", "-c", "read x; echo ran-$x"], "world\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ran-world\n");
    expect(r.stdout).toContain('pod "runner" deleted');
    const gone = await c.kr(["get", "pod", "runner"]);
    expect(gone.stderr).toContain('pods "runner" not found');
  });
});

describe("proxy subresources", () => {
  test("services/NAME:PORT/proxy and pods/NAME/proxy with kubectl get --raw; nodes/NAME/proxy reaches the agent", async () => {
    expect(await c.k(["get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/"])).toBe("hello-from-web\n");
    expect(await c.k(["get", "--raw", "/api/v1/namespaces/default/services/http:web:http/proxy/cgi-bin/echo"])).toBe("method=GET\n");
    expect(await c.k(["get", "--raw", "/api/v1/namespaces/default/pods/web/proxy/"])).toBe("hello-from-web\n");
    expect(await c.k(["get", "--raw", "/api/v1/namespaces/default/pods/web:8080/proxy/index.html"])).toBe("hello-from-web\n");
    expect(await c.k(["get", "--raw", `/api/v1/nodes/${NODE_B}/proxy/healthz`])).toBe("ok");
    expect(await c.k(["get", "--raw", `/api/v1/nodes/${NODE_B}/proxy/metrics`])).toContain(`skiff_agent_lease_renew_errors_total{node="${NODE_B}"}`);
    const served = (JSON.parse(await c.k(["get", "--raw", "/api/v1"])).resources as { name: string; verbs: string[] }[]).map((r) => r.name);
    expect(served).toEqual(expect.arrayContaining(["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/ephemeralcontainers", "services/proxy", "nodes/proxy"]));
  });

  test("kubectl proxy: GET and POST through a service, the redirect to a trailing slash, a pod's closed port, a service without endpoints", async () => {
    const proc = Bun.spawn([...c.netns.prefix, kubectlPath(), "proxy", "--port", "18001"], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdout: "pipe", stderr: "pipe" });
    forwards.push({ proc, output: () => "" });
    const base = "http://127.0.0.1:18001/api/v1/namespaces/default";
    await eventually("kubectl proxy listening", async () => ((await curl([`${base}/services/web:80/proxy/`])).stdout === "hello-from-web\n" ? true : undefined), 30_000, 200);
    expect((await curl(["-X", "POST", "--data-binary", "posted-body", `${base}/services/web:80/proxy/cgi-bin/echo`])).stdout).toBe("method=POST\nposted-body");
    expect((await curl(["-X", "POST", "--data-binary", "to-the-pod", `${base}/pods/web:8080/proxy/cgi-bin/echo`])).stdout).toBe("method=POST\nto-the-pod");
    const redirect = await curl(["-i", `${base}/services/web:80/proxy`]);
    expect(redirect.stdout).toMatch(/^HTTP\/1\.1 301/);
    expect(redirect.stdout).toContain("Location: /api/v1/namespaces/default/services/web:80/proxy/");
    const closed = JSON.parse((await curl([`${base}/pods/web:7777/proxy/`])).stdout);
    expect(closed).toMatchObject({ kind: "Status", code: 503, reason: "ServiceUnavailable" });
    expect(closed.message).toContain("error trying to reach pod web on port 7777");
    const empty = JSON.parse((await curl([`${base}/services/nobody/proxy/`])).stdout);
    expect(empty).toMatchObject({ code: 503, message: 'no endpoints available for service "nobody"' });
  });
});

describe("kubectl debug", () => {
  test("an ephemeral container targeting a container sees its processes; kubectl attaches to it", async () => {
    const r = await c.kr(["debug", "-i", "pod/web", `--image=${TEST_IMAGE_1}`, "--target=httpd", "-c", "dbg", "--profile=general", "--", "sh"], "echo in-debug; ps\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("in-debug\n");
    expect(r.stdout).toContain("httpd -f -p 8080 -h /w");
    const pod = JSON.parse(await c.k(["get", "pod", "web", "-o", "json"]));
    expect(pod.spec.ephemeralContainers).toHaveLength(1);
    expect(pod.spec.ephemeralContainers[0]).toMatchObject({ name: "dbg", image: TEST_IMAGE_1, targetContainerName: "httpd", stdin: true });
    const status = await eventually("dbg terminated", async () => {
      const p = JSON.parse(await c.k(["get", "pod", "web", "-o", "json"]));
      const s = p.status.ephemeralContainerStatuses?.find((x: { name: string }) => x.name === "dbg");
      return s?.state?.terminated ? s : undefined;
    });
    expect(status).toMatchObject({ name: "dbg", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    // It ran once: the pod's own containers kept running and it is not restarted.
    expect(await c.k(["get", "pod", "web", "-o", "jsonpath={.status.containerStatuses[*].ready}"])).toBe("true true");
    expect(await c.k(["logs", "web", "-c", "dbg"])).toContain("in-debug");
  });

  test("pods/ephemeralcontainers refuses ports, changes, removals and unknown targets with 422", async () => {
    const path = "/api/v1/namespaces/default/pods/web/ephemeralcontainers";
    const patch = (containers: unknown[]) => api("PATCH", path, { headers: { "Content-Type": "application/strategic-merge-patch+json" }, body: JSON.stringify({ spec: { ephemeralContainers: containers } }) });
    const ports = await patch([{ name: "p", image: TEST_IMAGE_1, ports: [{ containerPort: 80 }] }]);
    expect(ports.code).toBe(422);
    expect(JSON.parse(ports.body).message).toMatch(/^Pod "web" is invalid: spec\.ephemeralContainers\[\d\]\.ports: Forbidden: cannot be set for an Ephemeral Container$/);
    const target = await patch([{ name: "t", image: TEST_IMAGE_1, targetContainerName: "nope" }]);
    expect(target.code).toBe(422);
    expect(JSON.parse(target.body).message).toContain('targetContainerName: Not found: "nope"');
    const clash = await patch([{ name: "httpd", image: TEST_IMAGE_1 }]);
    expect(JSON.parse(clash.body).message).toContain('name: Duplicate value: "httpd"');
    const current = JSON.parse((await api("GET", path)).body);
    expect(current.kind).toBe("Pod");
    current.spec.ephemeralContainers[0].image = "localhost/other:1";
    const changed = await api("PUT", path, { headers: { "Content-Type": "application/json" }, body: JSON.stringify(current) });
    expect(changed.code).toBe(422);
    expect(JSON.parse(changed.body).message).toContain('existing ephemeral containers "dbg" may not be changed');
    current.spec.ephemeralContainers = [];
    const removed = await api("PUT", path, { headers: { "Content-Type": "application/json" }, body: JSON.stringify(current) });
    expect(removed.code).toBe(422);
    expect(JSON.parse(removed.body).message).toContain('existing ephemeral containers "dbg" may not be removed');
    // The pod's own update path may not change them either.
    const direct = await c.kr(["patch", "pod", "web", "--type=json", "-p", '[{"op":"remove","path":"/spec/ephemeralContainers"}]']);
    expect(direct.code).not.toBe(0);
    expect(direct.stderr).toContain("Forbidden");
  });
});

describe("who may use them", () => {
  test("a node's credential may not port-forward, attach, exec or proxy", async () => {
    const cred = JSON.parse(readFileSync(join(c.agents.get(NODE_B)!.dir, "agent", "node-credential.json"), "utf8"));
    const user = `system:node:${NODE_B}`;
    const pf = await api("GET", "/api/v1/namespaces/default/pods/web/portforward", { token: cred.token, headers: websocket(TUNNEL) });
    expect(pf.code).toBe(403);
    expect(JSON.parse(pf.body).message).toContain(`User "${user}" cannot create resource "pods/portforward"`);
    const attach = await c.kr(["--token", cred.token, "attach", "web", "-c", "httpd"]);
    expect(attach.stderr).toContain(`cannot create resource "pods/attach"`);
    const exec = await c.kr(["--token", cred.token, "exec", "web", "-c", "httpd", "--", "true"]);
    expect(exec.stderr).toContain(`cannot create resource "pods/exec"`);
    const proxy = await c.kr(["--token", cred.token, "get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/"]);
    expect(proxy.stderr).toContain(`cannot get resource "services/proxy"`);
    const node = await c.kr(["--token", cred.token, "get", "--raw", `/api/v1/nodes/${NODE_B}/proxy/healthz`]);
    expect(node.stderr).toContain(`cannot get resource "nodes/proxy"`);
    const post = await api("POST", "/api/v1/namespaces/default/pods/web/proxy/cgi-bin/echo", { token: cred.token, body: "x" });
    expect(post.code).toBe(403);
    expect(JSON.parse(post.body).message).toContain(`cannot create resource "pods/proxy"`);
  });

  test("RBAC: a user bound to view may not port-forward, attach or proxy; one bound to edit may", async () => {
    const made: Record<string, string> = {};
    for (const role of ["view", "edit"]) {
      const file = join(c.serverDir, `${role}-user.kubeconfig`);
      const r = await inNetns([...skiffCommand("source"), "kubeconfig", "create", `${role}-user`, "--role", role, "--namespace", "default", "--data-dir", c.serverDir, "--output", file]);
      expect(r.stderr).toBe(`kubeconfig for user "${role}-user" (${role} in namespace default) written to ${file}\n`);
      made[role] = file;
    }
    const as = (role: string, args: string[], input?: string) => kubectl(made[role]!, args, { prefix: c.netns.prefix, input, timeoutMs: 30_000 });
    const viewPf = await as("view", ["port-forward", "pod/web", "18083:8080"]);
    expect(viewPf.stderr).toContain(`User "view-user" cannot create resource "pods/portforward" in API group "" in the namespace "default"`);
    expect((await as("view", ["attach", "web", "-c", "httpd"])).stderr).toContain(`cannot create resource "pods/attach"`);
    expect((await as("view", ["get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/"])).stderr).toContain(`User "view-user" cannot get resource "services/proxy"`);
    expect((await as("view", ["get", "--raw", "/api/v1/namespaces/default/pods/web/proxy/"])).stderr).toContain(`cannot get resource "pods/proxy"`);
    expect((await as("edit", ["get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/"])).stdout).toBe("hello-from-web\n");
    const proc = Bun.spawn([...c.netns.prefix, kubectlPath(), "port-forward", "pod/web", "18084:8080"], { env: { ...process.env, KUBECONFIG: made.edit! }, stdout: "pipe", stderr: "pipe" });
    forwards.push({ proc, output: () => "" });
    expect(await eventually("edit user's forward", async () => ((await curl(["http://127.0.0.1:18084/"])).stdout || undefined), 30_000, 200)).toBe("hello-from-web\n");
  });
});
