// How late the process's timers fire: a timer asks to run every SAMPLE_MS and the delay
// beyond that is the time the event loop was busy with something else. One sampler per
// process, shared by the server's and the embedded agent's registries (they would measure
// the same loop), started by the first registry that asks and never keeping the process alive.
import { Gauge, Histogram, type Registry } from "prom-client";

/** Four wake-ups a second: cheap on an idle device, fine enough to see a stall. */
const SAMPLE_MS = 250;
/** The max gauge covers the last one to two windows. */
const MAX_WINDOW_MS = 30_000;
const LAG_NAME = "skiff_event_loop_lag_seconds";
const MAX_NAME = "skiff_event_loop_lag_max_seconds";
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

class EventLoopLagSampler {
  readonly histogram = new Histogram({ name: LAG_NAME, help: "How late a timer due every 250 ms fired: time the event loop spent on other work.", buckets: BUCKETS, registers: [] });
  readonly max: Gauge;
  private windowMax = 0;
  private previousWindowMax = 0;
  private windowStart = performance.now();
  private timer?: Timer;

  constructor() {
    const self = this;
    this.max = new Gauge({
      name: MAX_NAME,
      help: "Largest event-loop lag of the last 30 to 60 seconds.",
      registers: [],
      collect() {
        this.set(Math.max(self.windowMax, self.previousWindowMax));
      },
    });
  }

  start() {
    if (this.timer) return;
    let expected = performance.now() + SAMPLE_MS;
    const tick = () => {
      const now = performance.now();
      this.record(Math.max(0, now - expected) / 1000, now);
      expected = now + SAMPLE_MS;
      this.timer = setTimeout(tick, SAMPLE_MS);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, SAMPLE_MS);
    this.timer.unref();
  }

  private record(seconds: number, now: number) {
    this.histogram.observe(seconds);
    if (now - this.windowStart >= MAX_WINDOW_MS) {
      this.previousWindowMax = this.windowMax;
      this.windowMax = 0;
      this.windowStart = now;
    }
    if (seconds > this.windowMax) this.windowMax = seconds;
  }
}

let sampler: EventLoopLagSampler | undefined;

/** Adds skiff_event_loop_lag_seconds and skiff_event_loop_lag_max_seconds to a registry, sampling from now on. */
export function registerEventLoopLag(registry: Registry): void {
  sampler ??= new EventLoopLagSampler();
  sampler.start();
  if (!registry.getSingleMetric(LAG_NAME)) registry.registerMetric(sampler.histogram);
  if (!registry.getSingleMetric(MAX_NAME)) registry.registerMetric(sampler.max);
}
