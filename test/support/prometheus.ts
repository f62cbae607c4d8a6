// A real Prometheus for tests: loopback only, its own temp data dir, scraping the targets
// the test names; plus the PromQL helpers the dashboard checks need.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./server.ts";

export const PROMETHEUS_INSTALL = "apt-get install -y prometheus";

/** The path of a Prometheus tool, or an error naming the install line. */
export function requireTool(name: "prometheus" | "promtool"): string {
  const path = Bun.which(name);
  if (!path) throw new Error(`${name} is not installed: run \`${PROMETHEUS_INSTALL}\``);
  return path;
}

/** Runs `promtool check metrics` on an exposition; returns its findings ("" when clean). */
export async function promtoolCheckMetrics(text: string): Promise<{ ok: boolean; output: string }> {
  const proc = Bun.spawn([requireTool("promtool"), "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { ok: code === 0, output: (out + err).trim() };
}

export type ScrapeTarget = {
  job: string;
  /** host:port on loopback. */
  address: string;
  scheme: "http" | "https";
  caPem?: string;
  token?: string;
  labels?: Record<string, string>;
};

export type PrometheusSample = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };

export type RunningPrometheus = {
  url: string;
  /** An instant query; throws on a PromQL error. */
  query(expr: string): Promise<PrometheusSample[]>;
  /** Waits until `expr` returns a result that satisfies `ok`. */
  waitFor(expr: string, ok: (r: PrometheusSample[]) => boolean, timeoutMs?: number): Promise<PrometheusSample[]>;
  stop(): Promise<void>;
};

export async function startPrometheus(targets: ScrapeTarget[], scrapeIntervalSeconds = 1): Promise<RunningPrometheus> {
  const bin = requireTool("prometheus");
  const dir = mkdtempSync(join(tmpdir(), "skiff-prometheus-"));
  const scrapeConfigs = targets.map((t) => {
    const lines = [`  - job_name: ${JSON.stringify(t.job)}`, `    scheme: ${t.scheme}`, `    static_configs:`, `      - targets: [${JSON.stringify(t.address)}]`];
    if (t.labels) lines.push(`        labels: ${JSON.stringify(t.labels)}`);
    if (t.caPem) {
      const ca = join(dir, `${t.job}-ca.pem`);
      writeFileSync(ca, t.caPem);
      lines.push(`    tls_config:`, `      ca_file: ${JSON.stringify(ca)}`);
    }
    if (t.token) {
      const tokenFile = join(dir, `${t.job}-token`);
      writeFileSync(tokenFile, t.token, { mode: 0o600 });
      lines.push(`    authorization:`, `      credentials_file: ${JSON.stringify(tokenFile)}`);
    }
    return lines.join("\n");
  });
  const config = [`global:`, `  scrape_interval: ${scrapeIntervalSeconds}s`, `  scrape_timeout: ${scrapeIntervalSeconds}s`, `  evaluation_interval: ${scrapeIntervalSeconds}s`, `scrape_configs:`, ...scrapeConfigs].join("\n") + "\n";
  writeFileSync(join(dir, "prometheus.yml"), config);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(
    [bin, `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn", "--storage.tsdb.retention.time=1h"],
    { stdout: "ignore", stderr: Bun.file(join(dir, "prometheus.log")) },
  );
  const stop = async () => {
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(5000)]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      const log = readFileSync(join(dir, "prometheus.log"), "utf8");
      await stop();
      throw new Error(`prometheus did not become ready:\n${log}`);
    }
    await Bun.sleep(100);
  }
  const query = async (expr: string) => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PrometheusSample[] | [number, string] } };
    if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
    const r = body.data!;
    // A scalar result (e.g. time()) is one sample without labels.
    return r.resultType === "scalar" ? [{ metric: {}, value: r.result as [number, string] }] : (r.result as PrometheusSample[]);
  };
  return {
    url,
    query,
    async waitFor(expr, ok, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      let last: PrometheusSample[] = [];
      while (Date.now() < until) {
        last = await query(expr);
        if (ok(last)) return last;
        await Bun.sleep(250);
      }
      throw new Error(`timed out waiting on ${expr}; last result: ${JSON.stringify(last)}`);
    },
    stop,
  };
}

// ---- dashboards ------------------------------------------------------------------------

export type Dashboard = { uid: string; title: string; schemaVersion: number; templating: { list: DashboardVariable[] }; panels: Panel[] };
export type DashboardVariable = { name: string; type: string; query?: string | { query: string }; datasource?: { type: string; uid: string } };
export type Panel = { id: number; type: string; title: string; datasource?: { type: string; uid: string }; targets?: { refId: string; expr?: string; datasource?: { type: string; uid: string } }[]; panels?: Panel[] };

export function loadDashboards(dir: string): { file: string; dashboard: Dashboard }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), "utf8")) as Dashboard }));
}

/** Every panel, rows' nested ones included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export type DashboardQuery = { file: string; panel: string; expr: string };

/** Every panel target's expression and every query variable's definition. */
export function dashboardQueries(dashboards: { file: string; dashboard: Dashboard }[]): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const { file, dashboard } of dashboards) {
    for (const p of allPanels(dashboard)) for (const t of p.targets ?? []) if (t.expr) out.push({ file, panel: p.title, expr: t.expr });
  }
  return out;
}

/** label_values(<selector>, label) → { selector, label } (the selector may be absent). */
export function parseLabelValues(q: string): { selector?: string; label: string } | undefined {
  const m = /^label_values\(\s*(?:(.*),\s*)?([a-zA-Z_]\w*)\s*\)$/.exec(q.trim());
  return m ? { selector: m[1]?.trim() || undefined, label: m[2]! } : undefined;
}

export function variableQuery(v: DashboardVariable): string | undefined {
  return typeof v.query === "string" ? v.query : v.query?.query;
}

/** Replaces $var / ${var} and Grafana's interval variables with concrete values. */
export function fillVariables(expr: string, values: Record<string, string>): string {
  const builtins: Record<string, string> = { __range: "5m", __rate_interval: "15s", __interval: "1s", ...values };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (!(name in builtins)) throw new Error(`no value for variable $${name} in ${expr}`);
    return builtins[name]!;
  });
}

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/** The metric names an expression reads (functions, keywords, labels and durations left out). */
export function metricNamesIn(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  s = s.replace(/\{[^}]*\}/g, " ").replace(/\[[^\]]*\]/g, " ");
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of s.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const word = m[0];
    const after = s.slice(m.index! + word.length).trimStart();
    if (after.startsWith("(") || PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    // A preceding digit makes it part of a number or duration (e.g. 2^30, 5m).
    if (m.index! > 0 && /[\d.]/.test(s[m.index! - 1]!)) continue;
    names.add(word);
  }
  return [...names];
}
