// Applying one file of the auto-deploy folder: objects by server-side apply in Helm's
// install order, HelmCharts as releases. Loaded on the first file there is to apply, so a
// server with an empty folder never loads the chart engine.
import type { ApiClient } from "../../client/api-client.ts";
import type { ActionContext } from "../../charts/release/action-context.ts";
import { ApiCluster } from "../../charts/release/api-cluster.ts";
import { SecretReleaseStore } from "../../charts/release/secret-driver.ts";
import { buildObjects } from "../../charts/release/release-objects.ts";
import { deployHelmChart } from "./helm-chart-manifest.ts";
import { readManifestFile } from "./manifest-file.ts";

/** Releases in Secrets and objects through the API, as `skiff chart` keeps them. */
export function apiActionContext(client: ApiClient): ActionContext {
  return { store: new SecretReleaseStore(client), cluster: new ApiCluster(client) };
}

export async function applyManifestFile(ctx: ActionContext, folder: string, file: string, text: string, log: (msg: string) => void): Promise<void> {
  const { objects, charts } = readManifestFile(text);
  // Namespaces first, then everything in Helm's install order; kinds checked before any write.
  const built = await buildObjects(ctx.cluster, objects.map((x) => `---\n${JSON.stringify(x)}\n`).join(""), { name: "", namespace: "default" }, false);
  for (const obj of built) await ctx.cluster.apply(obj);
  for (const hc of charts) {
    const rel = await deployHelmChart(ctx, hc, folder);
    if (rel) log(`manifests: ${file}: release ${rel.namespace}/${rel.name} revision ${rel.version} ${rel.info.status}`);
  }
  if (built.length) log(`manifests: ${file}: applied ${built.length} object(s)`);
}
