// Which servers are alive, for the kubernetes Endpoints: on a shared store each server renews
// a Lease kube-system/skiff-apiserver-NODE naming its address, and the leader sets the
// Endpoints to the servers whose lease is current, so a server that died leaves them (the
// part of upstream's "lease" endpoint reconciler that removes a gone apiserver's address).
import type { Registry } from "../../api/registry/registry.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { microTimestamp } from "../../api/registry/metadata.ts";
import { setKubernetesEndpoints } from "./kubernetes-service.ts";

const NAMESPACE = "kube-system";
const LABEL = "skiff.io/apiserver";
const ADDRESS = "skiff.io/apiserver-address";
/** Renewed every 10 s; a server silent for 30 s is taken out (three missed renewals). */
export const APISERVER_RENEW_MS = 10_000;
export const APISERVER_LEASE_SECONDS = 30;

export type ApiServerLeaseOptions = { nodeName: string; ip: string; port: number; isLeader: () => boolean; log: (line: string) => void; renewMs?: number; leaseSeconds?: number };

/** Starts renewing; returns the stop. */
export function startApiServerLeases(registry: Registry, o: ApiServerLeaseOptions): () => void {
  const leaseKind = registry.kind("coordination.k8s.io", "v1", "leases");
  if (!leaseKind) return () => {};
  const seconds = o.leaseSeconds ?? APISERVER_LEASE_SECONDS;
  const name = `skiff-apiserver-${o.nodeName}`;
  const renew = () =>
    registry.replace(
      leaseKind,
      NAMESPACE,
      name,
      (cur) => ({
        ...(cur ?? { apiVersion: "coordination.k8s.io/v1", kind: "Lease" }),
        metadata: { ...(cur?.metadata ?? {}), name, namespace: NAMESPACE, labels: { ...cur?.metadata.labels, [LABEL]: "true" }, annotations: { ...cur?.metadata.annotations, [ADDRESS]: `${o.ip.includes(":") ? `[${o.ip}]` : o.ip}:${o.port}` } },
        spec: { holderIdentity: o.nodeName, leaseDurationSeconds: seconds, renewTime: microTimestamp(Date.now()) },
      }),
      {},
      undefined,
      true,
    );
  const reconcile = async () => {
    const now = Date.now();
    const live = registry.list(leaseKind, NAMESPACE, (l) => l.metadata.labels?.[LABEL] === "true").items.filter((l) => isCurrent(l, now));
    const servers = live.flatMap((l) => parseAddress(l.metadata.annotations?.[ADDRESS]));
    if (servers.length) await setKubernetesEndpoints(registry, servers);
  };
  let running = true;
  const tick = async () => {
    await renew();
    if (running && o.isLeader()) await reconcile();
  };
  const timer = setInterval(() => void tick().catch((e) => o.log(`skiff server: apiserver lease: ${(e as Error).message}`)), o.renewMs ?? APISERVER_RENEW_MS);
  void tick().catch((e) => o.log(`skiff server: apiserver lease: ${(e as Error).message}`));
  return () => {
    running = false;
    clearInterval(timer);
  };
}

function isCurrent(lease: KubeObject, now: number): boolean {
  const spec = lease.spec as { renewTime?: string; leaseDurationSeconds?: number } | undefined;
  const renewed = Date.parse(spec?.renewTime ?? "");
  return Number.isFinite(renewed) && renewed + (spec?.leaseDurationSeconds ?? 0) * 1000 > now;
}

function parseAddress(v: string | undefined): { ip: string; port: number }[] {
  const m = v?.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  return m ? [{ ip: m[1]!, port: Number(m[2]) }] : [];
}
