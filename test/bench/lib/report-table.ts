// The benchmark's results: one row per figure with its goal and how far from it it is.

export type Figure = {
  name: string;
  value: number;
  unit: string;
  /** The goal in the same unit: an upper bound, or a lower one with `atLeast`. */
  goal: number;
  atLeast?: boolean;
  /** Extra context printed after the row (baseline, counts). */
  note?: string;
};

const fmt = (v: number) => (Number.isNaN(v) ? "n/a" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** value/goal: ≤ 1 meets an upper-bound goal, ≥ 1 a lower-bound one. */
export const ratio = (f: Figure) => f.value / f.goal;
// Compared directly, so a goal of 0 (no lease missed) can be met.
const met = (f: Figure) => (f.atLeast ? f.value >= f.goal : f.value <= f.goal);

export function renderTable(figures: Figure[]): string {
  const rows = figures.map((f) => [f.name, `${fmt(f.value)} ${f.unit}`, `${f.atLeast ? "≥" : "≤"} ${fmt(f.goal)} ${f.unit}`, f.goal ? `${ratio(f).toFixed(2)}×` : "", Number.isNaN(f.value) ? "n/a" : met(f) ? "met" : "MISSED", f.note ?? ""]);
  const header = ["figure", "value", "goal", "value/goal", "", "notes"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** One line of JSON: figure name → { value, goal, ratio }, plus any extra fields. */
export function summaryJson(figures: Figure[], extra: Record<string, unknown> = {}): string {
  const out: Record<string, unknown> = {};
  for (const f of figures) out[f.name] = { value: Number(f.value.toFixed(3)), unit: f.unit, goal: f.goal, ratio: Number(ratio(f).toFixed(3)), met: met(f) };
  return JSON.stringify({ ...out, ...extra });
}
