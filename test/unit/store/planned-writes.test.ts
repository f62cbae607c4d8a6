// Writes committed together in one group see each other while they are planned: services
// created at the same moment must still get distinct ClusterIPs and NodePorts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

test("services created concurrently get distinct ClusterIPs and NodePorts", async () => {
  const kind = server.registry.kinds.find((k) => k.kind === "Service")!;
  const created = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      server.registry.create(kind, "default", { metadata: { name: `svc-${i}` }, spec: { type: "NodePort", selector: { app: "x" }, ports: [{ port: 80 }] } }),
    ),
  );
  const ips = created.map((s) => (s.spec as { clusterIP: string }).clusterIP);
  const ports = created.map((s) => (s.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort);
  expect(new Set(ips).size).toBe(30);
  expect(new Set(ports).size).toBe(30);
  // They really were written together, not one transaction each.
  expect(server.store.groupedWrites).toBeGreaterThan(server.store.groupCommits);
});
