// Service account tokens for projected volumes, as the kubelet's token manager: asked of
// the TokenRequest API bound to the pod, kept in memory, and asked again once 80 % of their
// lifetime has passed (or after 24 h), so the file a pod reads is always well before expiry.
import type { ApiClient } from "../client/api-client.ts";
import type { Pod } from "./pod-source.ts";

export type TokenSource = { audience?: string; expirationSeconds?: number; path: string };

type Held = { token: string; issuedAtMs: number; expiresAtMs: number };

const MAX_AGE_MS = 24 * 3600_000;

/** When a token issued at `issuedAtMs` and expiring at `expiresAtMs` is due for renewal. */
export function refreshAt(issuedAtMs: number, expiresAtMs: number): number {
  return Math.min(issuedAtMs + 0.8 * (expiresAtMs - issuedAtMs), issuedAtMs + MAX_AGE_MS);
}

export class ProjectedTokens {
  private readonly held = new Map<string, Held>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** The last refusal per key (say, the account does not exist yet), for the pod's status. */
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly client: ApiClient,
    /** Ask for another sync of the pod (a token arrived, or one is due). */
    private readonly wake: (uid: string, afterMs?: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  private key(pod: Pod, src: TokenSource): string {
    return `${pod.metadata.uid}/${pod.spec.serviceAccountName ?? "default"}/${src.audience ?? ""}/${src.expirationSeconds ?? 3600}`;
  }

  /**
   * The token for this source of the pod when one is held and not due; otherwise undefined,
   * and one is asked for (the pod is woken when it arrives). A due token that is still
   * valid is returned while its successor is on the way.
   */
  token(pod: Pod, src: TokenSource): string | undefined {
    const key = this.key(pod, src);
    const held = this.held.get(key);
    const now = this.now();
    if (held && now < refreshAt(held.issuedAtMs, held.expiresAtMs)) return held.token;
    this.request(key, pod, src);
    return held && now < held.expiresAtMs ? held.token : undefined;
  }

  /** Why no token could be had for this source, when the last request was refused. */
  failure(pod: Pod, src: TokenSource): string | undefined {
    return this.failures.get(this.key(pod, src));
  }

  /** Drop what is held for a pod that left this node. */
  forget(uid: string): void {
    for (const k of this.held.keys()) if (k.startsWith(`${uid}/`)) this.held.delete(k);
    for (const k of this.failures.keys()) if (k.startsWith(`${uid}/`)) this.failures.delete(k);
  }

  private request(key: string, pod: Pod, src: TokenSource): void {
    if (this.inFlight.has(key)) return;
    const uid = pod.metadata.uid!;
    const p = this.fetch(pod, src)
      .then((held) => {
        this.held.set(key, held);
        this.failures.delete(key);
        this.wake(uid);
        // Woken again when due: the volume's file is rewritten then.
        this.wake(uid, Math.max(1000, refreshAt(held.issuedAtMs, held.expiresAtMs) - this.now() + 100));
      })
      .catch((e) => {
        this.failures.set(key, (e as Error).message);
        this.wake(uid, 2000);
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
  }

  private async fetch(pod: Pod, src: TokenSource): Promise<Held> {
    const ns = pod.metadata.namespace!;
    const sa = pod.spec.serviceAccountName ?? "default";
    const body = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: src.audience ? [src.audience] : [],
        expirationSeconds: src.expirationSeconds ?? 3600,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    const issuedAtMs = this.now();
    const res = await this.client.request("POST", `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, body);
    const text = await res.text();
    let out: { status?: { token?: string; expirationTimestamp?: string }; message?: string } | undefined;
    try {
      out = JSON.parse(text);
    } catch {
      out = undefined;
    }
    if (!res.ok || !out?.status?.token) throw new Error(`cannot get a token for service account ${ns}/${sa}: ${out?.message ?? `HTTP ${res.status}`}`);
    const expiresAtMs = Date.parse(out.status.expirationTimestamp ?? "") || issuedAtMs + (src.expirationSeconds ?? 3600) * 1000;
    return { token: out.status.token, issuedAtMs, expiresAtMs };
  }
}
