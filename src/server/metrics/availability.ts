// Availability accounting: for every Node, Deployment and Service, seconds up and seconds
// observed, counted by the server on a steady tick. Because the server judges stored state
// (not reports from the object itself), a node that died keeps accruing observed-but-not-up
// seconds. rate(up[w]) / rate(observed[w]) is the availability over any window w. The
// counters start at zero with each server process, as counters do; the ratio since creation
// also counts the seconds of earlier processes, kept in an AvailabilityStore.
import type { Registry as PromRegistry } from "prom-client";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { RESOURCES, type ObjectSource } from "./object-source.ts";
import { isDeploymentUp, isNodeUp, isTrackedService, servicesWithReadyEndpoints } from "./availability-rules.ts";
import { labelText, TextFamily } from "./text-family.ts";
import type { AvailabilityRecords, AvailabilityStore } from "./availability-store.ts";

export type AvailabilityKind = "Node" | "Deployment" | "Service";

/** upSeconds and observedSeconds count since the object was created, across server restarts when a store keeps them. */
export type AvailabilityState = { up: boolean; upSeconds: number; observedSeconds: number; ratio: number };

type Entry = {
  uid: string;
  /** `kind="…",namespace="…",name="…"`, rendered once. */
  labels: string;
  up: boolean;
  /** Counted by this process: the exported counters, which start at zero as counters do. */
  upSeconds: number;
  observedSeconds: number;
  /** Counted before this process started, restored from the store: only the since-creation ratio uses them. */
  priorUp: number;
  priorObserved: number;
};

export type AvailabilityOptions = {
  source: ObjectSource;
  registers: PromRegistry[];
  /** Milliseconds; injectable so tests can drive time. */
  now?: () => number;
  /** Keeps the since-creation seconds across restarts; without it they start with this process. */
  store?: AvailabilityStore;
  /** How often the store is written (milliseconds). */
  saveIntervalMs?: number;
};

export class AvailabilityTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private lastTick?: number;
  private timers: Timer[] = [];
  /** Restored seconds by uid, until the object is first seen; undefined until loaded. */
  private restored?: AvailabilityRecords;
  private saving?: Promise<void>;

  constructor(private readonly opts: AvailabilityOptions) {
    this.now = opts.now ?? Date.now;
    const registers = opts.registers;
    const family = (name: string, help: string, type: "counter" | "gauge", value: (e: Entry) => number) =>
      new TextFamily({ name, help, type, registers, series: (emit) => { for (const e of this.entries.values()) emit(e.labels, value(e)); } });
    family("skiff_availability_up_seconds_total", "Seconds the object was up (Node Ready; Deployment at its minimum available replicas; Service with a ready endpoint).", "counter", (e) => e.upSeconds);
    family("skiff_availability_observed_seconds_total", "Seconds the object was observed by the server.", "counter", (e) => e.observedSeconds);
    family("skiff_availability_ratio", "Up seconds divided by observed seconds since the object was created (kept across server restarts).", "gauge", ratioOf);
  }

  /** Counts on a fixed interval (1 s by default) until stop(); with a store, restores and saves. */
  start(intervalMs = 1000) {
    this.tick();
    this.timers.push(setInterval(() => this.tick(), intervalMs));
    if (this.opts.store) {
      void this.restore();
      this.timers.push(setInterval(() => void this.save(), this.opts.saveIntervalMs ?? 60_000));
    }
  }

  /** Stops counting, crediting the time since the last tick; a last save is started (the store's writes drain before it closes). */
  stop(): Promise<void> {
    if (this.timers.length) this.tick();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    return this.opts.store && this.restored ? this.save() : Promise.resolve();
  }

  /** Reads the stored seconds and credits them to the objects they belong to (matched by uid). */
  async restore() {
    try {
      this.restored = await this.opts.store!.load();
    } catch (e) {
      console.error(`availability: could not read the stored seconds: ${(e as Error).message}`);
      this.restored = new Map();
    }
    for (const e of this.entries.values()) this.takePrior(e);
  }

  /** Writes every tracked object's since-creation seconds (one write, merged with what is there). */
  save(): Promise<void> {
    if (!this.opts.store || !this.restored || this.saving) return this.saving ?? Promise.resolve();
    const records: AvailabilityRecords = new Map();
    for (const e of this.entries.values()) if (e.uid) records.set(e.uid, { up: e.priorUp + e.upSeconds, observed: e.priorObserved + e.observedSeconds });
    this.saving = this.opts.store
      .save(records)
      .catch((err) => console.error(`availability: could not store the seconds: ${(err as Error).message}`))
      .finally(() => (this.saving = undefined));
    return this.saving;
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
    if (seen.size === this.entries.size) return;
    for (const key of this.entries.keys()) if (!seen.has(key)) this.entries.delete(key);
  }

  /** The accounting of one object, or undefined when it is not tracked. */
  state(kind: AvailabilityKind, namespace: string, name: string): AvailabilityState | undefined {
    const e = this.entries.get(`${kind}/${namespace}/${name}`);
    return e && { up: e.up, upSeconds: e.priorUp + e.upSeconds, observedSeconds: e.priorObserved + e.observedSeconds, ratio: ratioOf(e) };
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
      entry = { uid, labels: entry?.labels ?? labelText({ kind, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name! }), up, upSeconds: 0, observedSeconds: 0, priorUp: 0, priorObserved: 0 };
      this.takePrior(entry);
      this.entries.set(key, entry);
    } else if (seconds > 0) {
      entry.observedSeconds += seconds;
      if (up) entry.upSeconds += seconds;
    }
    entry.up = up;
  }

  private takePrior(e: Entry) {
    const prior = e.uid ? this.restored?.get(e.uid) : undefined;
    if (!prior) return;
    this.restored!.delete(e.uid);
    e.priorUp = prior.up;
    e.priorObserved = prior.observed;
  }
}

/** Before any time has passed, the ratio is the current state (1 or 0). */
function ratioOf(e: Entry): number {
  const observed = e.priorObserved + e.observedSeconds;
  return observed > 0 ? (e.priorUp + e.upSeconds) / observed : e.up ? 1 : 0;
}
