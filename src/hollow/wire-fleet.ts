// A fleet of hollow agents in one process: each joins with the join token as a real agent
// does (its own node name, password and credential), then runs as a WireAgent. Credentials
// are kept in one file under the data dir, so a fleet that restarts re-uses them (a node
// name is bound to its first password, as for real agents).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JoinRefused, requestNodeCredential } from "../agent/credentials.ts";
import { fetchAndVerifyCa } from "../server/pki/verify-ca.ts";
import { FleetStats } from "./fleet-stats.ts";
import { RequestGate } from "./request-gate.ts";
import { WireAgent } from "./wire-agent.ts";

export type WireFleetOptions = {
  server: string;
  joinToken: string;
  count: number;
  namePrefix: string;
  podsPerNode: number;
  leaseRenewSeconds: number;
  dataDir: string;
  /** Requests in flight across the fleet (watches not counted). */
  maxInFlight: number;
  /** Joins in flight: each costs the server a key pair and a certificate. */
  joinConcurrency: number;
  signal: AbortSignal;
  log: (line: string) => void;
};

type Stored = Record<string, { password: string; token: string }>;

export class WireFleet {
  readonly stats = new FleetStats();
  private readonly agents: WireAgent[] = [];
  private readonly gate: RequestGate;
  private readonly leaseGate: RequestGate;

  constructor(private readonly opts: WireFleetOptions) {
    this.gate = new RequestGate(opts.maxInFlight, this.stats);
    this.leaseGate = new RequestGate(Math.max(8, Math.ceil(opts.maxInFlight / 2)), this.stats);
  }

  /** Joins and starts every agent; resolves once all are registered and hold their Lease. */
  async start(): Promise<void> {
    const { opts } = this;
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    const credPath = join(opts.dataDir, `credentials-${opts.namePrefix.replace(/[^a-z0-9-]/g, "")}.json`);
    const stored: Stored = existsSync(credPath) ? JSON.parse(readFileSync(credPath, "utf8")) : {};
    const caPem = await fetchAndVerifyCa(opts.server, opts.joinToken).catch((e: Error) => {
      throw /does not match|is malformed/.test(e.message) ? new JoinRefused(e.message) : e;
    });
    const names = Array.from({ length: opts.count }, (_, i) => `${opts.namePrefix}${i}`);
    let next = 0;
    let dirty = false;
    const worker = async () => {
      while (next < names.length && !opts.signal.aborted) {
        const name = names[next++]!;
        let cred = stored[name];
        if (!cred) {
          const password = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex");
          const joined = await this.gate.run("join", () => retry(() => requestNodeCredential({ server: opts.server, token: opts.joinToken, caPem, nodeName: name, password }), opts.signal));
          cred = stored[name] = { password, token: joined.token };
          dirty = true;
        }
        this.stats.joined++;
        const agent = new WireAgent({ nodeName: name, token: cred.token, server: opts.server, caPem, leaseRenewSeconds: opts.leaseRenewSeconds, podsPerNode: opts.podsPerNode, gate: this.gate, leaseGate: this.leaseGate, stats: this.stats });
        this.agents.push(agent);
        await retry(() => agent.start(), opts.signal);
        this.stats.registered++;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(opts.joinConcurrency, names.length) }, worker));
    } finally {
      if (dirty) writeFileSync(credPath, JSON.stringify(stored), { mode: 0o600 });
    }
  }

  stop(): void {
    for (const a of this.agents) a.stop();
  }
}

/** Retries what failed for a reason other than a refusal, a few times with back-off. */
async function retry<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (e instanceof JoinRefused || attempt >= 6 || signal.aborted) throw e;
      await Bun.sleep(delay);
      delay *= 2;
    }
  }
}
