// Where one operation's time goes in skiff: what a pod watch saw of each pod (created,
// bound, Running, Ready, deletion asked, gone) and the runtime commands the agent ran,
// as milliseconds after the operation began.
import { ApiClient, resources, type WatchEvent } from "../../../src/client/api-client.ts";
import type { CommandEntry } from "./agent-command-log.ts";

type PodMarks = { added?: number; bound?: number; running?: number; ready?: number; deleting?: number; gone?: number; image?: string };
type PodLike = { metadata: { name?: string; resourceVersion?: string; deletionTimestamp?: string }; spec?: { nodeName?: string; containers?: { image: string }[] }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };

export class PodTrace {
  private marks = new Map<string, PodMarks>();
  private t0 = performance.now();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly client: ApiClient, private readonly namespace: string) {}

  /** Follows pods from now on (a list for the revision, then a watch, resumed on errors). */
  async start(): Promise<void> {
    const list = await this.client.list<PodLike>(resources.pods, this.namespace);
    let rv = list.metadata.resourceVersion;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          for await (const ev of this.client.watch(resources.pods, this.namespace, { resourceVersion: rv }, this.abort.signal) as AsyncGenerator<WatchEvent>) {
            const p = ev.object as PodLike;
            if (p.metadata?.resourceVersion) rv = p.metadata.resourceVersion;
            this.seen(ev.type, p);
          }
        } catch {
          if (!this.abort.signal.aborted) await Bun.sleep(100);
        }
      }
    })();
  }

  /** Forget what was seen: the next operation's times count from now. */
  reset(): void {
    this.marks = new Map();
    this.t0 = performance.now();
  }

  private seen(type: string, p: PodLike) {
    const name = p.metadata.name!;
    const t = performance.now() - this.t0;
    let m = this.marks.get(name);
    if (!m) this.marks.set(name, (m = {}));
    if (type === "ADDED") m.added ??= t;
    if (type === "DELETED") m.gone ??= t;
    m.image ??= p.spec?.containers?.[0]?.image;
    if (p.spec?.nodeName) m.bound ??= t;
    if (p.status?.phase === "Running") m.running ??= t;
    if (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) m.ready ??= t;
    if (p.metadata.deletionTimestamp) m.deleting ??= t;
  }

  /** Lines telling where the time went, for the pods this operation touched and the agent's commands in its window. */
  breakdown(commands: CommandEntry[], opStartEpochMs: number): string[] {
    const pods = [...this.marks.values()];
    const span = (label: string, pick: (m: PodMarks) => number | undefined) => {
      const xs = pods.map(pick).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
      if (!xs.length) return undefined;
      return `${label} ${xs.length}: first ${fmt(xs[0]!)}, median ${fmt(xs[Math.floor(xs.length / 2)]!)}, last ${fmt(xs.at(-1)!)}`;
    };
    const lines = [
      span("pods created", (m) => m.added),
      span("bound by the scheduler", (m) => (m.added !== undefined ? m.bound : undefined)),
      span("Running reported", (m) => m.running),
      span("Ready reported", (m) => m.ready),
      span("deletion asked (Terminating)", (m) => m.deleting),
      span("gone from the API", (m) => m.gone),
    ].filter((l): l is string => !!l);
    const terminating = pods.filter((m) => m.deleting !== undefined && m.gone !== undefined).map((m) => m.gone! - m.deleting!);
    if (terminating.length) lines.push(`Terminating → gone per pod: min ${fmt(Math.min(...terminating))}, max ${fmt(Math.max(...terminating))}`);
    lines.push(...commandLines(commands, opStartEpochMs));
    return lines;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => {});
  }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The agent's runtime commands grouped by kind: how many, when the first began and the last ended, time in them, and how many ran at once at most. */
export function commandLines(entries: CommandEntry[], fromEpochMs: number): string[] {
  const groups = new Map<string, CommandEntry[]>();
  for (const e of entries) {
    const words = e.args.split(" ").filter((w) => w && !w.startsWith("-"));
    const sub = ["container", "pod", "image", "tasks", "containers", "snapshots"].includes(words[0] ?? "") ? words.slice(0, 2) : words.slice(0, 1);
    const key = [e.tool, ...sub].join(" ");
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const lines = [`runtime commands: ${entries.length}, at most ${maxConcurrent(entries)} at once, ${fmt(entries.reduce((a, e) => a + e.endMs - e.startMs, 0))} in them`];
  for (const [key, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const first = Math.min(...list.map((e) => e.startMs)) - fromEpochMs;
    const last = Math.max(...list.map((e) => e.endMs)) - fromEpochMs;
    const avg = list.reduce((a, e) => a + e.endMs - e.startMs, 0) / list.length;
    lines.push(`  ${String(list.length).padStart(4)} × ${key.padEnd(24)} ${fmt(first)} → ${fmt(last)}, avg ${avg.toFixed(0)} ms, ${maxConcurrent(list)} at once at most`);
  }
  return lines;
}

function maxConcurrent(entries: CommandEntry[]): number {
  const points = entries.flatMap((e) => [[e.startMs, 1] as const, [e.endMs, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (now += d));
  return max;
}
