// Structure of the Grafana dashboards, and that they only read metrics skiff exposes.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { allPanels, dashboardQueries, fillVariables, loadDashboards, metricNamesIn, parseLabelValues, variableQuery } from "../../support/prometheus.ts";
import { createServerMetrics } from "../../../src/server/metrics/server-metrics.ts";
import { staticSource } from "../../../src/server/metrics/object-source.ts";
import { AgentMetrics } from "../../../src/agent/metrics.ts";
import { PROPOSED_AGENT_METRICS } from "./proposed-agent-metrics.ts";

const dashboards = loadDashboards(join(import.meta.dir, "../../../dashboards"));
const DS = { type: "prometheus", uid: "${datasource}" };

/** Base names of every metric in a registry's output (histogram series included). */
async function exposedNames(text: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!m) continue;
    names.add(m[1]!);
    if (m[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m[1]! + s);
  }
  return names;
}

/** Every value under a "datasource" key, at any depth (the datasource variable's own definition aside). */
function datasourceRefs(node: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const x of node) datasourceRefs(x, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "datasource") out.push(v);
      else datasourceRefs(v, out);
    }
  }
  return out;
}

describe("dashboards", () => {
  test("there are the three dashboards", () => {
    expect(dashboards.map((d) => d.file)).toEqual(["cluster-overview.json", "nodes.json", "workloads.json"]);
  });

  for (const { file, dashboard } of dashboards) {
    describe(file, () => {
      test("schemaVersion ≥ 39, a unique uid, a prometheus datasource variable and no hard-coded datasource", () => {
        expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
        expect(dashboard.uid).toMatch(/^skiff-/);
        const ds = dashboard.templating.list.find((v) => v.name === "datasource");
        expect(ds).toMatchObject({ type: "datasource", query: "prometheus" });
        // Every datasource reference anywhere in the file is the variable.
        const refs = datasourceRefs(dashboard);
        expect(refs.length).toBeGreaterThan(0);
        for (const r of refs) expect(r).toEqual(DS);
      });

      test("every panel has the datasource variable, a unique id and a target with an expression", () => {
        const panels = allPanels(dashboard);
        const ids = panels.map((p) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const p of panels) {
          expect(Number.isInteger(p.id)).toBe(true);
          if (p.type === "row") continue;
          expect(p.datasource, p.title).toEqual(DS);
          expect(p.targets?.length, p.title).toBeGreaterThan(0);
          for (const t of p.targets!) {
            expect(t.expr?.trim().length, `${p.title} ${t.refId}`).toBeGreaterThan(0);
            expect(t.datasource).toEqual(DS);
          }
          const refIds = p.targets!.map((t) => t.refId);
          expect(new Set(refIds).size).toBe(refIds.length);
        }
      });

      test("every variable used is defined, and query variables are label_values over skiff metrics", () => {
        const defined = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, "x"]));
        for (const q of dashboardQueries([{ file, dashboard }])) expect(() => fillVariables(q.expr, defined)).not.toThrow();
        for (const v of dashboard.templating.list.filter((v) => v.type === "query")) {
          expect(v.datasource).toEqual(DS);
          const parsed = parseLabelValues(variableQuery(v)!);
          expect(parsed, v.name).toBeDefined();
          expect(() => fillVariables(parsed!.selector ?? "", defined)).not.toThrow();
        }
      });
    });
  }

  test("metric-name extraction ignores functions, labels, keywords and durations", () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (le, verb) (rate(apiserver_request_duration_seconds_bucket{verb!~"WATCH|CONNECT"}[5m])))')).toEqual(["apiserver_request_duration_seconds_bucket"]);
    expect(metricNamesIn('(sum(rate(a_total{code=~"5.."}[1m])) or vector(0)) / sum(rate(a_total[1m]))')).toEqual(["a_total"]);
    expect(metricNamesIn("process_resident_memory_bytes / 2^30 - time()")).toEqual(["process_resident_memory_bytes"]);
    expect(metricNamesIn("x > bool 0")).toEqual(["x"]);
  });

  test("every expression reads only metrics the server or the agent expose", async () => {
    const server = createServerMetrics({ source: staticSource({}), store: { revision: 0, compactedRevision: 0, compactions: 0, sizes: () => ({ db: 0, wal: 0 }) } });
    const serverNames = await exposedNames(await server.registry.metrics());
    const agentNames = await exposedNames(await new AgentMetrics().registry.metrics());
    const known = new Set([...serverNames, ...agentNames, ...PROPOSED_AGENT_METRICS]);
    const unknown: string[] = [];
    const queries = dashboardQueries(dashboards);
    for (const { file, dashboard } of dashboards) for (const v of dashboard.templating.list) if (v.type === "query") queries.push({ file, panel: `$${v.name}`, expr: parseLabelValues(variableQuery(v)!)!.selector ?? "" });
    for (const q of queries) for (const name of metricNamesIn(q.expr)) if (!known.has(name)) unknown.push(`${q.file} / ${q.panel}: ${name}`);
    expect(unknown).toEqual([]);
  });
});
