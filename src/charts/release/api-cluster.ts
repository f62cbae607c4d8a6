// Cluster over skiff's REST client: discovery (GET /api and /apis) maps kinds
// to resources; objects are applied with server-side apply as field manager skiff-chart.
import { ApiRequestError, type ApiClient } from "../../client/api-client.ts";
import type { Cluster, KindInfo, KubeObj } from "./cluster.ts";

export const FIELD_MANAGER = "skiff-chart";

type ResourceList = { resources?: { name: string; kind: string; namespaced: boolean }[] };

export class ApiCluster implements Cluster {
  private kinds?: Promise<Map<string, KindInfo>>;

  constructor(readonly client: ApiClient) {}

  // Legacy discovery through the client's own request(): /api, /api/<v>, /apis, /apis/<g>/<v>.
  private async discover(): Promise<Map<string, KindInfo>> {
    const out = new Map<string, KindInfo>();
    const add = (group: string, version: string, list: ResourceList) => {
      for (const r of list.resources ?? []) {
        if (r.name.includes("/")) continue; // subresources
        out.set(`${group ? `${group}/` : ""}${version}/${r.kind}`, { group, version, plural: r.name, namespaced: r.namespaced });
      }
    };
    const core = (await readJson(await this.client.request("GET", "/api"))) as { versions?: string[] };
    for (const v of core.versions ?? []) add("", v, await readJson(await this.client.request("GET", `/api/${v}`)));
    const groups = (await readJson(await this.client.request("GET", "/apis"))) as { groups?: { name: string; versions: { version: string }[] }[] };
    for (const g of groups.groups ?? []) {
      for (const v of g.versions) add(g.name, v.version, await readJson(await this.client.request("GET", `/apis/${g.name}/${v.version}`)));
    }
    return out;
  }

  async kindInfo(apiVersion: string, kind: string) {
    this.kinds ??= this.discover();
    return (await this.kinds).get(`${apiVersion}/${kind}`);
  }

  private async ref(apiVersion: string, kind: string): Promise<KindInfo> {
    const k = await this.kindInfo(apiVersion, kind);
    if (!k) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return k;
  }

  private async path(obj: { apiVersion: string; kind: string }, namespace: string | undefined, name?: string): Promise<string> {
    return this.client.path(await this.ref(obj.apiVersion, obj.kind), namespace, name);
  }

  async apply(obj: KubeObj): Promise<KubeObj> {
    const path = await this.path(obj, obj.metadata.namespace, obj.metadata.name);
    const res = await this.client.request("PATCH", `${path}?fieldManager=${FIELD_MANAGER}&force=true`, JSON.stringify(obj), "application/apply-patch+yaml");
    return readJson(res);
  }

  async create(obj: KubeObj): Promise<KubeObj> {
    const res = await this.client.request("POST", await this.path(obj, obj.metadata.namespace), obj);
    return readJson(res);
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
    try {
      return await readJson(await this.client.request("GET", await this.path({ apiVersion, kind }, namespace, name)));
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 404) return undefined;
      throw e;
    }
  }

  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string) {
    try {
      await readJson(await this.client.request("DELETE", await this.path({ apiVersion, kind }, namespace, name), { propagationPolicy: "Background" }));
      return true;
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 404) return false;
      throw e;
    }
  }

  async ensureNamespace(name: string) {
    try {
      await readJson(await this.client.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } }));
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === 409) return;
      throw e;
    }
  }
}

async function readJson(res: Response): Promise<any> {
  const text = await res.text();
  let parsed: any;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  if (!res.ok) throw new ApiRequestError(res.status, parsed?.reason ?? res.statusText, parsed?.message ?? (text || res.statusText), parsed);
  return parsed;
}
