// A local copy of one resource kind, kept by list + watch through the agent's API client,
// with a callback on every change. The service proxy, the DNS server and the overlay
// each read their inputs from these.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { ApiRequestError, type ApiClient, type ResourceRef } from "../../client/api-client.ts";
import { listWatchLoop } from "../../client/list-watch-loop.ts";

export class ResourceMirror<T extends KubeObject = KubeObject> {
  readonly items = new Map<string, T>();
  synced = false;
  private abort = new AbortController();

  constructor(
    private readonly client: ApiClient,
    private readonly ref: ResourceRef,
    private readonly onChange: () => void,
  ) {}

  list(): T[] {
    return [...this.items.values()];
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
  }

  private loop() {
    return listWatchLoop(this.abort.signal, () => this.listAndWatch(), { firstDelayMs: 250, maxDelayMs: 5_000 });
  }

  private async listAndWatch() {
    const list = await this.client.list<T>(this.ref);
    this.items.clear();
    for (const o of list.items) this.items.set(keyOf(o), o);
    this.synced = true;
    this.onChange();
    let rv = list.metadata.resourceVersion;
    for await (const ev of this.client.watch(this.ref, undefined, { resourceVersion: rv }, this.abort.signal)) {
      if (ev.type === "ERROR") throw new ApiRequestError(ev.object.code ?? 500, ev.object.reason ?? "", ev.object.message ?? "watch error");
      if (ev.object.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
      if (ev.type === "BOOKMARK") continue;
      if (ev.type === "DELETED") this.items.delete(keyOf(ev.object));
      else this.items.set(keyOf(ev.object), ev.object as T);
      this.onChange();
    }
  }
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** Coalesces bursts of changes into one run, never two at once. */
export function coalesce(fn: () => Promise<void>, delayMs: number, onError: (e: Error) => void): () => void {
  let timer: Timer | undefined;
  let running = false;
  let again = false;
  const run = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await fn();
    } catch (e) {
      onError(e as Error);
    } finally {
      running = false;
      if (again) {
        again = false;
        timer ??= setTimeout(run, delayMs);
      }
    }
  };
  return () => {
    timer ??= setTimeout(run, delayMs);
  };
}
