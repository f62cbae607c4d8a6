// Requests in flight per client address, so one client cannot hold every socket and
// stream of the server (a watch counts for as long as it streams). Bun.serve reports no
// connection opening or closing: on the API port the TLS front bounds connections per
// address; on the agent's port idle keep-alive connections are bounded by the idle timeout.
export class ClientLimits {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly maxPerAddress: number) {}

  /** A release function (safe to call twice), or undefined when the address is at its limit. */
  acquire(address: string): (() => void) | undefined {
    const n = this.inFlight.get(address) ?? 0;
    if (n >= this.maxPerAddress) return undefined;
    this.inFlight.set(address, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(address) ?? 1) - 1;
      if (left > 0) this.inFlight.set(address, left);
      else this.inFlight.delete(address);
    };
  }

  count(address: string): number {
    return this.inFlight.get(address) ?? 0;
  }
}
