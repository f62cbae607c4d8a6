import { test, expect, describe } from "bun:test";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

// Every case of Helm's `helm template` conformance table (cases.tsv, from Helm's
// template_test.go), the extra upstream charts, the `helm create` scaffold goldens and
// skiff's own charts with Helm v4.1.4 goldens (cases-v4.tsv: tpl inside include, v4's
// multi-line execution errors), rendered in-process and compared byte for byte
// (errors: stdout + stderr).
const fx = join(import.meta.dir, "../../fixtures/helm");
const engineIndex = join(import.meta.dir, "../../../src/charts/gotemplate/index.ts");

interface Case { chart: string; args: string[]; golden: string; expect: string }

function splitArgs(s: string): string[] {
  if (s.trim() === "") return [];
  const out: string[] = [];
  const parts = s.split(" ");
  for (let i = 0; i < parts.length; i++) {
    // --name-template=… holds spaces of its own: it runs to the end of the field.
    if (parts[i]!.startsWith("--name-template=")) { out.push(parts.slice(i).join(" ")); break; }
    out.push(parts[i]!);
  }
  return out.map((a) => (a.startsWith("testcharts/") ? join(fx, a) : a));
}

function readCases(file: string): Case[] {
  return readFileSync(join(fx, file), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => {
    const [chart, args, golden, expectKind] = l.split("\t") as [string, string, string, string];
    return { chart, args: splitArgs(args), golden, expect: expectKind };
  });
}

async function runCase(c: Case) {
  if (!existsSync(engineIndex)) {
    throw new Error("the template engine (src/charts/gotemplate/index.ts) is missing; chart rendering cannot run");
  }
  const { templateCommand } = await import("../../../src/cli/chart.ts");
  const chartPath = c.chart.includes("/") ? join(fx, c.chart) : join(fx, "testcharts", c.chart);
  const r = await templateCommand(["release-name", chartPath, "--kube-version", "1.20.0", ...c.args]);
  const want = readFileSync(join(fx, c.golden), "utf8");
  if (c.expect === "ok") {
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(want);
    expect(r.code).toBe(0);
  } else {
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toBe(want);
  }
}

for (const file of ["cases.tsv", "cases-scaffold.tsv", "cases-v4.tsv"]) {
  describe(file, () => {
    for (const c of readCases(file)) {
      test(`${c.chart} ${c.args.map((a) => a.replace(fx + "/", "")).join(" ")} → ${c.golden}`, () => runCase(c));
    }
  });
}
