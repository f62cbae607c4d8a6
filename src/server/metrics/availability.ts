// Availability accounting: for every Node, Deployment and Service, seconds up and seconds
// observed, counted by the server on a steady tick. Because the server judges stored state
// (not reports from the object itself), a node that died keeps accruing observed-but-not-up
// seconds. rate(up[w]) / rate(observed[w]) is the availability over any window w.
import { Counter, Gauge, type Registry as PromRegistry } from "prom-client";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { RESOURCES, type ObjectSource } from "./object-source.ts";
import { isDeploymentUp, isNodeUp, isTrackedService, servicesWithReadyEndpoints } from "./availability-rules.ts";

export type AvailabilityKind = "Node" | "Deployment" | "Service";

export type AvailabilityState = { up: boolean; upSeconds: number; observedSeconds: number; ratio: number };

type Labels = { kind: AvailabilityKind; namespace: string; name: string };
type Entry = { uid: string; labels: Labels; up: boolean; upSeconds: number; observedSeconds: number };

export type AvailabilityOptions = {
  source: ObjectSource;
  registers: PromRegistry[];
  /** Milliseconds; injectable so tests can drive time. */
  now?: () => number;
};

export class AvailabilityTracker {
  private readonly upTotal: Counter<keyof Labels>;
  private readonly observedTotal: Counter<keyof Labels>;
  private readonly ratio: Gauge<keyof Labels>;
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private lastTick?: number;
  private timer?: Timer;

  constructor(private readonly opts: AvailabilityOptions) {
    this.now = opts.now ?? Date.now;
    const labelNames = ["kind", "namespace", "name"] as const;
    this.upTotal = new Counter({ name: "skiff_availability_up_seconds_total", help: "Seconds the object was up (Node Ready; Deployment at its minimum available replicas; Service with a ready endpoint).", labelNames, registers: opts.registers });
    this.observedTotal = new Counter({ name: "skiff_availability_observed_seconds_total", help: "Seconds the object was observed by the server.", labelNames, registers: opts.registers });
    this.ratio = new Gauge({ name: "skiff_availability_ratio", help: "Up seconds divided by observed seconds since the object was created (as seen by this server).", labelNames, registers: opts.registers });
  }

  /** Counts on a fixed interval (1 s by default) until stop(). */
  start(intervalMs = 1000) {
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One accounting step: the time since the previous step is credited to every object
   * still present, as up when it is up now. A newly seen object starts at zero.
   */
  tick() {
    const now = this.now();
    const seconds = this.lastTick === undefined ? 0 : Math.max(0, (now - this.lastTick) / 1000);
    this.lastTick = now;
    const seen = new Set<string>();
    for (const [kind, obj, up] of this.judged()) {
      const key = `${kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
      seen.add(key);
      this.credit(key, kind, obj, up, seconds);
    }
    for (const [key, entry] of this.entries) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      this.upTotal.remove(entry.labels);
      this.observedTotal.remove(entry.labels);
      this.ratio.remove(entry.labels);
    }
  }

  /** The accounting of one object, or undefined when it is not tracked. */
  state(kind: AvailabilityKind, namespace: string, name: string): AvailabilityState | undefined {
    const e = this.entries.get(`${kind}/${namespace}/${name}`);
    return e && { up: e.up, upSeconds: e.upSeconds, observedSeconds: e.observedSeconds, ratio: ratioOf(e) };
  }

  get tracked(): number {
    return this.entries.size;
  }

  private *judged(): Iterable<[AvailabilityKind, KubeObject, boolean]> {
    const src = this.opts.source;
    for (const n of src.list(RESOURCES.nodes)) yield ["Node", n, isNodeUp(n)];
    for (const d of src.list(RESOURCES.deployments)) yield ["Deployment", d, isDeploymentUp(d)];
    const services = src.list(RESOURCES.services);
    if (!services.length) return;
    const ready = servicesWithReadyEndpoints(src.list(RESOURCES.endpoints), src.list(RESOURCES.endpointSlices));
    for (const s of services) if (isTrackedService(s)) yield ["Service", s, ready.has(`${s.metadata.namespace}/${s.metadata.name}`)];
  }

  private credit(key: string, kind: AvailabilityKind, obj: KubeObject, up: boolean, seconds: number) {
    const uid = obj.metadata.uid ?? "";
    let entry = this.entries.get(key);
    if (!entry || entry.uid !== uid) {
      // First sight, or the name was deleted and created again: a new object starts afresh
      // (its counters restart from zero, which rate() reads as a counter reset).
      if (entry) for (const m of [this.upTotal, this.observedTotal]) m.remove(entry.labels);
      entry = { uid, labels: { kind, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name! }, up, upSeconds: 0, observedSeconds: 0 };
      this.entries.set(key, entry);
      this.upTotal.inc(entry.labels, 0);
      this.observedTotal.inc(entry.labels, 0);
    } else if (seconds > 0) {
      entry.observedSeconds += seconds;
      this.observedTotal.inc(entry.labels, seconds);
      if (up) {
        entry.upSeconds += seconds;
        this.upTotal.inc(entry.labels, seconds);
      }
    }
    entry.up = up;
    this.ratio.set(entry.labels, ratioOf(entry));
  }
}

/** Before any time has passed, the ratio is the current state (1 or 0). */
function ratioOf(e: Entry): number {
  return e.observedSeconds > 0 ? e.upSeconds / e.observedSeconds : e.up ? 1 : 0;
}
