// The floor under the agent: what any agent built on this stack does at the least, and nothing
// of skiff's own. It serves HTTPS with prom-client metrics (the kubelet port), keeps one watch
// stream open to the API server over TLS and renews a lease there every 10 s, and runs one
// podman command through execa every 5 s beside a long-lived `podman events`.
// Usage: agent-stack PORT CERT KEY SERVER_URL TOKEN   (podman's configuration from the environment)
import { execa } from "execa";
import { collectDefaultMetrics, Registry } from "prom-client";

const [port, cert, key, server, token] = process.argv.slice(2);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  tls: { cert: Bun.file(cert!), key: Bun.file(key!) },
  fetch: async () => new Response(await registry.metrics()),
});
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const tls = { rejectUnauthorized: false };
async function watchPods() {
  for (;;) {
    try {
      const res = await fetch(`${server}/api/v1/pods?watch=1`, { headers, tls } as RequestInit);
      for await (const _chunk of res.body!) void _chunk;
    } catch {
      await Bun.sleep(1000);
    }
  }
}
void watchPods();
const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "floor", namespace: "kube-node-lease" }, spec: { holderIdentity: "floor", renewTime: "" } };
setInterval(async () => {
  lease.spec.renewTime = new Date().toISOString().replace(/Z$/, "000Z");
  await fetch(`${server}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/floor?fieldManager=floor`, { method: "PATCH", headers: { ...headers, "content-type": "application/apply-patch+yaml" }, body: JSON.stringify(lease), tls } as RequestInit).catch(() => {});
}, 10_000);
void execa("podman", ["events", "--format", "json"], { reject: false, buffer: false });
setInterval(() => void execa("podman", ["ps", "--all", "--format", "json"], { reject: false }).catch(() => {}), 5000);
