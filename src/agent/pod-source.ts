// The pods bound to this node, from the API server (list + watch) and, when the server
// is unreachable, from the copy kept under the data dir: pods keep running through an
// outage and after an agent restart without the server.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiClient, ApiRequestError, resources } from "../client/api-client.ts";
import { listWatchLoop } from "../client/list-watch-loop.ts";

export type Pod = KubeObject & { spec: any; status?: any };
type LocalState = { pods: Pod[]; objects: Record<string, KubeObject> };

export class PodSource {
  readonly pods = new Map<string, Pod>();
  /** ConfigMaps and Secrets the pods use, by "configmaps/ns/name". */
  private readonly objects = new Map<string, KubeObject>();
  /** Object fetches under way, by "configmaps/ns/name". */
  private readonly inFlight = new Map<string, Promise<void>>();
  connected = false;
  lastContact = 0;
  private abort = new AbortController();
  private saveTimer?: Timer;
  private readonly statePath: string;

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    agentDir: string,
    private readonly onChange: (uid: string) => void,
  ) {
    this.statePath = join(agentDir, "local-state.json");
    if (existsSync(this.statePath)) {
      try {
        const state = JSON.parse(readFileSync(this.statePath, "utf8")) as LocalState;
        for (const p of state.pods) this.pods.set(p.metadata.uid!, p);
        for (const [k, v] of Object.entries(state.objects)) this.objects.set(k, v);
      } catch {
        // A torn or old file only costs the offline copy; the server has the truth.
      }
    }
  }

  start() {
    void this.loop();
  }

  stop() {
    this.abort.abort();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.save();
  }

  private loop() {
    return listWatchLoop(this.abort.signal, () => this.listAndWatch(), { firstDelayMs: 500, maxDelayMs: 10_000, onError: () => (this.connected = false) });
  }

  private async listAndWatch() {
    const selector = { fieldSelector: `spec.nodeName=${this.nodeName}` };
    const list = await this.client.list<Pod>(resources.pods, undefined, selector);
    this.touch();
    const seen = new Set<string>();
    for (const p of list.items) {
      seen.add(p.metadata.uid!);
      this.put(p);
    }
    for (const uid of [...this.pods.keys()]) if (!seen.has(uid)) this.remove(uid);
    await this.refreshObjects();
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    this.abort.signal.addEventListener("abort", onAbort);
    try {
      for await (const ev of this.client.watch(resources.pods, undefined, { ...selector, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: "300" }, ac.signal)) {
        this.touch();
        if (ev.type === "ERROR") throw new ApiRequestError(ev.object.code ?? 500, ev.object.reason ?? "Error", ev.object.message ?? "watch error");
        if (ev.type === "BOOKMARK") continue;
        const pod = ev.object as Pod;
        if (ev.type === "DELETED") this.remove(pod.metadata.uid!);
        else {
          const isNew = !this.pods.has(pod.metadata.uid!);
          this.put(pod);
          await this.refreshObjectsOf(pod, isNew);
        }
      }
    } finally {
      this.abort.signal.removeEventListener("abort", onAbort);
    }
  }

  private touch() {
    this.connected = true;
    this.lastContact = Date.now();
  }

  private put(pod: Pod) {
    const old = this.pods.get(pod.metadata.uid!);
    this.pods.set(pod.metadata.uid!, pod);
    if (!old || old.metadata.resourceVersion !== pod.metadata.resourceVersion) {
      this.scheduleSave();
      this.onChange(pod.metadata.uid!);
    }
  }

  private remove(uid: string) {
    if (!this.pods.delete(uid)) return;
    this.scheduleSave();
    this.onChange(uid);
  }

  /**
   * Re-read every ConfigMap and Secret the pods use, so updates reach their files and restarts:
   * each object once per pass, however many pods use it (every pod reads kube-root-ca.crt).
   */
  async refreshObjects() {
    const users = new Map<string, { plural: "configmaps" | "secrets"; ns: string; name: string; uids: string[] }>();
    for (const p of this.pods.values()) {
      const ns = p.metadata.namespace!;
      for (const [plural, name] of referencedObjects(p)) {
        const key = `${plural}/${ns}/${name}`;
        const u = users.get(key) ?? { plural, ns, name, uids: [] };
        u.uids.push(p.metadata.uid!);
        users.set(key, u);
      }
    }
    for (const u of users.values()) await this.refreshObject(u.plural, u.ns, u.name, u.uids);
  }

  /**
   * What a pod uses: fetched before going on when not held yet; when held and the pod is
   * new here, fetched again beside the watch (a change wakes the pods using it); otherwise
   * kept fresh by the periodic refreshObjects. Every pod reads kube-root-ca.crt: fetching it
   * in line on each pod event held the watch up by one request per event during a rollout.
   */
  private async refreshObjectsOf(pod: Pod, isNew: boolean) {
    const ns = pod.metadata.namespace!;
    for (const [plural, name] of referencedObjects(pod)) {
      const key = `${plural}/${ns}/${name}`;
      if (!this.objects.has(key)) await this.refreshShared(plural, ns, name);
      else if (isNew) void this.refreshShared(plural, ns, name);
    }
  }

  /** One request per object at a time, however many pods ask; a change wakes every pod that uses it. */
  private refreshShared(plural: "configmaps" | "secrets", ns: string, name: string): Promise<void> {
    const key = `${plural}/${ns}/${name}`;
    let p = this.inFlight.get(key);
    if (!p) {
      const users = () => [...this.pods.values()].filter((q) => q.metadata.namespace === ns && referencedObjects(q).some(([pl, n]) => pl === plural && n === name)).map((q) => q.metadata.uid!);
      p = this.refreshObject(plural, ns, name, users).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  /** Fetch one object; the pods using it are woken when it changed or went. */
  private async refreshObject(plural: "configmaps" | "secrets", ns: string, name: string, users: string[] | (() => string[])) {
    const uidsNow = () => (typeof users === "function" ? users() : users);
    const key = `${plural}/${ns}/${name}`;
    try {
      const obj = await this.client.get(plural === "configmaps" ? resources.configmaps : resources.secrets, ns, name);
      const old = this.objects.get(key);
      this.objects.set(key, obj);
      if (old?.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        this.scheduleSave();
        for (const uid of uidsNow()) this.onChange(uid);
      }
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 404) {
        if (this.objects.delete(key)) for (const uid of uidsNow()) this.onChange(uid);
      }
      // Unreachable server: keep the last copy.
    }
  }

  object(plural: "configmaps" | "secrets", namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${plural}/${namespace}/${name}`);
  }

  private scheduleSave() {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 200);
  }

  private save() {
    const state: LocalState = { pods: [...this.pods.values()], objects: Object.fromEntries(this.objects) };
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, this.statePath);
  }
}

/** [plural, name] of the ConfigMaps and Secrets a pod reads. */
export function referencedObjects(pod: Pod): ["configmaps" | "secrets", string][] {
  const out = new Map<string, ["configmaps" | "secrets", string]>();
  const add = (plural: "configmaps" | "secrets", name?: string) => name && out.set(`${plural}/${name}`, [plural, name]);
  const spec = pod.spec ?? {};
  for (const v of spec.volumes ?? []) {
    add("configmaps", v.configMap?.name);
    add("secrets", v.secret?.secretName);
    for (const src of v.projected?.sources ?? []) {
      add("configmaps", src.configMap?.name);
      add("secrets", src.secret?.name);
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      add("configmaps", e.valueFrom?.configMapKeyRef?.name);
      add("secrets", e.valueFrom?.secretKeyRef?.name);
    }
    for (const f of c.envFrom ?? []) {
      add("configmaps", f.configMapRef?.name);
      add("secrets", f.secretRef?.name);
    }
  }
  return [...out.values()];
}
