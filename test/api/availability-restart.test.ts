// The availability ratio since creation survives a restart of a real server (SQLite file
// in a data dir that outlives the first process).
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { apiFetch, startTestServer, tempDir } from "../support/server.ts";

describe("across a real server restart", () => {
  const ratioOf = async (server: Parameters<typeof apiFetch>[0]) => {
    const text = await (await apiFetch(server, "/metrics")).text();
    const m = /^skiff_availability_ratio\{kind="Node",namespace="",name="edge"\} (\S+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  };

  test("the ratio since creation is kept in kube-system/skiff-availability and read back", async () => {
    const dataDir = tempDir();
    let server = await startTestServer({ dataDir });
    try {
      const nodeKind = server.registry.kinds.find((k) => k.kind === "Node" && k.group === "")!;
      const setReady = (status: string) => server.registry.replace(nodeKind, "", "edge", (n) => ({ ...n!, status: { conditions: [{ type: "Ready", status }] } }), {}, "status");
      await server.registry.create(nodeKind, "", { metadata: { name: "edge" } });
      await setReady("False");
      await Bun.sleep(2500);
      await setReady("True");
      await Bun.sleep(2500);
      const before = (await ratioOf(server))!;
      expect(before).toBeGreaterThan(0.2);
      expect(before).toBeLessThan(0.8);
      await server.stop();

      server = await startTestServer({ dataDir });
      const cm = await apiFetch(server, "/api/v1/namespaces/kube-system/configmaps/skiff-availability");
      expect(cm.status).toBe(200);
      const uid = server.registry.get(nodeKind, "", "edge").metadata.uid!;
      expect(JSON.parse(((await cm.json()) as { data: Record<string, string> }).data["seconds.json"]!)[uid][1]).toBeGreaterThan(3.5);
      // Up since the restart, the node's ratio since creation climbs from where it was, not from 1.
      let after: number | undefined;
      for (let i = 0; i < 40 && (after === undefined || after === 1); i++) {
        await Bun.sleep(100);
        after = await ratioOf(server);
      }
      expect(after).toBeGreaterThanOrEqual(before - 0.05);
      expect(after).toBeLessThan(0.9);
    } finally {
      await server.cleanup();
      // startTestServer keeps a dataDir it was given.
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
