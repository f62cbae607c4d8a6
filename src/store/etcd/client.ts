// A client of etcd's v3 API as its gateway serves it: JSON over HTTP (etcd 3.4+), keys and
// values base64, int64s as strings. Requests go to one endpoint at a time and move on to
// the next when it does not answer, so one member down costs one retry.
export type EtcdTls = { ca?: string; cert?: string; key?: string };
export type EtcdClientOptions = { endpoints: string[]; tls?: EtcdTls; timeoutMs?: number };

export type KeyValue = { key: string; create_revision?: string; mod_revision?: string; version?: string; value?: string };
export type ResponseHeader = { revision?: string };
export type RangeResponse = { header?: ResponseHeader; kvs?: KeyValue[]; more?: boolean; count?: string };
export type TxnResponse = {
  header?: ResponseHeader;
  succeeded?: boolean;
  responses?: { response_range?: RangeResponse; response_put?: { header?: ResponseHeader }; response_delete_range?: { header?: ResponseHeader; prev_kvs?: KeyValue[] } }[];
};
export type WatchEvent = { type?: "PUT" | "DELETE"; kv: KeyValue; prev_kv?: KeyValue };
export type WatchResponse = { header?: ResponseHeader; created?: boolean; canceled?: boolean; compact_revision?: string; cancel_reason?: string; events?: WatchEvent[] };

/** etcd refused the request (a bad request, a compacted revision…): retrying elsewhere would not help. */
export class EtcdError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}
/** No endpoint answered. */
export class EtcdUnavailableError extends Error {}

export const b64 = (s: string): string => Buffer.from(s).toString("base64");
export const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, "base64").toString() : "");
/** The end of the key range holding every key that starts with `prefix`, base64. */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  let i = bytes.length - 1;
  while (i >= 0 && bytes[i] === 0xff) i--;
  if (i < 0) return b64("\u0000");
  const end = bytes.subarray(0, i + 1);
  end[i]! += 1;
  return end.toString("base64");
}

// gRPC codes that mean "this member cannot serve now": another may.
const UNAVAILABLE = new Set([4, 8, 10, 13, 14]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdClient {
  private current = 0;
  private readonly endpoints: string[];
  /** Hears every answered request: its operation (range, txn, compaction, status) and seconds. */
  onRequest?: (operation: string, seconds: number) => void;

  constructor(private readonly opts: EtcdClientOptions) {
    if (!opts.endpoints.length) throw new Error("no etcd endpoint");
    this.endpoints = opts.endpoints.map((e) => e.replace(/\/+$/, ""));
  }

  get endpoint(): string {
    return this.endpoints[this.current]!;
  }

  private next() {
    this.current = (this.current + 1) % this.endpoints.length;
  }

  private init(body: unknown, signal?: AbortSignal): RequestInit {
    const tls = this.opts.tls;
    return {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      signal,
      ...(tls && (tls.ca || tls.cert) ? { tls } : {}),
    } as RequestInit;
  }

  /**
   * POST `body` to `path` on the current endpoint, failing over to the others while none
   * answers. `onRetry` hears of every failover: a write sent before it may have been applied.
   */
  async call<T>(path: string, body: unknown, onRetry?: () => void): Promise<T> {
    const rounds = 3;
    let last: unknown;
    for (let attempt = 0; attempt < this.endpoints.length * rounds; attempt++) {
      if (attempt > 0) {
        onRetry?.();
        if (attempt % this.endpoints.length === 0) await sleep(200 * (attempt / this.endpoints.length));
      }
      const started = performance.now();
      let res: Response;
      try {
        res = await fetch(this.endpoint + path, this.init(body, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)));
      } catch (e) {
        last = e;
        this.next();
        continue;
      }
      const text = await res.text().catch(() => "");
      let json: { error?: string; message?: string; code?: number } & Record<string, unknown>;
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        json = { message: text.slice(0, 200) };
      }
      if (res.ok) {
        this.onRequest?.(path.slice(path.lastIndexOf("/") + 1), (performance.now() - started) / 1000);
        return json as T;
      }
      const message = String(json.message ?? json.error ?? `HTTP ${res.status}`);
      if (UNAVAILABLE.has(json.code ?? -1) || res.status === 503 || res.status === 502) {
        last = new EtcdError(message, json.code);
        this.next();
        continue;
      }
      throw new EtcdError(message, json.code);
    }
    throw new EtcdUnavailableError(`etcd is unavailable at ${this.endpoints.join(",")}: ${(last as Error)?.message ?? last}`);
  }

  range(key: string, rangeEnd: string | undefined, extra: Record<string, unknown> = {}): Promise<RangeResponse> {
    return this.call("/v3/kv/range", { key, ...(rangeEnd ? { range_end: rangeEnd } : {}), ...extra });
  }

  txn(body: unknown, onRetry?: () => void): Promise<TxnResponse> {
    return this.call("/v3/kv/txn", body, onRetry);
  }

  /**
   * One watch stream on the current endpoint: every response goes to `onResponse` until the
   * stream ends, fails or `signal` aborts. The caller resumes on another endpoint from the
   * revision it got to.
   */
  async watchOnce(create: Record<string, unknown>, onResponse: (r: WatchResponse) => void, signal: AbortSignal): Promise<void> {
    const endpoint = this.endpoint;
    let res: Response;
    try {
      res = await fetch(endpoint + "/v3/watch", this.init({ create_request: create }, signal));
    } catch (e) {
      if (!signal.aborted) this.next();
      throw e;
    }
    if (!res.ok || !res.body) {
      this.next();
      throw new EtcdError(`watch on ${endpoint}: HTTP ${res.status}`);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line) as { result?: WatchResponse; error?: { message?: string; grpc_code?: number } };
          if (msg.error) throw new EtcdError(`watch on ${endpoint}: ${msg.error.message ?? "error"}`, msg.error.grpc_code);
          if (msg.result) onResponse(msg.result);
        }
      }
    } catch (e) {
      if (!signal.aborted) this.next();
      throw e;
    } finally {
      reader.releaseLock?.();
    }
    if (!signal.aborted) this.next();
  }
}
