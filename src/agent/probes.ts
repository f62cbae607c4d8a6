// Liveness, readiness and startup probes (httpGet, tcpSocket, exec) with upstream's
// timing fields and thresholds.
import type { RuntimeDriver } from "./runtime/types.ts";

export type ProbeKind = "liveness" | "readiness" | "startup";
export type ProbeResult = "success" | "failure";

export type ProbeSpec = {
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
};

/** Tracks one probe of one container instance: when it is due and its consecutive results. */
export class ProbeState {
  private lastRun = 0;
  private successes = 0;
  private failures = 0;
  /** Readiness starts false, liveness and startup true (until proven otherwise). */
  result: ProbeResult;
  running = false;
  lastMessage = "";

  constructor(
    readonly kind: ProbeKind,
    readonly spec: ProbeSpec,
    readonly startedAt: number,
  ) {
    this.result = kind === "readiness" ? "failure" : "success";
    if (kind === "startup") this.result = "failure";
  }

  /** When the next run is due (ms since the epoch): after the initial delay, one period after the last run. */
  dueAt(): number {
    return Math.max(this.startedAt + (this.spec.initialDelaySeconds ?? 0) * 1000, this.lastRun + (this.spec.periodSeconds ?? 10) * 1000);
  }

  due(now: number): boolean {
    return !this.running && now >= this.dueAt();
  }

  /** Record an outcome; returns true when the overall result flipped. */
  record(ok: boolean, message: string, now: number): boolean {
    this.lastRun = now;
    this.lastMessage = message;
    const before = this.result;
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= (this.kind === "readiness" ? (this.spec.successThreshold ?? 1) : 1)) this.result = "success";
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= (this.spec.failureThreshold ?? 3)) this.result = "failure";
    }
    return before !== this.result;
  }

  get consecutiveFailures() {
    return this.failures;
  }
}

function resolvePort(port: number | string, namedPorts: Map<string, number>): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = namedPorts.get(port);
  if (p === undefined) throw new Error(`port "${port}" is not a named port of the container`);
  return p;
}

/** Run one probe; resolves to [ok, message]. */
export async function runProbe(spec: ProbeSpec, target: { podIP?: string; containerId: string; namedPorts: Map<string, number> }, driver: RuntimeDriver): Promise<[boolean, string]> {
  const timeoutMs = (spec.timeoutSeconds ?? 1) * 1000;
  try {
    if (spec.exec) {
      const session = driver.exec(target.containerId, spec.exec.command);
      const timer = setTimeout(() => session.kill(), timeoutMs);
      const [code, out] = await Promise.all([session.exitCode, new Response(session.stdout).text()]);
      clearTimeout(timer);
      return code === 0 ? [true, ""] : [false, `command ${JSON.stringify(spec.exec.command)} exited with ${code}: ${out.trim().slice(0, 200)}`];
    }
    const host = spec.httpGet?.host ?? spec.tcpSocket?.host ?? target.podIP;
    if (!host) return [false, "the pod has no IP yet"];
    if (spec.httpGet) {
      const port = resolvePort(spec.httpGet.port, target.namedPorts);
      const scheme = (spec.httpGet.scheme ?? "HTTP").toLowerCase();
      const headers = Object.fromEntries((spec.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
      const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}${spec.httpGet.path ?? "/"}`;
      const res = await fetch(url, { headers: { "User-Agent": "kube-probe/1.32", ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: "manual", tls: { rejectUnauthorized: false } } as RequestInit);
      await res.arrayBuffer().catch(() => {});
      return res.status >= 200 && res.status < 400 ? [true, ""] : [false, `HTTP probe failed with statuscode: ${res.status}`];
    }
    if (spec.tcpSocket) {
      const port = resolvePort(spec.tcpSocket.port, target.namedPorts);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`dial tcp ${host}:${port}: i/o timeout`)), timeoutMs);
        Bun.connect({
          hostname: host,
          port,
          socket: {
            open(s) {
              clearTimeout(timer);
              s.end();
              resolve();
            },
            connectError(_s, err) {
              clearTimeout(timer);
              reject(err);
            },
            data() {},
          },
        }).catch((e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      return [true, ""];
    }
    return [false, "the probe has no handler"];
  } catch (e) {
    return [false, (e as Error).message];
  }
}
