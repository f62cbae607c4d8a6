// What helm prints for releases: the list and history tables (gosuri/uitable: every cell
// padded to its column's width, cells joined by a tab) and the status block (without
// helm 4's live RESOURCES section).
import { appVersion, chartName, chartVersion, statusOf, type Release } from "./release-types.ts";
import { goAnsicTime, goDefaultTime } from "./go-time.ts";

const MAX_COL_WIDTH = 60;

function cell(s: string): string {
  return [...s].length > MAX_COL_WIDTH ? [...s].slice(0, MAX_COL_WIDTH - 3).join("") + "..." : s;
}

export function table(rows: string[][]): string {
  const cells = rows.map((r) => r.map(cell));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, [...c].length); });
  return cells.map((r) => r.map((c, i) => c + " ".repeat(widths[i]! - [...c].length)).join("\t")).join("\n") + "\n";
}

const chartRef = (r: Release) => `${chartName(r)}-${chartVersion(r)}`;

export function listTable(releases: Release[]): string {
  const rows = [["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]];
  for (const r of releases) rows.push([r.name, r.namespace, String(r.version), goDefaultTime(r.info.last_deployed), statusOf(r), chartRef(r), appVersion(r)]);
  return table(rows);
}

export function historyTable(history: Release[]): string {
  const rows = [["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"]];
  for (const r of history) rows.push([String(r.version), goAnsicTime(r.info.last_deployed), statusOf(r), chartRef(r), appVersion(r), r.info.description ?? ""]);
  return table(rows);
}

export function statusText(r: Release): string {
  let out = `NAME: ${r.name}\nLAST DEPLOYED: ${goAnsicTime(r.info.last_deployed)}\nNAMESPACE: ${r.namespace}\nSTATUS: ${statusOf(r)}\nREVISION: ${r.version}\n`;
  if (r.info.description) out += `DESCRIPTION: ${r.info.description}\n`;
  // Helm 4 lists test hooks only once they have run.
  for (const h of (r.hooks ?? []).filter((h) => h.events?.includes("test") && h.last_run?.phase)) {
    out += `TEST SUITE:     ${h.name}\nLast Started:   ${goAnsicTime(h.last_run.started_at)}\nLast Completed: ${goAnsicTime(h.last_run.completed_at)}\nPhase:          ${h.last_run.phase}\n`;
  }
  if (r.info.notes) out += `NOTES:\n${r.info.notes.trim()}\n`;
  return out;
}
