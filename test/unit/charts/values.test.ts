import { test, expect, describe } from "bun:test";
import { join } from "node:path";
import { loadChart } from "../../../src/charts/load/load-chart.ts";
import { coalesceValues, coalesceTables } from "../../../src/charts/values/coalesce.ts";
import { processDependencies } from "../../../src/charts/values/dependencies.ts";
import { pathValue } from "../../../src/charts/values/values-path.ts";

const charts = join(import.meta.dir, "../../fixtures/helm/testcharts");

describe("coalescing", () => {
  test("user values win, maps merge, null deletes a default", () => {
    const chart = loadChart(join(charts, "alpine"));
    chart.values = { a: 1, keep: "x", nested: { b: 2, c: 3 } };
    chart.dependencies = [];
    expect(coalesceValues(chart, { a: 5, keep: null, nested: { c: 4 } })).toEqual({ a: 5, nested: { b: 2, c: 4 } });
  });
  test("coalesceTables keeps the destination", () => {
    expect(coalesceTables({ a: 1, m: { x: 1 } }, { a: 2, b: 3, m: { x: 2, y: 2 } })).toEqual({ a: 1, b: 3, m: { x: 1, y: 2 } });
  });
  test("globals flow to subcharts", () => {
    const chart = loadChart(join(charts, "subpop"));
    const v = coalesceValues(chart, { global: { region: "edge" } });
    const sub = v.subchart1 as Record<string, unknown>;
    expect((sub.global as Record<string, unknown>).region).toBe("edge");
  });
});

// Helm's TestProcessDependencyImportValues / TestDependencyEnabled on the subpop chart.
describe("dependencies of subpop", () => {
  test("import-values land in the parent", () => {
    const chart = loadChart(join(charts, "subpop"));
    processDependencies(chart, {});
    const v = coalesceValues(chart, {});
    const want: Record<string, unknown> = {
      "imported-chart1.SC1bool": true,
      "imported-chart1.SC1float": 3.14,
      "imported-chart1.SC1int": 100,
      "imported-chart1.SC1string": "dollywood",
      "imported-chartA.SCAbool": false,
      "imported-chartA.SCAfloat": 3.1,
      "imported-chartA.SCAint": 55,
      "imported-chartA.SCAstring": "jabba",
      "imported-chartA-B.SCBstring": "boba",
      "overridden-chartA-B.SCBstring": "jango",
      "overridden-chart1.SC1int": 99,
      "SCBexported1B": 1965,
      "SC1extra7": true,
      "SCBexported2A": "blaster",
      "global.SC1exported2.all.SC1exported3": "SC1expstr",
    };
    for (const [path, value] of Object.entries(want)) expect([path, pathValue(v, path)]).toEqual([path, value]);
  });

  const enabled: [string, Record<string, unknown>, string[]][] = [
    // chart defaults: tags back-end=false, subchart2alias.enabled=false
    ["tags with no effect", { tags: { nothinguseful: false } }, ["subchart1"]],
    ["tags disabling a group", { tags: { "front-end": false } }, []],
    ["tags enabling a group", { tags: { "back-end": true } }, ["subchart1", "subchart2"]],
    ["condition disables", { subchart1: { enabled: false } }, []],
    ["condition wins over tags", { tags: { "front-end": false }, subchart1: { enabled: true } }, ["subchart1"]],
    ["alias enabled by its own condition", { subchart2alias: { enabled: true } }, ["subchart1", "subchart2alias"]],
  ];
  for (const [name, vals, want] of enabled) {
    test(name, () => {
      const chart = loadChart(join(charts, "subpop"));
      processDependencies(chart, vals);
      expect(chart.dependencies.map((d) => d.metadata.Name).sort()).toEqual(want);
    });
  }
});
