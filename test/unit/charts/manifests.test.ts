import { test, expect, describe } from "bun:test";
import { join } from "node:path";
import { splitManifests, sortManifests } from "../../../src/charts/output/manifests.ts";
import { loadChart } from "../../../src/charts/load/load-chart.ts";
import { chartFullPath } from "../../../src/charts/chart-types.ts";
import { IgnoreRules } from "../../../src/charts/load/helmignore.ts";

describe("manifest splitting and ordering", () => {
  test("splits on --- and drops empty documents", () => {
    expect(splitManifests("\n---\na: 1\n---\nb: 2\n---   \n# only a comment\n---\n")).toEqual(["a: 1", "b: 2", "# only a comment"]);
    // Go's separator pattern consumes the blank lines after "---", so a directly following "---" stays in the document.
    expect(splitManifests("a: 1\n---\n\n---\nb: 2")).toEqual(["a: 1", "---\nb: 2"]);
  });
  test("sorts by install order, unknown kinds last alphabetically, hooks apart", () => {
    const files = new Map([
      ["c/templates/b.yaml", "kind: Deployment\nmetadata:\n  name: d\n---\nkind: Zebra\n---\nkind: Alpaca"],
      ["c/templates/a.yaml", "kind: Service\n---\nkind: Namespace\n---\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test"],
    ]);
    const { manifests, hooks } = sortManifests(files);
    expect(manifests.map((m) => m.kind)).toEqual(["Namespace", "Service", "Deployment", "Alpaca", "Zebra"]);
    expect(hooks.map((h) => [h.name, h.events])).toEqual([["t", ["test"]]]);
  });
  test("invalid YAML is reported as Helm words it", () => {
    expect(() => sortManifests(new Map([["c/templates/x.yaml", "a: 1\nb:\n  - c\ninvalid"]]))).toThrow(
      "YAML parse error on c/templates/x.yaml: error converting YAML to JSON: yaml: line 5: could not find expected ':'",
    );
  });
});

describe("chart loading", () => {
  const charts = join(import.meta.dir, "../../fixtures/helm/testcharts");
  test("subcharts from folders use the chart name for their path", () => {
    const c = loadChart(join(charts, "subchart"));
    const names = c.dependencies.map((d) => chartFullPath(d)).sort();
    expect(names).toEqual(["subchart/charts/subcharta", "subchart/charts/subchartb"]);
  });
  test("subcharts from archives load", () => {
    const c = loadChart(join(charts, "chart-with-lib-dep"));
    expect(c.dependencies.map((d) => d.metadata.Name)).toEqual(["common"]);
    expect(c.dependencies[0]!.templates.length).toBeGreaterThan(0);
  });
  test("type is checked case-sensitively", () => {
    expect(() => loadChart(join(charts, "lib-chart"))).toThrow("validation: chart.metadata.type must be application or library");
  });
  test(".helmignore rules", () => {
    const r = IgnoreRules.parse("*.bak\n/secret.txt\ndocs/");
    expect(r.ignore("a/b.bak", false)).toBe(true);
    expect(r.ignore("keep.yaml", false)).toBe(false);
    expect(r.ignore("secret.txt", false)).toBe(true);
    expect(r.ignore("sub/secret.txt", false)).toBe(false);
    expect(r.ignore("docs", true)).toBe(true);
    expect(r.ignore("docs", false)).toBe(false);
  });
});
