import { test, expect, describe } from "bun:test";
import { listReleases } from "../../../src/charts/release/list-releases.ts";
import { historyTable, listTable, statusText, table } from "../../../src/charts/release/release-output.ts";
import { parseGoDuration } from "../../../src/charts/release/go-duration.ts";
import { releaseCommand } from "../../../src/charts/release/cli.ts";
import { MemoryReleaseStore } from "../../../src/charts/release/release-store.ts";
import { helmChartValues } from "../../../src/server/manifests/helm-chart-manifest.ts";
import { readManifestFile } from "../../../src/server/manifests/manifest-file.ts";
import type { Release, ReleaseStatus } from "../../../src/charts/release/release-types.ts";
import { FakeCluster } from "./fake-cluster.ts";

const rel = (name: string, version: number, status: ReleaseStatus, namespace = "default"): Release => ({
  name, namespace, version,
  info: { status, last_deployed: "2026-01-02T03:04:05.120000000Z", description: `d${version}` },
  chart: { metadata: { name: "demo", version: "1.2.3", appVersion: "9" }, lock: null, templates: [], values: {}, schema: null, files: [] },
});

describe("list", () => {
  const all = [rel("b", 1, "superseded"), rel("b", 2, "deployed"), rel("a", 1, "failed"), rel("c", 3, "uninstalled"), rel("d", 1, "pending-install"), rel("a", 1, "deployed", "other")];

  test("newest revision per release; deployed and failed by default; sorted by name", () => {
    expect(listReleases(all, ["deployed", "failed"]).map((r) => `${r.namespace}/${r.name}.v${r.version}`)).toEqual(["default/a.v1", "other/a.v1", "default/b.v2"]);
  });

  test("--all shows every status, --filter matches names", () => {
    expect(listReleases(all, "all").map((r) => r.name)).toEqual(["a", "a", "b", "c", "d"]);
    expect(listReleases(all, "all", /^[cd]$/).map((r) => r.name)).toEqual(["c", "d"]);
  });
});

describe("tables", () => {
  test("cells are padded to the column width and joined by tabs", () => {
    expect(table([["A", "BB"], ["ccc", "d"]])).toBe("A  \tBB\nccc\td \n");
  });

  test("list and history columns", () => {
    const prevTz = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      expect(listTable([rel("web", 2, "deployed")])).toBe(
        "NAME\tNAMESPACE\tREVISION\tUPDATED                         \tSTATUS  \tCHART     \tAPP VERSION\n" +
        "web \tdefault  \t2       \t2026-01-02 03:04:05.12 +0000 UTC\tdeployed\tdemo-1.2.3\t9          \n");
      expect(historyTable([rel("web", 1, "superseded")])).toBe(
        "REVISION\tUPDATED                 \tSTATUS    \tCHART     \tAPP VERSION\tDESCRIPTION\n" +
        "1       \tFri Jan  2 03:04:05 2026\tsuperseded\tdemo-1.2.3\t9          \td1         \n");
      expect(statusText({ ...rel("web", 1, "deployed"), info: { ...rel("web", 1, "deployed").info, notes: "hello\n" } })).toBe(
        "NAME: web\nLAST DEPLOYED: Fri Jan  2 03:04:05 2026\nNAMESPACE: default\nSTATUS: deployed\nREVISION: 1\nDESCRIPTION: d1\nNOTES:\nhello\n");
    } finally {
      if (prevTz === undefined) delete process.env.TZ; else process.env.TZ = prevTz;
    }
  });
});

test("Go durations for --timeout", () => {
  expect(parseGoDuration("5m0s")).toBe(300_000);
  expect(parseGoDuration("1h30m")).toBe(5_400_000);
  expect(parseGoDuration("250ms")).toBe(250);
  expect(parseGoDuration("1.5s")).toBe(1500);
  expect(parseGoDuration("90")).toBe(90_000);
  expect(parseGoDuration("5 minutes")).toBeNull();
});

describe("commands with an in-memory cluster", () => {
  const ctxFactory = (store: MemoryReleaseStore) => async () => ({ store, cluster: new FakeCluster() });

  test("history --max, status --revision, and the not-found wording", async () => {
    const store = new MemoryReleaseStore();
    for (const [v, s] of [[1, "superseded"], [2, "superseded"], [3, "deployed"]] as const) await store.create(rel("web", v, s));
    const h = await releaseCommand(["history", "web", "--max", "2"], ctxFactory(store));
    expect(h.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!.trim())).toEqual(["REVISION", "2", "3"]);
    const s = await releaseCommand(["status", "web", "--revision", "2"], ctxFactory(store));
    expect(s.stdout).toContain("REVISION: 2\n");
    const missing = await releaseCommand(["status", "nope"], ctxFactory(store));
    expect(missing).toEqual({ stdout: "", stderr: "Error: release: not found\n", code: 1 });
    const q = await releaseCommand(["list", "-q", "-a"], ctxFactory(store));
    expect(q.stdout).toBe("web\n");
  });

  test("a bad --timeout is a usage error, without the INSTALLATION FAILED prefix", async () => {
    const r = await releaseCommand(["install", "x", "/nonexistent", "--timeout", "soon"], ctxFactory(new MemoryReleaseStore()));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"\n');
  });
});

describe("manifests folder documents", () => {
  test("HelmChart values: valuesContent, then spec.set", () => {
    expect(helmChartValues({
      apiVersion: "helm.cattle.io/v1", kind: "HelmChart", metadata: { name: "x" },
      spec: { valuesContent: "a:\n  b: 1\nc: [1, 2]\n", set: { "a.d": "x", e: true } },
    })).toEqual({ a: { b: 1, d: "x" }, c: [1, 2], e: true });
  });

  test("files split into objects (lists unpacked) and HelmCharts", () => {
    const r = readManifestFile("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: h\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n");
    expect(r.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["ConfigMap/a", "Secret/s"]);
    expect(r.charts.map((c) => c.metadata.name)).toEqual(["h"]);
    expect(() => readManifestFile("a: [\n")).toThrow();
  });
});
