// Metric families that write their own exposition text. The large per-object families
// (per node, per Deployment, per tracked object) keep their label text ready-made and
// write one line per series at scrape time, instead of going through prom-client's
// label hashing on every update and label formatting on every scrape. They register in
// a prom-client Registry like any metric, so the rest of /metrics stays prom-client's.
import { Registry as PromRegistry, type Metric } from "prom-client";

export type Emit = (labels: string, value: number) => void;

export type TextFamilyOptions = {
  name: string;
  help: string;
  type: "gauge" | "counter";
  registers: PromRegistry[];
  /** Calls emit once per series: labels as rendered by labelText (or ""), and the value. */
  series: (emit: Emit) => void;
};

/** `a="x",b="y"`, values escaped as the text format asks. Keep the result: it is the costly part. */
export function labelText(labels: Record<string, string>): string {
  let out = "";
  for (const k in labels) out += `${out ? "," : ""}${k}="${escapeLabelValue(labels[k]!)}"`;
  return out;
}

function escapeLabelValue(v: string): string {
  return /[\\\n"]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"') : v;
}

/** As prom-client writes values. */
function valueText(v: number): string {
  if (Number.isNaN(v)) return "Nan";
  if (!Number.isFinite(v)) return v < 0 ? "-Inf" : "+Inf";
  return `${v}`;
}

export class TextFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly aggregator = "sum" as const;
  private readonly header: string;

  constructor(private readonly opts: TextFamilyOptions) {
    this.name = opts.name;
    this.help = opts.help;
    this.type = opts.type;
    this.header = `# HELP ${opts.name} ${opts.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${opts.name} ${opts.type}`;
    for (const r of opts.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The family's exposition text (no trailing newline), as prom-client's registry joins them. */
  text(): string {
    const name = this.name;
    let out = this.header;
    this.opts.series((labels, value) => {
      out += labels ? `\n${name}{${labels}} ${valueText(value)}` : `\n${name} ${valueText(value)}`;
    });
    return out;
  }

  /** prom-client's shape, for a plain Registry and for readers of single metrics. */
  async get() {
    const values: { labels: Record<string, string>; value: number }[] = [];
    this.opts.series((labels, value) => {
      const parsed: Record<string, string> = {};
      for (const m of labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) parsed[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      values.push({ labels: parsed, value });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset() {}
}

/** A prom-client Registry that takes a TextFamily's own text instead of formatting its values. */
export class TextRegistry extends PromRegistry {
  override async metrics(): Promise<string> {
    const parts = await Promise.all(this.getMetricsAsArray().map((m: object) => (m instanceof TextFamily ? m.text() : this.getSingleMetricAsString((m as { name: string }).name))));
    return `${parts.join("\n\n")}\n`;
  }
}
