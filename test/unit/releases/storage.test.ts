import { test, expect, describe } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeRelease, encodeRelease } from "../../../src/charts/release/release-codec.ts";
import { releaseFromSecret, releaseSecret, RELEASE_SECRET_TYPE } from "../../../src/charts/release/secret-driver.ts";
import { chartJson, type Release } from "../../../src/charts/release/release-types.ts";
import { loadChart } from "../../../src/charts/load/load-chart.ts";
import { createWithHistoryMax } from "../../../src/charts/release/history-max.ts";
import { MemoryReleaseStore } from "../../../src/charts/release/release-store.ts";

// A release exactly as helm v4.1.4 printed it (`helm install r1 scaffold --dry-run=client -o json --set replicaCount=2`).
const helmJson = readFileSync(join(import.meta.dir, "fixtures/helm-v4.1.4-install-dry-run.json"), "utf8");
const scaffold = join(import.meta.dir, "../../fixtures/helm/scaffold/scaffold");

describe("release encoding", () => {
  test("round trip through base64(gzip(JSON))", () => {
    const rel = JSON.parse(helmJson) as Release;
    const enc = encodeRelease(rel);
    const raw = Buffer.from(enc, "base64");
    expect([...raw.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
    expect(JSON.parse(gunzipSync(raw).toString())).toEqual(rel);
    expect(decodeRelease(enc)).toEqual(rel);
  });

  test("decodes helm's record whether or not it is gzipped", () => {
    const gz = gzipSync(Buffer.from(helmJson)).toString("base64");
    const plain = Buffer.from(helmJson).toString("base64");
    for (const enc of [gz, plain]) {
      const rel = decodeRelease(enc);
      expect(rel.name).toBe("r1");
      expect(rel.version).toBe(1);
      expect(rel.namespace).toBe("default");
      expect(rel.config).toEqual({ replicaCount: 2 });
      expect(rel.chart.metadata).toMatchObject({ name: "scaffold", version: "0.1.0", appVersion: "1.16.0" });
      expect(rel.hooks![0]!.events).toEqual(["test"]);
      expect(rel.manifest!.startsWith("---\n# Source: scaffold/templates/serviceaccount.yaml\n")).toBe(true);
    }
  });

  test("the Secret is named, typed and labelled as helm's driver does; the API base64s the record again", () => {
    const rel = JSON.parse(helmJson) as Release;
    rel.info.status = "deployed";
    const s = releaseSecret(rel, { createdAt: "1700000000" });
    expect(s.metadata.name).toBe("sh.helm.release.v1.r1.v1");
    expect(s.metadata.namespace).toBe("default");
    expect(s.type).toBe(RELEASE_SECRET_TYPE);
    expect(s.metadata.labels).toEqual({ name: "r1", owner: "helm", status: "deployed", version: "1", createdAt: "1700000000" });
    const inner = Buffer.from(s.data!.release!, "base64").toString();
    expect(decodeRelease(inner)).toEqual(rel);
    expect(releaseFromSecret({ ...s, metadata: { ...s.metadata, namespace: "elsewhere" } }).namespace).toBe("elsewhere");
  });

  test("the chart is serialized as helm serializes it", () => {
    const helm = JSON.parse(helmJson).chart;
    const ours = chartJson(loadChart(scaffold));
    expect(ours.metadata).toEqual(helm.metadata);
    expect(ours.values).toEqual(helm.values);
    expect(ours.lock).toBeNull();
    expect(ours.schema).toBeNull();
    const files = (l: { name: string; data: string }[]) => l.map((f) => [f.name, f.data]).sort();
    expect(files(ours.templates)).toEqual(files(helm.templates));
    expect(files(ours.files)).toEqual(files(helm.files));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(helm).sort());
  });
});

describe("history limit", () => {
  const rel = (version: number, status: Release["info"]["status"]): Release =>
    ({ name: "a", namespace: "ns", version, info: { status }, chart: { metadata: {}, lock: null, templates: [], values: {}, schema: null, files: [] } });

  test("keeps at most max revisions after the new one, never the deployed one", async () => {
    const store = new MemoryReleaseStore();
    await store.create(rel(1, "superseded"));
    await store.create(rel(2, "deployed"));
    await store.create(rel(3, "failed"));
    await store.create(rel(4, "failed"));
    await createWithHistoryMax(store, rel(5, "pending-upgrade"), 3);
    expect((await store.history("ns", "a")).map((r) => r.version)).toEqual([2, 4, 5]);
  });

  test("0 means unlimited", async () => {
    const store = new MemoryReleaseStore();
    for (let v = 1; v <= 12; v++) await createWithHistoryMax(store, rel(v, "superseded"), 0);
    expect((await store.history("ns", "a")).length).toBe(12);
  });
});
