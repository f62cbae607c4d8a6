// A small REST client for skiff's own processes (agent, CLI) talking to the API server
// over HTTPS with a bearer token: the Kubernetes verbs plus watch as an async stream,
// failing over between several servers of one cluster.
import type { KubeObject } from "../api/kinds/kind.ts";

export type ResourceRef = { group: string; version: string; plural: string; namespaced: boolean };

export class ApiRequestError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: unknown,
  ) {
    super(message);
  }
}

export type WatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"; object: KubeObject & { code?: number; reason?: string; message?: string } };

export class ApiClient {
  /** Servers to fail over to, the given one first; more may be learned (useServers). */
  private servers: string[];
  private current = 0;

  constructor(
    server: string | string[],
    private readonly token: string,
    private readonly caPem: string,
  ) {
    this.servers = [...new Set(Array.isArray(server) ? server : [server])];
    if (!this.servers.length) throw new Error("no API server");
  }

  /** The server requests go to now. */
  get server(): string {
    return this.servers[this.current]!;
  }

  /** Every server this client may use. */
  get knownServers(): readonly string[] {
    return this.servers;
  }

  /** Replace the servers to fail over to (the one in use stays in use while listed). */
  useServers(servers: string[]) {
    const next = [...new Set(servers)];
    if (!next.length) return;
    const now = this.server;
    this.servers = next;
    this.current = Math.max(0, next.indexOf(now));
  }

  path(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
    const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
    const ns = ref.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${base}${ns}/${ref.plural}${name ? `/${encodeURIComponent(name)}` : ""}${subresource ? `/${subresource}` : ""}`;
  }

  /**
   * One request; when the server does not answer (connection refused or reset, or 503 from a
   * server whose datastore is gone) it goes to the next server, each tried once, as k3s's
   * agent load balancer. A write re-sent this way may have been applied once already: the
   * agent's writes are patches of its own objects and creates that tolerate AlreadyExists.
   */
  async request(method: string, path: string, body?: unknown, contentType = "application/json", signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = contentType;
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    let last: unknown;
    for (let tried = 0; tried < this.servers.length; tried++) {
      const server = this.server;
      try {
        const res = await fetch(server + path, { method, headers, body: payload, signal: signal ?? AbortSignal.timeout(30_000), tls: { ca: this.caPem } } as RequestInit);
        if (res.status !== 503 || tried === this.servers.length - 1) return res;
        last = new Error(`${server} answered 503`);
      } catch (e) {
        if (signal?.aborted || (e as Error).name === "TimeoutError" || this.servers.length === 1) throw e;
        last = e;
      }
      if (this.server === server) this.current = (this.current + 1) % this.servers.length;
    }
    throw last;
  }

  private async json<T>(res: Response): Promise<T> {
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) throw new ApiRequestError(res.status, parsed?.reason ?? res.statusText, parsed?.message ?? (text || res.statusText), parsed);
    return parsed as T;
  }

  async get<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, subresource?: string): Promise<T> {
    return this.json(await this.request("GET", this.path(ref, namespace, name, subresource)));
  }

  async list<T = KubeObject>(ref: ResourceRef, namespace?: string, query: Record<string, string> = {}): Promise<{ items: T[]; metadata: { resourceVersion: string } }> {
    const qs = new URLSearchParams(query).toString();
    return this.json(await this.request("GET", this.path(ref, namespace) + (qs ? `?${qs}` : "")));
  }

  async create<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, body: unknown): Promise<T> {
    return this.json(await this.request("POST", this.path(ref, namespace), body));
  }

  async update<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, body: unknown, subresource?: string): Promise<T> {
    return this.json(await this.request("PUT", this.path(ref, namespace, name, subresource), body));
  }

  async patch<T = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, body: unknown, type: "merge" | "strategic" | "json" = "merge", subresource?: string): Promise<T> {
    const ct = { merge: "application/merge-patch+json", strategic: "application/strategic-merge-patch+json", json: "application/json-patch+json" }[type];
    return this.json(await this.request("PATCH", this.path(ref, namespace, name, subresource), body, ct));
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, options: { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string } } = {}): Promise<KubeObject> {
    return this.json(await this.request("DELETE", this.path(ref, namespace, name), options));
  }

  /** Events of a watch until the server closes it or `signal` aborts. */
  async *watch(ref: ResourceRef, namespace: string | undefined, query: Record<string, string>, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const qs = new URLSearchParams({ ...query, watch: "true", allowWatchBookmarks: "true" }).toString();
    const res = await this.request("GET", `${this.path(ref, namespace)}?${qs}`, undefined, undefined, signal);
    if (!res.ok) await this.json(res);
    yield* watchEvents(res);
  }
}

export const resources = {
  pods: { group: "", version: "v1", plural: "pods", namespaced: true },
  nodes: { group: "", version: "v1", plural: "nodes", namespaced: false },
  namespaces: { group: "", version: "v1", plural: "namespaces", namespaced: false },
  configmaps: { group: "", version: "v1", plural: "configmaps", namespaced: true },
  secrets: { group: "", version: "v1", plural: "secrets", namespaced: true },
  services: { group: "", version: "v1", plural: "services", namespaced: true },
  endpoints: { group: "", version: "v1", plural: "endpoints", namespaced: true },
  events: { group: "", version: "v1", plural: "events", namespaced: true },
  leases: { group: "coordination.k8s.io", version: "v1", plural: "leases", namespaced: true },
  endpointslices: { group: "discovery.k8s.io", version: "v1", plural: "endpointslices", namespaced: true },
} satisfies Record<string, ResourceRef>;

/** The events of a watch response: newline-delimited JSON (an idle watch may send bare newlines). */
export async function* watchEvents(res: Response): AsyncGenerator<WatchEvent> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as WatchEvent;
    }
  }
}
