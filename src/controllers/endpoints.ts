// Endpoints and EndpointSlices of Services with a selector: the selected pods' IPs, ready
// ones as addresses, the rest as notReadyAddresses (ready: false in slices), with named
// target ports resolved per pod.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { labelSelectorMatcher } from "../api/selectors/index.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import { newControllerRef } from "./shared/owner-refs.ts";
import { isNotFound, isNotFoundOrConflict, objectKey, splitKey } from "./shared/object-key.ts";
import { isPodReady, nodeNameOf, podPhase } from "./shared/pod-state.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";

type ServicePort = { name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string };
type ServiceSpec = { selector?: Record<string, string>; ports?: ServicePort[]; publishNotReadyAddresses?: boolean };
type Port = { name?: string; port: number; protocol: string; appProtocol?: string };
type Member = { pod: KubeObject; ip: string; ready: boolean };

/** The pod's port for a service port: a number, or a named container port (none when the pod lacks it). */
function resolvePort(pod: KubeObject, sp: ServicePort): number | undefined {
  const t = sp.targetPort ?? sp.port;
  if (typeof t === "number") return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of (pod.spec as { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] }).containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === t && (p.protocol ?? "TCP") === (sp.protocol ?? "TCP")) return p.containerPort;
  }
  return undefined;
}

export function endpointsController(registry: Registry, informers: InformerFactory, kinds: { pod: KindDef; service: KindDef; endpoints?: KindDef; endpointSlice?: KindDef }): Controller {
  const services = informers.for(kinds.service);
  const pods = informers.for(kinds.pod);

  const controller = new Controller({
    name: "endpoints",
    workers: 2,
    resyncMs: 30_000,
    allKeys: () => services.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const svc = services.get(namespace, name);
      const selector = (svc?.spec as ServiceSpec | undefined)?.selector;
      if (!svc || svc.metadata.deletionTimestamp) return removeAll(namespace, name);
      if (!selector || !Object.keys(selector).length) return; // endpoints of selector-less services belong to their users
      const spec = svc.spec as ServiceSpec;
      const matches = labelSelectorMatcher({ matchLabels: selector });
      const members: Member[] = [];
      for (const p of pods.list(namespace)) {
        const ip = (p.status as { podIP?: string } | undefined)?.podIP;
        const phase = podPhase(p);
        if (!ip || p.metadata.deletionTimestamp || phase === "Succeeded" || phase === "Failed" || !matches(p.metadata.labels ?? {})) continue;
        members.push({ pod: p, ip, ready: spec.publishNotReadyAddresses || isPodReady(p) });
      }
      members.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
      // Group pods by the ports they resolve to: one subset / slice per distinct port set.
      const groups = new Map<string, { ports: Port[]; members: Member[] }>();
      for (const m of members) {
        const ports: Port[] = [];
        for (const sp of spec.ports ?? []) {
          const port = resolvePort(m.pod, sp);
          if (port !== undefined) ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
        }
        const k = JSON.stringify(ports);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { ports, members: [] }));
        g.members.push(m);
      }
      if (kinds.endpoints) await writeEndpoints(svc, [...groups.values()]);
      if (kinds.endpointSlice) await writeSlices(svc, [...groups.values()]);
    },
  });

  const address = (svc: KubeObject) => (m: Member) => ({ ip: m.ip, ...hostnameFor(svc, m.pod, false), ...(nodeNameOf(m.pod) ? { nodeName: nodeNameOf(m.pod) } : {}), targetRef: { kind: "Pod", namespace: m.pod.metadata.namespace, name: m.pod.metadata.name, uid: m.pod.metadata.uid } });

  async function writeEndpoints(svc: KubeObject, groups: { ports: Port[]; members: Member[] }[]) {
    const subsets = groups
      .map((g) => {
        const ready = g.members.filter((m) => m.ready).map(address(svc));
        const notReady = g.members.filter((m) => !m.ready).map(address(svc));
        return { ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ...(g.ports.length ? { ports: g.ports } : {}) };
      })
      .filter((s) => s.addresses || s.notReadyAddresses);
    const ns = svc.metadata.namespace!;
    const name = svc.metadata.name!;
    const labels = { ...(svc.metadata.labels ?? {}) };
    const existing = registry.tryGet(kinds.endpoints!, ns, name);
    if (existing && JSON.stringify(existing.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(existing.metadata.labels ?? {}) === JSON.stringify(labels)) return;
    await upsert(kinds.endpoints!, ns, name, (cur) => ({ ...(cur ?? { metadata: { name, namespace: ns } }), metadata: { ...(cur?.metadata ?? { name, namespace: ns }), labels }, subsets }));
  }

  async function writeSlices(svc: KubeObject, groups: { ports: Port[]; members: Member[] }[]) {
    const ns = svc.metadata.namespace!;
    const svcName = svc.metadata.name!;
    // One slice per port set, named after the service and its position, re-used across syncs.
    const wanted = new Map<string, KubeObject>();
    const effective = groups.length ? groups : [{ ports: [] as Port[], members: [] as Member[] }];
    effective.forEach((g, i) => {
      const name = `${svcName}-${i === 0 ? "main" : i}`.slice(0, 253);
      wanted.set(name, {
        metadata: { name, namespace: ns, labels: { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: svcName, [MANAGED_BY_LABEL]: MANAGED_BY }, ownerReferences: [newControllerRef(kinds.service, svc)] },
        addressType: "IPv4",
        endpoints: g.members.map((m) => ({
          addresses: [m.ip],
          conditions: { ready: m.ready, serving: m.ready, terminating: false },
          ...hostnameFor(svc, m.pod, true),
          ...(nodeNameOf(m.pod) ? { nodeName: nodeNameOf(m.pod) } : {}),
          targetRef: { kind: "Pod", namespace: ns, name: m.pod.metadata.name, uid: m.pod.metadata.uid },
        })),
        ports: g.ports,
      });
    });
    const existing = registry.list(kinds.endpointSlice!, ns, (s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svcName && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY).items;
    for (const s of existing) {
      if (wanted.has(s.metadata.name!)) continue;
      try {
        await registry.delete(kinds.endpointSlice!, ns, s.metadata.name!);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    for (const [name, body] of wanted) {
      const cur = existing.find((s) => s.metadata.name === name);
      if (cur && JSON.stringify([cur.endpoints, cur.ports, cur.metadata.labels]) === JSON.stringify([body.endpoints, body.ports, body.metadata.labels])) continue;
      await upsert(kinds.endpointSlice!, ns, name, (c) => ({ ...body, metadata: { ...(c?.metadata ?? {}), ...body.metadata } }));
    }
  }

  async function upsert(kind: KindDef, ns: string, name: string, produce: (cur: KubeObject | undefined) => KubeObject) {
    try {
      await registry.replace(kind, ns, name, produce, {}, undefined, true);
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
      throw Object.assign(new Error(`endpoints of ${ns}/${name} changed meanwhile`), { code: 409 });
    }
  }

  async function removeAll(ns: string, name: string) {
    const gone = [] as Promise<unknown>[];
    if (kinds.endpoints && registry.tryGet(kinds.endpoints, ns, name)) gone.push(registry.delete(kinds.endpoints, ns, name));
    if (kinds.endpointSlice) {
      for (const s of registry.list(kinds.endpointSlice, ns, (x) => x.metadata.labels?.[SERVICE_NAME_LABEL] === name && x.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY).items) gone.push(registry.delete(kinds.endpointSlice, ns, s.metadata.name!));
    }
    for (const r of await Promise.allSettled(gone)) if (r.status === "rejected" && !isNotFound(r.reason)) throw r.reason;
  }

  services.onChange((s, prev) => controller.enqueue(objectKey(s ?? prev!)));
  pods.onChange((pod, prev) => {
    const ns = (pod ?? prev!).metadata.namespace;
    for (const svc of services.list(ns)) {
      const sel = (svc.spec as ServiceSpec | undefined)?.selector;
      if (!sel || !Object.keys(sel).length) continue;
      const m = labelSelectorMatcher({ matchLabels: sel });
      if ((pod && m(pod.metadata.labels ?? {})) || (prev && m(prev.metadata.labels ?? {}))) controller.enqueue(objectKey(svc));
    }
  });
  return controller;
}

/**
 * A pod's hostname is its DNS name under the Service it names as subdomain (a StatefulSet's
 * NAME-0.SERVICE): Endpoints carry it for any such Service, EndpointSlices for headless ones.
 */
function hostnameFor(svc: KubeObject, pod: KubeObject, headlessOnly: boolean): { hostname?: string } {
  const spec = (pod.spec ?? {}) as { hostname?: string; subdomain?: string };
  if (!spec.hostname || spec.subdomain !== svc.metadata.name || pod.metadata.namespace !== svc.metadata.namespace) return {};
  if (headlessOnly && (svc.spec as { clusterIP?: string } | undefined)?.clusterIP !== "None") return {};
  return { hostname: spec.hostname };
}
